"""Unit tests for the storage interface (local backend) and the upload validation rules."""

from __future__ import annotations

import io
import zipfile

import pytest
from flask import Flask

from lms.core.errors import InvalidInput
from lms.core.storage import (
    STORAGE_BACKENDS,
    InvalidStorageKey,
    LocalStorage,
    StoredFileMissing,
    check_key,
    get_storage,
)
from lms.core.uploads import ATTACHMENT_TYPES, IMAGE_TYPES, detect_type, display_name, format_size, validate_upload

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20


def office_file(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0"?><Types><Override PartName="/x.xml" ContentType="{main_part}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


DOCX = office_file("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = office_file("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")


# --- storage -------------------------------------------------------------------------------------------------------


def test_save_read_exists_delete(tmp_path):
    storage = LocalStorage(tmp_path)
    key = storage.save(PDF, folder="attachments", suffix="pdf")
    folder, name = check_key(key)
    assert folder == "attachments" and name.endswith(".pdf") and len(name) == 36
    assert storage.exists(key)
    assert storage.read(key) == PDF
    assert (tmp_path / key).read_bytes() == PDF
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(StoredFileMissing):
        storage.read(key)
    storage.delete(key)  # deleting twice is harmless


def test_keys_are_random_and_leave_no_temporary_files(tmp_path):
    storage = LocalStorage(tmp_path)
    keys = {storage.save(b"x", folder="certificates/2026", suffix=".pdf") for _ in range(20)}
    assert len(keys) == 20
    assert sorted(p.name for p in (tmp_path / "certificates" / "2026").iterdir()) == sorted(
        k.rsplit("/", 1)[1] for k in keys
    )


@pytest.mark.parametrize(
    "key",
    [
        "../secret.pdf",
        "attachments/../../etc/passwd",
        "/etc/passwd",
        "attachments/../0123456789abcdef0123456789abcdef.pdf",
        "attachments/report.pdf",
        "attachments/0123456789abcdef0123456789abcdef.pdf/..",
        "Attachments/0123456789abcdef0123456789abcdef.pdf",
        "attachments\\0123456789abcdef0123456789abcdef.pdf",
        "0123456789abcdef0123456789abcdef.pdf",
        "",
    ],
)
def test_keys_that_storage_did_not_hand_out_are_refused(tmp_path, key):
    storage = LocalStorage(tmp_path / "root")
    (tmp_path / "secret.pdf").write_bytes(b"secret")
    for action in (storage.read, storage.exists, storage.delete):
        with pytest.raises(InvalidStorageKey):
            action(key)
    assert (tmp_path / "secret.pdf").exists()


@pytest.mark.parametrize("folder, suffix", [("../x", ".pdf"), ("a/../b", ".pdf"), ("", ".pdf"), ("ok", "../x")])
def test_save_refuses_bad_folders_and_suffixes(tmp_path, folder, suffix):
    with pytest.raises(InvalidStorageKey):
        LocalStorage(tmp_path).save(b"x", folder=folder, suffix=suffix)
    assert list(tmp_path.iterdir()) == []


def test_get_storage_follows_configuration(tmp_path):
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    storage = get_storage(app)
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "instance" / "uploads").resolve()
    assert get_storage(app) is storage

    class MemoryStorage:
        @classmethod
        def from_app(cls, app):
            return cls()

    other = Flask(__name__, instance_path=str(tmp_path / "other"))
    other.config["STORAGE"] = "memory"
    STORAGE_BACKENDS["memory"] = MemoryStorage
    try:
        assert isinstance(get_storage(other), MemoryStorage)
    finally:
        del STORAGE_BACKENDS["memory"]

    unknown = Flask(__name__, instance_path=str(tmp_path / "unknown"))
    unknown.config["STORAGE"] = "nowhere"
    with pytest.raises(RuntimeError, match="^LMS_STORAGE: unknown storage 'nowhere'"):
        get_storage(unknown)


def test_uploads_dir_setting(tmp_path):
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config["UPLOADS_DIR"] = str(tmp_path / "elsewhere")
    key = get_storage(app).save(b"data", folder="attachments", suffix="")
    assert (tmp_path / "elsewhere" / key).read_bytes() == b"data"


# --- validation ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [(PDF, "pdf"), (PNG, "png"), (JPEG, "jpeg"), (WEBP, "webp"), (DOCX, "docx"), (XLSX, "xlsx")],
)
def test_detects_real_type_by_content(data, expected):
    found = validate_upload(data, allowed=ATTACHMENT_TYPES, max_bytes=1024 * 1024)
    assert found.name == expected


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        b"MZ\x90\x00 executable",
        b"%PDX-not really",
        office_file("application/x-something-else"),
        b"PK\x03\x04 but not a zip at all",
        b"GIF89a\x01\x00",
    ],
)
def test_refuses_other_content(data):
    with pytest.raises(InvalidInput) as refused:
        validate_upload(data, allowed=ATTACHMENT_TYPES, max_bytes=1024 * 1024)
    assert refused.value.status_code == 422
    assert "PDF" in str(refused.value)


def test_only_allowed_types_pass():
    assert detect_type(PDF, IMAGE_TYPES) is None
    with pytest.raises(InvalidInput):
        validate_upload(PDF, allowed=IMAGE_TYPES, max_bytes=1024)


def test_size_limit_and_empty_file():
    assert validate_upload(PDF, allowed=["pdf"], max_bytes=len(PDF)).name == "pdf"
    with pytest.raises(InvalidInput, match="1 KB"):
        validate_upload(PDF + b"x" * 1024, allowed=["pdf"], max_bytes=1024)
    with pytest.raises(InvalidInput):
        validate_upload(b"", allowed=["pdf"], max_bytes=1024)


def test_format_size():
    assert [format_size(n) for n in (0, 1023, 1024, 10 * 1024 * 1024, 1536 * 1024)] == [
        "0 B",
        "1023 B",
        "1 KB",
        "10.0 MB",
        "1.5 MB",
    ]


@pytest.mark.parametrize(
    "given, kind, expected",
    [
        ("Panduan PPI.pdf", "pdf", "Panduan PPI.pdf"),
        ("C:\\Users\\ani\\Panduan.PDF", "pdf", "Panduan.pdf"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("foto.JPEG", "jpeg", "foto.jpg"),
        ("laporan.exe", "pdf", "laporan.exe.pdf"),
        ('a"b\r\nc.pdf', "pdf", "a_b_c.pdf"),
        ("", "png", "file.png"),
        ("....", "png", "file.png"),
        (None, "pdf", "file.pdf"),
        ("x" * 300 + ".pdf", "pdf", "x" * 116 + ".pdf"),
    ],
)
def test_display_name(given, kind, expected):
    from lms.core.uploads import FILE_TYPES

    assert display_name(given, FILE_TYPES[kind]) == expected
