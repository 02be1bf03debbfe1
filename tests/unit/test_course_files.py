"""Course files: the shipped courses read and round-trip; broken files give the right file, line and message."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, fields
from decimal import Decimal
from pathlib import Path

import pytest

from lms.courses.curriculum import (
    CERTIFICATE_RULE_FIELDS,
    CompetencySpec,
    CourseKind,
    CourseSpec,
    LessonSpec,
    Ranah,
    SubjectDetails,
    SubjectSpec,
    SubjectType,
    skp_for,
)
from lms.courses.files import (
    CourseFileError,
    CourseFilesInvalid,
    read_course,
    validate_courses,
    write_course,
)

COURSES_DIR = Path(__file__).resolve().parents[2] / "courses"
SHIPPED = sorted(path.parent for path in COURSES_DIR.glob("*/course.yaml"))

# A minimal valid course; the line numbers in the tests below refer to these texts.
COURSE_YAML = """\
code: DEMO-1
title: "Kursus Contoh"
summary: >-
  Ringkasan singkat kursus contoh.
kind: pelatihan
organization: ppni
target_professions: [perawat, bidan]
skp:
  ranah: pembelajaran
  value: null
accreditation_number: null
pass_mark: 70
attendance_threshold: 95
validity_months: 36
competencies:
  - code: DEMO-A
    name: "Kompetensi A"
  - code: DEMO-B
    name: "Kompetensi B"
subjects:
  - 01-dasar.md
questions:
  pre_test: pre-test.gift
  post_test: post-test.gift
"""

SUBJECT_MD = """\
---
title: Dasar
type: dasar
jpl: {t: 2, p: 1, pl: 1}
objectives:
  - Menjelaskan dasar
---
# Pelajaran Satu
<!-- minutes: 20 -->

Paragraf pertama.

# Pelajaran Dua
<!-- minutes: 15 -->

Paragraf kedua.
"""


def make_course(root: Path, name: str = "demo") -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
    (folder / "01-dasar.md").write_text(SUBJECT_MD, encoding="utf-8")
    for name in ("pre-test.gift", "post-test.gift"):
        (folder / name).write_text("::Q1::Cuci tangan mencegah infeksi. {T}\n", encoding="utf-8")
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def errors_of(folder: Path) -> list[CourseFileError]:
    with pytest.raises(CourseFilesInvalid) as caught:
        read_course(folder)
    assert caught.value.errors, "CourseFilesInvalid must carry its errors"
    return caught.value.errors


def where(errors: list[CourseFileError]) -> list[tuple[str, int | None]]:
    return [(error.path.name, error.line) for error in errors]


def assert_single(errors: list[CourseFileError], file_name: str, line: int | None, phrase: str) -> None:
    assert len(errors) == 1, [str(error) for error in errors]
    assert (errors[0].path.name, errors[0].line) == (file_name, line)
    assert phrase in errors[0].message


# The shipped courses


def test_shipped_courses_are_found():
    assert [folder.name for folder in SHIPPED] == ["bhd-nakes", "k3-fasyankes", "limbah-medis", "ppi-dasar"]


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda folder: folder.name)
def test_shipped_course_round_trips_byte_for_byte(folder, tmp_path):
    spec = read_course(folder)
    written = write_course(spec, tmp_path / folder.name)

    shipped = sorted(p.name for p in folder.iterdir() if p.suffix in {".md", ".yaml"})
    assert sorted(path.name for path in written) == shipped
    for path in written:
        assert path.read_bytes() == (folder / path.name).read_bytes(), f"{folder.name}/{path.name} is not canonical"
    assert read_course(tmp_path / folder.name, question_files=False) == spec  # question files: the quizzes write them


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda folder: folder.name)
def test_shipped_course_follows_the_conventions(folder):
    spec = read_course(folder)
    assert spec.questions == (("pre_test", "pre-test.gift"), ("post_test", "post-test.gift"))
    for subject in spec.subjects:
        assert subject.objectives, subject.slug
        assert sum(lesson.minutes for lesson in subject.lessons) <= subject.minutes, subject.slug
        for lesson in subject.lessons:
            assert len(lesson.body.split()) >= 300, f"{subject.slug}: {lesson.title}"


def test_shipped_jpl_totals_match_the_readme():
    totals = {spec.code: (spec.total_jpl, spec.core_jpl) for spec in map(read_course, SHIPPED)}
    assert totals == {"PPI-DASAR": (21, 17), "BHD-NAKES": (19, 15), "LIMBAH-MEDIS": (17, 14), "K3-FASYANKES": (20, 16)}


def test_shipped_courses_validate_together():
    assert validate_courses(SHIPPED) == []


# Reading a valid course


def test_minimal_course_reads_into_specs(tmp_path):
    spec = read_course(make_course(tmp_path))

    assert spec.code == "DEMO-1"
    assert spec.summary == "Ringkasan singkat kursus contoh."
    assert spec.kind is CourseKind.PELATIHAN
    assert spec.target_professions == ("perawat", "bidan")
    assert (spec.skp_ranah, spec.skp_value, spec.accreditation_number) == (Ranah.PEMBELAJARAN, None, None)
    assert spec.competencies == (CompetencySpec("DEMO-A", "Kompetensi A"), CompetencySpec("DEMO-B", "Kompetensi B"))
    assert spec.sequential is False
    assert spec.questions == (("pre_test", "pre-test.gift"), ("post_test", "post-test.gift"))
    (subject,) = spec.subjects
    assert (subject.slug, subject.type, subject.jpl_t, subject.jpl_p, subject.jpl_pl) == ("01-dasar", "dasar", 2, 1, 1)
    assert subject.lessons == (
        LessonSpec("Pelajaran Satu", 20, "Paragraf pertama."),
        LessonSpec("Pelajaran Dua", 15, "Paragraf kedua."),
    )


def test_optional_fields_take_their_defaults(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "accreditation_number: null\npass_mark: 70\nattendance_threshold: 95\n", "")
    edit(folder / "course.yaml", "questions:\n  pre_test: pre-test.gift\n  post_test: post-test.gift\n", "")
    spec = read_course(folder)
    assert (spec.accreditation_number, spec.pass_mark, spec.attendance_threshold) == (None, 70, 95)
    assert spec.questions == ()


def test_sequential_skp_value_and_video_are_read(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "validity_months: 36\n", "validity_months: 36\nsequential: true\n")
    edit(folder / "course.yaml", "  value: null", "  value: 1.5")
    edit(
        folder / "01-dasar.md", "<!-- minutes: 15 -->", "<!-- minutes: 15; video: https://video.example.id/bhd?t=3 -->"
    )
    spec = read_course(folder)
    assert spec.sequential is True
    assert spec.skp_value == Decimal("1.5")
    assert spec.subjects[0].lessons[1].video_url == "https://video.example.id/bhd?t=3"
    assert spec.subjects[0].lessons[0].video_url is None


def test_lesson_body_keeps_inner_blank_lines_and_drops_outer_ones(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "01-dasar.md", "Paragraf pertama.\n", "\n\nParagraf pertama.\n\n## Langkah\n\n1. Satu\n\n\n\n")
    body = read_course(folder).subjects[0].lessons[0].body
    assert body == "Paragraf pertama.\n\n## Langkah\n\n1. Satu"


# Broken course.yaml


def test_yaml_syntax_error_gives_its_line(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "organization: ppni", "organization: ppni: ibi")
    errors = errors_of(folder)
    assert_single(errors, "course.yaml", 6, "YAML syntax error")
    assert str(errors[0]) == f"{folder / 'course.yaml'}:6: {errors[0].message}"


def test_missing_field(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "kind: pelatihan\n", "")
    assert_single(errors_of(folder), "course.yaml", 1, "missing required field 'kind'")


def test_unknown_field_is_reported_with_a_suggestion(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "validity_months: 36", "validity_month: 36")
    errors = errors_of(folder)
    assert where(errors) == [("course.yaml", 1), ("course.yaml", 14)]
    assert "missing required field 'validity_months'" in errors[0].message
    assert "unknown field 'validity_month'" in errors[1].message
    assert "did you mean 'validity_months'?" in errors[1].message


def test_duplicate_key(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "pass_mark: 70\n", "pass_mark: 70\npass_mark: 80\n")
    assert_single(errors_of(folder), "course.yaml", 13, "duplicate field 'pass_mark' in course.yaml (also on line 12)")


def test_bad_kind(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "kind: pelatihan", "kind: kursus")
    assert_single(errors_of(folder), "course.yaml", 5, "kind must be one of pelatihan, seminar, webinar, workshop")


@pytest.mark.parametrize(
    ("old", "new", "line", "phrase"),
    [
        ("code: DEMO-1", "code: demo-1", 1, "code must be upper-case letters, digits and hyphens"),
        ('title: "Kursus Contoh"', 'title: ""', 2, "title must be non-empty text"),
        ("organization: ppni", "organization: PPNI Pusat", 6, "organization must be a lower-case slug"),
        ("target_professions: [perawat, bidan]", "target_professions: []", 7, "target_professions must not be empty"),
        ("  ranah: pembelajaran", "  ranah: pendidikan", 9, "skp.ranah must be one of pembelajaran"),
        ("  value: null", "  value: -1", 10, "skp.value must be null or a number of at least 0, got -1"),
        ("  value: null", "  value: banyak", 10, "skp.value must be null or a number of at least 0, got 'banyak'"),
        ("pass_mark: 70", "pass_mark: 101", 12, "pass_mark must be a whole number from 0 to 100, got 101"),
        ("attendance_threshold: 95", "attendance_threshold: 9.5", 13, "must be a whole number, got 9.5"),
        ("validity_months: 36", "validity_months: 0", 14, "validity_months must be a whole number of at least 1"),
        ("validity_months: 36", "validity_months: 36\nsequential: kadang", 15, "sequential must be true or false"),
        ('  - code: DEMO-A\n    name: "Kompetensi A"\n', "  - code: DEMO-A\n", 16, "missing required field 'name'"),
        ('    name: "Kompetensi B"', '    name: "Kompetensi B"\n    level: 2', 20, "unknown field 'level'"),
        ("  - 01-dasar.md", "  - ../01-dasar.md", 21, "file names ending in .md"),
        ("  - 01-dasar.md", "  - 01-dasar.md\n  - 01-dasar.md", 22, "duplicate subject file '01-dasar.md'"),
        ("  post_test: post-test.gift", "  post_test: [post-test.gift]", 24, "questions.post_test must be a file name"),
    ],
)
def test_wrong_course_values(tmp_path, old, new, line, phrase):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", old, new)
    assert_single(errors_of(folder), "course.yaml", line, phrase)


def test_unknown_profession(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "[perawat, bidan]", "[perawat,\n  dukun-beranak]")
    assert_single(errors_of(folder), "course.yaml", 8, "unknown profession 'dukun-beranak'")


def test_empty_competencies_and_subjects(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "competencies:\n", "competencies: []\nold_competencies:\n")
    edit(folder / "course.yaml", "subjects:\n  - 01-dasar.md\n", "subjects: []\n")
    errors = errors_of(folder)
    assert where(errors) == [("course.yaml", 15), ("course.yaml", 16), ("course.yaml", 21)]
    assert "competencies must not be empty" in errors[0].message
    assert "unknown field 'old_competencies'" in errors[1].message
    assert "subjects must not be empty" in errors[2].message


def test_duplicate_competency_code(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "  - code: DEMO-B", "  - code: DEMO-A")
    assert_single(errors_of(folder), "course.yaml", 18, "duplicate competency code 'DEMO-A' (also on line 16)")


def test_missing_subject_file(tmp_path):
    folder = make_course(tmp_path)
    (folder / "01-dasar.md").unlink()
    assert_single(errors_of(folder), "course.yaml", 21, "subject file '01-dasar.md' does not exist")


def test_empty_folder_names_the_missing_file(tmp_path):
    folder = tmp_path / "kosong"
    folder.mkdir()
    errors = errors_of(folder)
    assert_single(errors, "course.yaml", None, "file not found")
    assert errors[0].path == folder / "course.yaml"
    assert str(errors[0]).startswith(f"{folder / 'course.yaml'}: ")


def test_missing_folder(tmp_path):
    errors = errors_of(tmp_path / "tidak-ada")
    assert errors == [CourseFileError(tmp_path / "tidak-ada", None, "not a course folder: no such directory")]


def test_empty_course_yaml(tmp_path):
    folder = make_course(tmp_path)
    (folder / "course.yaml").write_text("# nothing yet\n", encoding="utf-8")
    assert_single(errors_of(folder), "course.yaml", 1, "course.yaml is empty")


def test_all_errors_are_collected(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "kind: pelatihan", "kind: kursus")
    edit(folder / "course.yaml", "pass_mark: 70", "pass_mark: tujuh puluh")
    edit(folder / "01-dasar.md", "jpl: {t: 2, p: 1, pl: 1}", "jpl: {t: dua, p: 1, pl: -1}")
    edit(folder / "01-dasar.md", "<!-- minutes: 15 -->\n", "")
    errors = errors_of(folder)
    assert where(errors) == [
        ("course.yaml", 5),
        ("course.yaml", 12),
        ("01-dasar.md", 4),
        ("01-dasar.md", 4),
        ("01-dasar.md", 13),
    ]
    assert "jpl.t must be a whole number, got 'dua'" in errors[2].message
    assert "jpl.pl must be a whole number of at least 0, got -1" in errors[3].message


# Broken subject files


@pytest.mark.parametrize(
    ("jpl", "phrase"),
    [
        ("{t: dua, p: 1, pl: 1}", "jpl.t must be a whole number, got 'dua'"),
        ("{t: 2, p: 1.5, pl: 1}", "jpl.p must be a whole number, got 1.5"),
        ("{t: 2, p: 1}", "missing required field 'pl' in jpl"),
        ("{t: 2, p: 1, pl: 1, x: 0}", "unknown field 'x' in jpl"),
        ("3", "jpl must be a mapping of fields, got 3"),
    ],
)
def test_bad_jpl(tmp_path, jpl, phrase):
    folder = make_course(tmp_path)
    edit(folder / "01-dasar.md", "jpl: {t: 2, p: 1, pl: 1}", f"jpl: {jpl}")
    assert_single(errors_of(folder), "01-dasar.md", 4, phrase)


@pytest.mark.parametrize(
    ("old", "new", "line", "phrase"),
    [
        ("title: Dasar", "title: Dasar: Kebijakan", 2, "YAML syntax error"),
        ("title: Dasar", "title:", 2, "title must be non-empty text, got null"),
        ("type: dasar", "type: utama", 3, "type must be one of dasar, inti, penunjang, got 'utama'"),
        ("objectives:\n  - Menjelaskan dasar", "objectives: []", 5, "objectives must not be empty"),
        ("objectives:\n  - Menjelaskan dasar", "objectives: Menjelaskan dasar", 5, "objectives must be a list"),
        ("  - Menjelaskan dasar", "  - Menjelaskan dasar\n  - 12", 7, "each objective must be non-empty text, got 12"),
        ("type: dasar\n", "", 2, "missing required field 'type' in the front matter"),
    ],
)
def test_bad_front_matter(tmp_path, old, new, line, phrase):
    folder = make_course(tmp_path)
    edit(folder / "01-dasar.md", old, new)
    assert_single(errors_of(folder), "01-dasar.md", line, phrase)


def test_front_matter_missing(tmp_path):
    folder = make_course(tmp_path)
    (folder / "01-dasar.md").write_text(SUBJECT_MD.removeprefix("---\n"), encoding="utf-8")
    assert_single(errors_of(folder), "01-dasar.md", 1, "front matter missing")


def test_front_matter_not_closed(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "01-dasar.md", "  - Menjelaskan dasar\n---\n", "  - Menjelaskan dasar\n")
    assert_single(errors_of(folder), "01-dasar.md", 1, "front matter not closed")


def test_lesson_without_minutes_comment(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "01-dasar.md", "<!-- minutes: 15 -->\n", "")
    assert_single(errors_of(folder), "01-dasar.md", 13, "must be followed by a '<!-- minutes: N -->' line")


@pytest.mark.parametrize(
    ("comment", "phrase"),
    [
        ("<!-- minutes: 0 -->", "minutes must be a positive whole number, got '0'"),
        ("<!-- minutes: lima belas -->", "minutes must be a positive whole number, got 'lima belas'"),
        ("<!-- minutes: 15; video: http://video.example.id/a -->", "video must be an https:// URL"),
        ("<!-- minutes: 15; video: javascript:alert(1) -->", "video must be an https:// URL"),
        ("<!-- durasi: 15 -->", "malformed minutes comment"),
    ],
)
def test_bad_minutes_comment(tmp_path, comment, phrase):
    folder = make_course(tmp_path)
    edit(folder / "01-dasar.md", "<!-- minutes: 15 -->", comment)
    assert_single(errors_of(folder), "01-dasar.md", 14, phrase)


def test_text_before_the_first_lesson(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "01-dasar.md", "---\n# Pelajaran Satu", "---\n\nPengantar.\n# Pelajaran Satu")
    assert_single(errors_of(folder), "01-dasar.md", 9, "text before the first lesson")


def test_subject_without_lessons(tmp_path):
    folder = make_course(tmp_path)
    (folder / "01-dasar.md").write_text(SUBJECT_MD.split("# ")[0], encoding="utf-8")
    assert_single(errors_of(folder), "01-dasar.md", None, "the subject has no lessons")


def test_empty_and_duplicate_lesson_titles(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "01-dasar.md", "# Pelajaran Dua", "# Pelajaran Satu")
    edit(folder / "01-dasar.md", "Paragraf kedua.\n", "Paragraf kedua.\n\n#\n<!-- minutes: 5 -->\n")
    errors = errors_of(folder)
    assert where(errors) == [("01-dasar.md", 13), ("01-dasar.md", 18)]
    assert "duplicate lesson title 'Pelajaran Satu' (also on line 8)" in errors[0].message
    assert "lesson title is empty" in errors[1].message


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("Paragraf kedua.", "Paragraf kedua.\n\n<script>alert(1)</script>", 18),
        ("Paragraf pertama.", "Lihat gambar: <img src=x onerror=alert(1)>", 11),
        ("Paragraf pertama.", "Klik [di sini](javascript:alert(1)) untuk lanjut.", 11),
        ("Paragraf pertama.", "Baris biasa.\n<iframe src=https://example.com></iframe>", 12),
        ("Paragraf pertama.", "Teks <b>tebal</b> mentah.", 11),
        ("Paragraf pertama.", "Ini <!-- komentar --> tersembunyi.", 11),
        ("Paragraf kedua.", "Paragraf kedua.\n<!-- minutes: 15 -->", 17),
        ("# Pelajaran Dua", "# Pelajaran <em>Dua</em>", 13),
    ],
)
def test_raw_html_in_a_lesson_is_refused(tmp_path, old, new, line):
    folder = make_course(tmp_path)
    edit(folder / "01-dasar.md", old, new)
    assert_single(errors_of(folder), "01-dasar.md", line, "raw HTML is not allowed in lessons")


def test_comparisons_and_arrows_are_not_html(tmp_path):
    folder = make_course(tmp_path)
    edit(folder / "01-dasar.md", "Paragraf pertama.", "Suhu < 38 °C, nilai <5 atau <= 7; A -> B; skor >90.")
    assert read_course(folder).subjects[0].lessons[0].body.startswith("Suhu < 38")


# Several folders


def test_duplicate_course_code_across_folders(tmp_path):
    first, second = make_course(tmp_path, "kursus-a"), make_course(tmp_path, "kursus-b")
    read_course(first), read_course(second)  # each is valid on its own

    errors = validate_courses([first, second])

    assert errors == [
        CourseFileError(second / "course.yaml", 1, f"duplicate course code 'DEMO-1' (also in {first / 'course.yaml'})")
    ]


def test_validate_collects_errors_of_every_folder(tmp_path):
    first, second = make_course(tmp_path, "kursus-a"), make_course(tmp_path, "kursus-b")
    edit(first / "course.yaml", "code: DEMO-1", "code: DEMO-2")
    edit(first / "course.yaml", "kind: pelatihan", "kind: kursus")
    edit(second / "01-dasar.md", "type: dasar", "type: utama")
    errors = validate_courses([first, second])
    assert [(error.path.parent.name, error.path.name, error.line) for error in errors] == [
        ("kursus-a", "course.yaml", 5),
        ("kursus-b", "01-dasar.md", 3),
    ]


# Writing


def _spec(**changes) -> CourseSpec:
    lesson = LessonSpec('Apa itu: "RJP"?', 20, "Paragraf *satu*.\n\n## Langkah\n\n1. Tekan\n2. Tiup", None)
    subject = SubjectSpec(
        slug="01-dasar",
        title="yes",
        type=SubjectType.INTI,
        jpl_t=2,
        jpl_p=1,
        jpl_pl=1,
        objectives=("Menjelaskan: dasar", "- bukan daftar", "null", "# bukan komentar"),
        lessons=(lesson, LessonSpec("Video", 10, "Tonton videonya.", "https://video.example.id/x?a=1&b=2")),
    )
    values = {
        "code": "123",
        "title": 'Kursus "Contoh" #1',
        "summary": "Kalimat satu.  Kalimat dua dengan spasi ganda di depannya dan cukup panjang untuk dilipat "
        "menjadi beberapa baris oleh penulis berkas kursus.",
        "kind": CourseKind.WORKSHOP,
        "organization": "ppni",
        "target_professions": ("perawat", "bidan"),
        "skp_ranah": Ranah.PELAYANAN,
        "skp_value": Decimal("2.50"),
        "accreditation_number": "No: 123/2025",
        "pass_mark": 75,
        "attendance_threshold": 80,
        "validity_months": 12,
        "competencies": (CompetencySpec("DEMO-A", "Nama: dengan titik dua"),),
        "subjects": (subject,),
        "sequential": True,
        "questions": (("post_test", "post-test.gift"), ("pre_test", "pre-test.gift")),
    }
    values.update(changes)
    return CourseSpec(**values)


@pytest.mark.parametrize(
    "summary",
    [
        "Satu kalimat pendek.",
        "Kalimat satu.  Spasi ganda, lalu kalimat panjang " + "kata " * 40 + "akhir.",
        "Baris satu.\nBaris dua.",
        " Diawali spasi dan diakhiri spasi ",
        'Tab\tdi tengah dan kutip "ganda" serta \\ garis miring',
        "Karakter aneh \x07 \u2028 \ufeff \x85 \xa0 selesai",
    ],
)
def test_written_course_reads_back_equal(tmp_path, summary):
    spec = _spec(summary=summary)
    written = write_course(spec, tmp_path / "keluar")
    assert [path.name for path in written] == ["course.yaml", "01-dasar.md"]
    assert read_course(tmp_path / "keluar", question_files=False) == spec


def test_writer_format_is_canonical(tmp_path):
    spec = _spec(summary="Ringkasan " * 20 + "akhir.")
    write_course(spec, tmp_path / "a")
    course_yaml = (tmp_path / "a" / "course.yaml").read_text(encoding="utf-8")
    assert course_yaml == (
        'code: "123"\n'
        'title: "Kursus \\"Contoh\\" #1"\n'
        "summary: >-\n"
        "  Ringkasan Ringkasan Ringkasan Ringkasan Ringkasan Ringkasan Ringkasan Ringkasan\n"
        "  Ringkasan Ringkasan Ringkasan Ringkasan Ringkasan Ringkasan Ringkasan Ringkasan\n"
        "  Ringkasan Ringkasan Ringkasan Ringkasan akhir.\n"
        "kind: workshop\n"
        "organization: ppni\n"
        "target_professions: [perawat, bidan]\n"
        "skp:\n"
        "  ranah: pelayanan\n"
        "  value: 2.50\n"
        'accreditation_number: "No: 123/2025"\n'
        "pass_mark: 75\n"
        "attendance_threshold: 80\n"
        "validity_months: 12\n"
        "sequential: true\n"
        "competencies:\n"
        "  - code: DEMO-A\n"
        '    name: "Nama: dengan titik dua"\n'
        "subjects:\n"
        "  - 01-dasar.md\n"
        "questions:\n"
        "  post_test: post-test.gift\n"
        "  pre_test: pre-test.gift\n"
    )
    assert (tmp_path / "a" / "01-dasar.md").read_text(encoding="utf-8") == (
        "---\n"
        'title: "yes"\n'
        "type: inti\n"
        "jpl: {t: 2, p: 1, pl: 1}\n"
        "objectives:\n"
        '  - "Menjelaskan: dasar"\n'
        '  - "- bukan daftar"\n'
        '  - "null"\n'
        '  - "# bukan komentar"\n'
        "---\n"
        '# Apa itu: "RJP"?\n'
        "<!-- minutes: 20 -->\n"
        "\n"
        "Paragraf *satu*.\n"
        "\n"
        "## Langkah\n"
        "\n"
        "1. Tekan\n"
        "2. Tiup\n"
        "\n"
        "# Video\n"
        "<!-- minutes: 10; video: https://video.example.id/x?a=1&b=2 -->\n"
        "\n"
        "Tonton videonya.\n"
    )


def test_writer_leaves_out_defaults_it_can_omit(tmp_path):
    write_course(_spec(sequential=False, questions=(), skp_value=None, accreditation_number=None), tmp_path / "a")
    course_yaml = (tmp_path / "a" / "course.yaml").read_text(encoding="utf-8")
    assert "sequential" not in course_yaml
    assert "questions" not in course_yaml
    assert "  value: null\naccreditation_number: null\n" in course_yaml


def test_certificate_rules_default_and_are_read(tmp_path):
    folder = make_course(tmp_path)
    spec = read_course(folder)
    assert spec.certificate_rules == (True, True, True, False)
    edit(
        folder / "course.yaml",
        "validity_months: 36\n",
        "validity_months: 36\ncertificate:\n  attendance: false\n  approval: true\n",
    )
    spec = read_course(folder)
    assert (spec.require_lessons, spec.require_post_test, spec.require_attendance) == (True, True, False)
    assert spec.certificate_needs_approval is True


@pytest.mark.parametrize(
    ("block", "line", "phrase"),
    [
        ("certificate:\n  approval: yes please\n", 16, "certificate.approval must be true or false"),
        ("certificate:\n  aproval: true\n", 16, "did you mean 'approval'"),
        ("certificate: true\n", 15, "certificate must be a mapping"),
    ],
)
def test_bad_certificate_rules(tmp_path, block, line, phrase):
    folder = make_course(tmp_path)
    edit(folder / "course.yaml", "validity_months: 36\n", "validity_months: 36\n" + block)
    assert_single(errors_of(folder), "course.yaml", line, phrase)


def test_certificate_rules_are_written_only_when_not_all_defaults(tmp_path):
    write_course(_spec(), tmp_path / "a")
    assert "certificate" not in (tmp_path / "a" / "course.yaml").read_text(encoding="utf-8")
    spec = _spec(require_post_test=False, certificate_needs_approval=True)
    write_course(spec, tmp_path / "b")
    assert (
        "sequential: true\ncertificate:\n  lessons: true\n  post_test: false\n  attendance: true\n  approval: true\n"
        "competencies:\n"
    ) in (tmp_path / "b" / "course.yaml").read_text(encoding="utf-8")
    assert read_course(tmp_path / "b", question_files=False) == spec


def test_default_certificate_rules_keep_the_fingerprint_of_older_versions():
    spec = _spec()
    assert spec.fingerprint() != _spec(require_lessons=False).fingerprint()
    # The digest as computed before the rules existed: every field but the four rules.
    content = {k: v for k, v in asdict(spec).items() if k not in CERTIFICATE_RULE_FIELDS}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()
    assert spec.fingerprint() == digest


def test_writing_twice_gives_the_same_bytes(tmp_path):
    spec = read_course(SHIPPED[0])
    first = {path.name: path.read_bytes() for path in write_course(spec, tmp_path / "a")}
    second = {
        path.name: path.read_bytes()
        for path in write_course(read_course(tmp_path / "a", question_files=False), tmp_path / "b")
    }
    assert first == second


def test_writer_refuses_a_body_that_would_split_the_lesson(tmp_path):
    subject = _spec().subjects[0]
    broken = SubjectSpec(**{**subject.__dict__, "lessons": (LessonSpec("Satu", 5, "Teks\n# Judul lain\nTeks"),)})
    with pytest.raises(ValueError, match="line starting with '# '"):
        write_course(_spec(subjects=(broken,)), tmp_path / "a")


# JPL and SKP


@pytest.mark.parametrize(
    ("jpl", "minutes"),
    [((2, 1, 1), 195), ((0, 0, 0), 0), ((1, 0, 0), 45), ((0, 1, 0), 45), ((0, 0, 1), 60), ((11, 7, 3), 990)],
)
def test_subject_minutes_from_jpl(jpl, minutes):
    jpl_t, jpl_p, jpl_pl = jpl
    subject = SubjectSpec(
        slug="s", title="S", type=SubjectType.INTI, jpl_t=jpl_t, jpl_p=jpl_p, jpl_pl=jpl_pl, objectives=(), lessons=()
    )
    assert subject.minutes == minutes
    assert subject.jpl == sum(jpl)


@pytest.mark.parametrize(
    ("core_jpl", "explicit", "rate", "skp"),
    [
        (17, None, Decimal("0.5"), Decimal("8.50")),
        (15, None, Decimal("0.02"), Decimal("0.30")),
        (1, None, Decimal("0.125"), Decimal("0.13")),
        (17, Decimal("3"), Decimal("0.5"), Decimal("3.00")),
        (17, Decimal("0"), Decimal("0.5"), Decimal("0.00")),
    ],
)
def test_skp_for(core_jpl, explicit, rate, skp):
    assert skp_for(core_jpl, explicit, rate) == skp
    assert str(skp_for(core_jpl, explicit, rate)) == str(skp)


def test_skp_of_a_shipped_course():
    spec = read_course(COURSES_DIR / "ppi-dasar")
    assert spec.skp_value is None
    assert skp_for(spec.core_jpl, spec.skp_value, Decimal("0.5")) == Decimal("8.50")


def test_writer_refuses_a_slug_that_leaves_the_folder(tmp_path):
    subject = _spec().subjects[0]
    escaping = SubjectSpec(**{**subject.__dict__, "slug": "../luar"})
    with pytest.raises(ValueError, match="cannot be used as a file name"):
        write_course(_spec(subjects=(escaping,)), tmp_path / "a")
    assert not (tmp_path / "luar.md").exists()


def test_a_file_is_not_a_course_folder(tmp_path):
    (tmp_path / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
    assert_single(errors_of(tmp_path / "course.yaml"), "course.yaml", None, "expected a directory holding course.yaml")


def test_the_same_folder_twice_is_not_a_duplicate_code(tmp_path):
    folder = make_course(tmp_path)
    assert validate_courses([folder, tmp_path / "." / "demo"]) == []


def test_a_subject_spec_is_its_details_plus_slug_and_lessons_given_by_keyword():
    """The subject's fields are declared once (SubjectDetails), as CourseSpec builds on CourseDetails."""
    details = ["title", "type", "jpl_t", "jpl_p", "jpl_pl", "objectives"]
    assert [f.name for f in fields(SubjectDetails)] == details
    assert [f.name for f in fields(SubjectSpec)] == [*details, "slug", "lessons"]
    with pytest.raises(TypeError):
        SubjectSpec("s", "S", SubjectType.INTI, 1, 0, 0, (), ())
    details = SubjectDetails(title="S", type=SubjectType.INTI, jpl_t=1, jpl_p=1, jpl_pl=1, objectives=())
    spec = SubjectSpec(slug="s", lessons=(), **vars(details))
    assert isinstance(spec, SubjectDetails) and (spec.jpl, spec.minutes) == (3, 150) == (details.jpl, details.minutes)
