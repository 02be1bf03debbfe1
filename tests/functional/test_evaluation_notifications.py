""" "Evaluation open" notifications: the reminder scan tells each learner once per evaluation she is asked for (an
attended session's facilitator, the organizer at the course's end, the post-training self-evaluation months later),
with a link to it, in her language, by e-mail too; an answered evaluation is not announced."""

from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from lms.core.mail import OutboxMessage
from lms.core.models import utcnow
from lms.courses.models import Cohort
from lms.extensions import db
from lms.instruments import services
from lms.instruments.items import InstrumentPurpose
from lms.notifications.jobs import send_notification_mails
from lms.notifications.kinds import KINDS
from lms.notifications.models import Notification
from lms.notifications.reminders import send_due_reminders
from lms.notifications.services import reader_of
from tests.factories.instruments import make_attended_training


def _evaluation_notices(user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.kind == "evaluation_open")
            .order_by(Notification.id)
        ).scalars()
    )


def _title(notification: Notification) -> str:
    reader = reader_of(notification.user)
    with force_locale(reader.locale):
        return KINDS["evaluation_open"].title(notification.params, reader)


def test_each_open_evaluation_is_announced_once_with_its_link(app_ctx, client, auth):
    training, session = make_attended_training(learners=2)
    first, second = training.learners
    now = utcnow()
    for to_answer in services.pending_for(second, now):  # the second learner answers before any scan
        services.submit(second, str(to_answer.key), _fill(to_answer), now)
    db.session.commit()
    asked = {a.purpose: a for a in services.pending_for(first, now)}
    assert set(asked) == {InstrumentPurpose.FACILITATOR_EVALUATION, InstrumentPurpose.ORGANIZER_EVALUATION}

    assert send_due_reminders(now)["evaluation_open"] == 2  # only the first learner's; the second answered hers
    assert send_due_reminders(now)["evaluation_open"] == 0
    assert send_due_reminders(now + timedelta(hours=1))["evaluation_open"] == 0
    assert _evaluation_notices(second) == []
    notice, _organizer = _evaluation_notices(first)
    facilitator = asked[InstrumentPurpose.FACILITATOR_EVALUATION]
    assert notice.link == f"/evaluations/{facilitator.key}"
    assert _title(notice) == f"Mohon nilai fasilitator: {facilitator.title}"
    assert session.title in facilitator.title
    send_notification_mails.call_local([notice.id])  # the mail job (queued after the commit), run here in-process
    mails = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == first.email)).scalars().all()
    assert any(facilitator.title in m.subject for m in mails)

    auth.login(first.email)
    assert client.get(notice.link).status_code == 200
    auth.logout()

    # Months after the course's end: the organizer and the post-training evaluations open, each announced once.
    cohort = db.session.get(Cohort, training.cohort.id)
    cohort.starts_on, cohort.ends_on = now.date() - timedelta(days=100), now.date() - timedelta(days=95)
    db.session.commit()
    assert send_due_reminders(now)["evaluation_open"] == 2  # the post-training self-evaluation, for each learner
    assert send_due_reminders(now)["evaluation_open"] == 0
    purposes = sorted(n.params["purpose"] for n in _evaluation_notices(first))
    assert purposes == ["facilitator_evaluation", "organizer_evaluation", "post_training"]
    post = [n for n in _evaluation_notices(first) if n.params["purpose"] == InstrumentPurpose.POST_TRAINING.value]
    assert _title(post[0]).startswith("Evaluasi pascapelatihan Anda sudah dibuka")


def _fill(asked) -> dict:
    """Answers to every required item: the top of a scale, yes, a word for a text."""
    return {item.id: "Baik" if item.kind == "text" else item.scale or 1 for item in asked.instrument.items}


def _statements_of_scan(now) -> list[str]:
    """The statements of the scan's batch up to its commit (the mail job queued after the commit is not the scan's)."""
    from sqlalchemy import event

    from lms.notifications.evaluation_reminders import evaluation_open_notices

    statements: list[str] = []
    committing: list[bool] = []

    def count(_connection, _cursor, statement, *_args):
        if not committing:
            statements.append(statement)

    def before_commit(_session):
        committing.append(True)

    db.session.expire_all()
    session = db.session()
    event.listen(db.engine, "before_cursor_execute", count)
    event.listen(session, "before_commit", before_commit)
    try:
        sent = evaluation_open_notices(now)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        event.remove(session, "before_commit", before_commit)
    assert sent > 0 and committing
    return statements


def test_the_scan_runs_the_same_statements_for_two_learners_as_for_fourteen(app_ctx):
    """The candidates of a batch are read together (sessions, marks, answers, settings), not one learner at a time."""
    make_attended_training(learners=2)
    now = utcnow()
    small = _statements_of_scan(now)
    for n in range(3):
        make_attended_training(learners=4, slug=f"org-{n}", code=f"KURSUS-{n}")
    large = _statements_of_scan(now)
    assert len(large) == len(small), "\n".join(large)
    assert len(_evaluation_notices_of_kind()) == 2 * (2 + 3 * 4)  # the facilitator and the organizer, each learner


def _evaluation_notices_of_kind() -> list[Notification]:
    return list(db.session.execute(select(Notification).where(Notification.kind == "evaluation_open")).scalars())
