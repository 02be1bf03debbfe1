"""A facilitator writes to learners of her cohort from its progress: the learners she ticks or all who are behind,
delivered as notifications (in-app, and e-mail through a real SMTP server unless the learner turned e-mail off for
facilitators' messages), audited; the API `POST /api/v1/cohorts/{id}/messages` does the same as its description
says; nobody outside the cohort can be written to, and another cohort is not found."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.accounts.models import Role
from lms.core.audit import AuditEntry
from lms.extensions import db
from lms.notifications.models import Notification
from lms.notifications.services import set_email_choice
from tests.conftest import Auth, api_token
from tests.factories import make_organization, make_user
from tests.factories.certificates import complete_lessons, enrol, make_cohort, make_published_version
from tests.openapi_contract import check_response
from tests.smtp import SmtpServer

MESSAGES = "/api/v1/cohorts/{}/messages"


@pytest.fixture
def cohort_world(app_ctx):
    """A cohort half way through: Ahead has done every lesson, Late and Later none; a stranger in another cohort."""
    ppni = make_organization("ppni")
    version = make_published_version()
    cohort = make_cohort(version)
    facilitator = make_user("fasil@x.test", full_name="Bu Fasil", role=Role.FACILITATOR, organization=ppni)
    cohort.facilitators.append(facilitator)
    db.session.commit()
    people = {
        "ahead": make_user("ahead@x.test", full_name="Ahead"),
        "late": make_user("late@x.test", full_name="Late", locale="en"),
        "later": make_user("later@x.test", full_name="Later"),
        "stranger": make_user("stranger@x.test", full_name="Stranger"),
        "other_facilitator": make_user("other@x.test", role=Role.FACILITATOR, organization=ppni),
    }
    complete_lessons(people["ahead"], enrol(people["ahead"], cohort))
    enrol(people["late"], cohort)
    enrol(people["later"], cohort)
    enrol(people["stranger"], make_cohort(version))
    return cohort, facilitator, people


def messages_to(user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == "cohort_message")
        ).scalars()
    )


def test_message_to_all_who_are_behind_arrives_in_app_and_by_email_per_preference(
    app, client, cohort_world, monkeypatch
):
    cohort, facilitator, people = cohort_world
    set_email_choice(people["later"].id, "cohort_message", False)  # in-app only for her
    db.session.commit()
    auth = Auth(client)
    auth.login(facilitator.email)
    progress = client.get(f"/attendance/cohorts/{cohort.id}/progress").get_data(as_text=True)
    assert f"/cohorts/{cohort.id}/learners/message" in progress
    page = client.get(f"/cohorts/{cohort.id}/learners/message").get_data(as_text=True)
    ticked = set(re.findall(r'name="user_ids" value="(\d+)" id="learner-\d+" checked', page))
    assert ticked == {str(people["late"].id), str(people["later"].id)}  # those behind, ticked to start with
    with SmtpServer() as server:
        for key, value in server.config().items():
            monkeypatch.setitem(app.config, key, value)
        sent = client.post(
            f"/cohorts/{cohort.id}/learners/message",
            data={"recipients": "behind", "text": "  Ayo selesaikan modul 2.  "},
        )
        assert sent.status_code == 302
    assert [n.params["text"] for n in messages_to(people["late"])] == ["Ayo selesaikan modul 2."]
    assert len(messages_to(people["later"])) == 1
    assert messages_to(people["ahead"]) == [] and messages_to(people["stranger"]) == []
    (mail,) = [m for m in server.messages if m["To"] == "late@x.test"]
    assert mail["Subject"] == f"Lentera: Message from Bu Fasil about {cohort.name}"
    assert "Ayo selesaikan modul 2." in mail.get_body(preferencelist=("plain",)).get_content()
    assert not [m for m in server.messages if m["To"] == "later@x.test"]
    audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "cohort.message")).scalar_one()
    assert audit.actor_id == facilitator.id
    assert sorted(audit.details["recipients"]) == sorted([people["late"].id, people["later"].id])
    # The learner reads it in her list under the bell.
    auth.logout()
    auth.login(people["late"].email)
    assert "Ayo selesaikan modul 2." in client.get("/notifications").get_data(as_text=True)


def test_ticked_learners_only_and_bad_input_changes_nothing(client, cohort_world):
    cohort, facilitator, people = cohort_world
    Auth(client).login(facilitator.email)
    url = f"/cohorts/{cohort.id}/learners/message"
    ahead = str(people["ahead"].id)
    empty = client.post(url, data={"recipients": "selected", "user_ids": [ahead], "text": "   "})
    assert empty.status_code == 422
    nobody = client.post(url, data={"recipients": "selected", "text": "Halo"})
    assert nobody.status_code == 422 and "Halo" in nobody.get_data(as_text=True)  # what she typed is kept
    stranger = client.post(url, data={"recipients": "selected", "user_ids": [str(people["stranger"].id)], "text": "x"})
    assert stranger.status_code == 422
    assert db.session.execute(select(Notification).where(Notification.kind == "cohort_message")).first() is None
    ok = client.post(url, data={"recipients": "selected", "user_ids": [ahead], "text": "Terima kasih!"})
    assert ok.status_code == 302
    assert len(messages_to(people["ahead"])) == 1 and messages_to(people["late"]) == []


def test_other_facilitators_and_learners_get_not_found(client, cohort_world):
    cohort, _facilitator, people = cohort_world
    for outsider in (people["other_facilitator"], people["ahead"]):
        auth = Auth(client)
        auth.login(outsider.email)
        assert client.get(f"/cohorts/{cohort.id}/learners/message").status_code == 404
        assert client.post(f"/cohorts/{cohort.id}/learners/message", data={"text": "x"}).status_code == 404
        auth.logout()
    assert db.session.execute(select(Notification).where(Notification.kind == "cohort_message")).first() is None


def test_api_messages_learners_as_described(client, cohort_world):
    cohort, facilitator, people = cohort_world
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["paths"][MESSAGES.format("{cohort_id}")]["post"]["operationId"] == "messageCohortLearners"
    headers = {"Authorization": f"Bearer {api_token(client, facilitator.email)}"}
    url, template = MESSAGES.format(cohort.id), MESSAGES.format("{cohort_id}")
    behind = client.post(url, json={"behind": True, "text": "Sesi besok jam 8."}, headers=headers)
    assert behind.status_code == 201, behind.get_json()
    check_response(spec, "POST", template, behind)
    assert behind.get_json() == {"sent": 2, "user_ids": sorted([people["late"].id, people["later"].id])}
    chosen = client.post(url, json={"user_ids": [people["ahead"].id], "text": "Bagus!"}, headers=headers)
    assert chosen.status_code == 201 and chosen.get_json()["sent"] == 1
    refused = client.post(url, json={"user_ids": [people["stranger"].id], "text": "x"}, headers=headers)
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "invalid_input"
    check_response(spec, "POST", template, refused)
    empty = client.post(url, json={"user_ids": [people["ahead"].id], "text": ""}, headers=headers)
    assert empty.status_code == 422
    check_response(spec, "POST", template, empty)
    other = {"Authorization": f"Bearer {api_token(client, people['other_facilitator'].email)}"}
    missing = client.post(url, json={"behind": True, "text": "x"}, headers=other)
    assert missing.status_code == 404
    check_response(spec, "POST", template, missing)
    assert client.post(url, json={"behind": True, "text": "x"}).status_code == 401
    assert len(messages_to(people["stranger"])) == 0 and len(messages_to(people["ahead"])) == 1


@pytest.mark.parametrize(
    ("locale", "too_long", "empty"),
    [
        ("id", "Pesan paling banyak 2000 karakter.", "Tulis pesan yang akan diterima peserta."),
        ("en", "A message can have at most 2000 characters.", "Write the message the learners are to receive."),
    ],
)
def test_both_ways_of_writing_refuse_an_empty_or_over_long_message_in_the_same_words(
    client, cohort_world, locale, too_long, empty
):
    """The message to the whole cohort and the one to some learners are checked by one rule: the same words on both
    pages and in the API, in the writer's language, and nothing is written."""
    cohort, facilitator, people = cohort_world
    facilitator.locale = locale
    db.session.commit()
    Auth(client).login(facilitator.email)
    for text, words in (("x" * 2001, too_long), ("   ", empty)):
        whole = client.post(f"/cohorts/{cohort.id}/message", data={"body": text})
        some = client.post(f"/cohorts/{cohort.id}/learners/message", data={"recipients": "behind", "text": text})
        for page in (whole, some):
            assert page.status_code == 422 and words in page.get_data(as_text=True), page.get_data(as_text=True)
    token = api_token(client, facilitator.email)
    for text, words in (("x" * 2001, too_long), ("", empty), ("   ", empty)):
        answer = client.post(
            MESSAGES.format(cohort.id),
            json={"text": text, "behind": True},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 422 and answer.get_json()["error"]["message"] == words, answer.get_json()
    assert not messages_to(people["late"]) and not messages_to(people["later"])
