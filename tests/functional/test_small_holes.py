"""Small holes closed, each with the test that would have caught it: ids past 64 bits, images with too many pixels,
oversized question files, refused check-ins written into another organization's session log, symlinked course
files."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.attendance.models import RefusedCheckin
from lms.core.errors import InvalidInput
from lms.core.uploads import IMAGE_TYPES, validate_upload
from lms.extensions import db
from lms.quizzes.models import Question
from tests.conftest import api_token
from tests.factories import make_user
from tests.factories.attendance import make_session, make_training
from tests.factories.quizzes import make_course

HUGE_ID = 2**64 + 5


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes that claims width × height pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b"")
    )


# --- ids above 2^63 ---------------------------------------------------------------------------------------------


def test_ids_past_64_bits_are_not_found_on_pages_and_api(client, auth, app_ctx):
    make_user("root@example.test", is_platform_admin=True)
    auth.login("root@example.test")
    for path in (f"/organizations/{HUGE_ID}", f"/attendance/sessions/{HUGE_ID}", f"/organizations/{2**63}",
                 f"/organizations/{2**31}"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    assert client.get(f"/organizations/{2**31 - 1}").status_code == 404  # the largest id still reaches the view
    token = api_token(client, "root@example.test")
    response = client.get(f"/api/v1/organizations/{HUGE_ID}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_the_openapi_document_states_the_largest_id(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameter = spec["paths"]["/api/v1/organizations/{organization_id}"]["parameters"][0]
    assert parameter["schema"]["maximum"] == 2**31 - 1


# --- pixels of stored images -------------------------------------------------------------------------------------


def test_every_stored_image_has_a_pixel_limit():
    bomb = _png_header_only(30_000, 30_000)
    assert len(bomb) < 1000
    with pytest.raises(InvalidInput, match="pixels"):
        validate_upload(bomb, allowed=IMAGE_TYPES, max_bytes=1024 * 1024)
    with pytest.raises(InvalidInput, match="pixels"):
        validate_upload(_png_header_only(6000, 5000), allowed=IMAGE_TYPES, max_bytes=1024 * 1024)
    with pytest.raises(InvalidInput, match="could not be read"):
        validate_upload(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, allowed=IMAGE_TYPES, max_bytes=1024 * 1024)
    assert validate_upload(_png_header_only(4000, 3000), allowed=IMAGE_TYPES, max_bytes=1024 * 1024).name == "png"


def test_a_question_image_with_30000_by_30000_pixels_is_refused(client, auth, app_ctx):
    organization, admin, _version = make_course()
    auth.login(admin.email)
    data = {
        "text": "Lihat gambar.",
        "correct": "true",
        "image": (io.BytesIO(_png_header_only(30_000, 30_000)), "x.png"),
    }
    url = f"/organizations/{organization.id}/courses/PPI-DASAR/questions/new/true_false"
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "pixels" in response.get_data(as_text=True) or "piksel" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Question.id))).scalar_one() == 0


# --- question files ------------------------------------------------------------------------------------------------


def test_question_files_over_the_size_or_count_limit_are_refused_with_a_message(app, app_ctx):
    from lms.quizzes import services

    _organization, _admin, version = make_course()
    course = version.course
    question = "::Q%d:: Cuci tangan %d kali? {=benar ~salah}\n\n"
    big = "".join(question % (n, n) for n in range(60_000))
    assert len(big.encode()) > app.config["QUESTION_FILE_MAX_BYTES"]
    with app.test_request_context(), force_locale("en"):
        outcome = services.import_question_file(None, course, big, "gift")
        assert outcome.questions == [] and "larger than 1.0 MB: split it" in str(outcome.errors[0])
        many = "".join(question % (n, n) for n in range(app.config["QUESTION_FILE_MAX_QUESTIONS"] + 1))
        outcome = services.import_question_file(None, course, many, "gift")
        assert outcome.questions == [] and "1001 questions; at most 1000" in str(outcome.errors[0])
    assert db.session.execute(select(func.count(Question.id))).scalar_one() == 0


# --- check-ins into another organization's session ---------------------------------------------------------------


def test_an_outsider_posting_check_ins_leaves_nothing_in_the_session_log(client, auth, app_ctx):
    training = make_training()
    session = make_session(training.cohort, mode="daring")
    make_user("outsider@example.test")
    auth.login("outsider@example.test")
    for _ in range(5):
        response = client.post(f"/attendance/checkin/{session.id}", data={"code": "ZZZZZZ"})
        assert response.status_code in (403, 404)
        response = client.get(f"/attendance/checkin/{session.id}?c=forged")
        assert response.status_code == 404
    token = api_token(client, "outsider@example.test")
    response = client.post(
        f"/api/v1/sessions/{session.id}/checkin", json={"code": "ZZZZZZ"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404
    assert db.session.execute(select(func.count(RefusedCheckin.id))).scalar_one() == 0


def test_a_participant_s_refused_tries_are_kept_up_to_a_limit(client, auth, app_ctx):
    training = make_training()
    session = make_session(training.cohort, mode="daring")
    auth.login(training.learners[0].email)
    for _ in range(30):
        assert client.post(f"/attendance/checkin/{session.id}", data={"code": "ZZZZZZ"}).status_code == 422
    assert db.session.execute(select(func.count(RefusedCheckin.id))).scalar_one() == 20


# --- course files ---------------------------------------------------------------------------------------------------


def test_a_symlinked_subject_file_pointing_outside_the_course_folder_is_refused(tmp_path):
    from lms.courses.files import CourseFilesInvalid, read_course
    from tests.unit.test_course_files import make_course as make_course_folder

    folder = make_course_folder(tmp_path)
    secret = tmp_path / "secret.md"
    secret.write_text((folder / "01-dasar.md").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "01-dasar.md").unlink()
    (folder / "01-dasar.md").symlink_to(secret)
    with pytest.raises(CourseFilesInvalid) as caught:
        read_course(folder)
    assert "outside the course folder" in str(caught.value.errors[0])
    # A link inside the folder is fine.
    (folder / "01-dasar.md").unlink()
    (folder / "asli.md").write_text(secret.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "01-dasar.md").symlink_to(folder / "asli.md")
    assert read_course(folder).subjects
