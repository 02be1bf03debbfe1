"""Reading a member list (CSV or XLSX) into checked rows: the header, each cell's rule, duplicates within the file.

Pure: no database. What only the database knows (facility names, existing accounts) is passed in or checked by the
import service. Every problem is a `Problem(row, message)` shown as `row N: message`, N as a spreadsheet shows it
(the header is row 1).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from lms.accounts.identity import is_valid_nik, normalize_nik, professions

COLUMNS = ("full_name", "email", "nik", "profession", "str_number", "facility", "membership_number")
"""The template's header, in this order."""

REQUIRED_CELLS = ("full_name", "email")

HEADER_ALIASES = {
    "full_name": ("full_name", "name", "nama", "nama_lengkap", "nama_sesuai_str"),
    "email": ("email", "e_mail", "surel", "alamat_email"),
    "nik": ("nik", "nomor_induk_kependudukan"),
    "profession": ("profession", "profesi", "kode_profesi"),
    "str_number": ("str_number", "str", "nomor_str", "no_str"),
    "facility": ("facility", "fasyankes", "faskes", "fasilitas", "fasilitas_kesehatan", "tempat_kerja"),
    "membership_number": ("membership_number", "nomor_kta", "no_kta", "kta", "nomor_anggota", "no_anggota"),
}
"""English and Indonesian header names, compared after lower-casing and turning spaces, dots and dashes into `_`."""

INDONESIAN_HEADER = ("nama_lengkap", "email", "nik", "profesi", "nomor_str", "fasyankes", "nomor_kta")

MAX_ROWS = 100_000
STR_PATTERN = re.compile(r"^[A-Z0-9./-]{6,40}$")


@dataclass(frozen=True)
class Problem:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass(frozen=True)
class MemberRow:
    """One checked row: values cleaned (e-mail lower case, NIK digits only, STR upper case, profession code)."""

    row: int
    full_name: str
    email: str
    nik: str | None
    profession: str | None
    str_number: str | None
    facility: str | None
    membership_number: str | None

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in ("row", *COLUMNS)}


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX we can read; the message says what to do."""


def _header_key(value) -> str:
    return re.sub(r"[\s.\-/]+", "_", str(value or "").strip().lower()).strip("_")


_ALIAS_TO_COLUMN = {alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases}


def map_header(cells: Iterable) -> tuple[list[str | None], list[Problem]]:
    """Which column each header cell is (None for an empty one), and what is wrong with the header."""
    mapping: list[str | None] = []
    problems = []
    seen: set[str] = set()
    for cell in cells:
        key = _header_key(cell)
        column = _ALIAS_TO_COLUMN.get(key) if key else None
        if key and column is None:
            problems.append(Problem(1, str(_l("unknown column %(name)s", name=str(cell).strip()))))
        elif column in seen:
            problems.append(Problem(1, str(_l("the column %(name)s appears twice", name=str(cell).strip()))))
            column = None
        elif column:
            seen.add(column)
        mapping.append(column)
    missing = [c for c in COLUMNS if c not in seen]
    if missing:
        problems.append(
            Problem(
                1,
                str(
                    _l(
                        "the header must have the columns %(columns)s; missing: %(missing)s",
                        columns=", ".join(COLUMNS),
                        missing=", ".join(missing),
                    )
                ),
            )
        )
    return mapping, problems


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet turns 3201... into a number; its digits are what was meant
    return " ".join(str(value).split())


def read_table(data: bytes, is_xlsx: bool) -> Iterator[tuple[int, list]]:
    """(row number, cells) for every row of the first sheet or of the CSV, the header included as row 1."""
    if is_xlsx:
        yield from _read_xlsx(data)
    else:
        yield from _read_csv(data)


def _read_csv(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            str(_l("The file is not UTF-8 text: in your spreadsheet choose Save as, then CSV UTF-8, or upload XLSX."))
        ) from error
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    yield from enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1)


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file; all mean the same to the user
        raise UnreadableFile(str(_l("The spreadsheet could not be read; save it again as XLSX."))) from error
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    finally:
        workbook.close()


def check_row(number: int, values: dict[str, str], facility_names: set[str]) -> tuple[MemberRow | None, list[str]]:
    """One data row's values (by column) checked; `facility_names` are the known names, lower case."""
    messages = []
    for column in REQUIRED_CELLS:
        if not values.get(column):
            messages.append(str(_l("%(column)s is empty", column=column)))
    email = values.get("email", "").lower()
    if email:
        try:
            email = validate_email(email, check_deliverability=False, test_environment=True).normalized.lower()
        except EmailNotValidError:
            messages.append(str(_l("%(value)s is not an e-mail address", value=values["email"])))
    nik = normalize_nik(values.get("nik"))
    if nik is not None and not is_valid_nik(nik):
        messages.append(str(_l("the NIK %(value)s is not valid: a NIK has 16 digits, as on the KTP", value=nik)))
    profession = _profession_code(values.get("profession", ""))
    if values.get("profession") and profession is None:
        messages.append(
            str(_l("unknown profession %(value)s: use a code such as perawat or bidan", value=values["profession"]))
        )
    str_number = values.get("str_number", "").upper().replace(" ", "") or None
    if str_number and not STR_PATTERN.match(str_number):
        messages.append(str(_l("the STR number %(value)s is not valid", value=values["str_number"])))
    facility = values.get("facility") or None
    if facility and facility.lower() not in facility_names:
        messages.append(str(_l("unknown facility %(value)s", value=facility)))
    if len(values.get("full_name", "")) > 120:
        messages.append(str(_l("the name has more than 120 characters")))
    membership_number = values.get("membership_number") or None
    if membership_number and len(membership_number) > 40:
        messages.append(str(_l("the membership number has more than 40 characters")))
    if messages:
        return None, messages
    return (
        MemberRow(
            row=number,
            full_name=values["full_name"],
            email=email,
            nik=nik,
            profession=profession,
            str_number=str_number,
            facility=facility,
            membership_number=membership_number,
        ),
        [],
    )


def _profession_code(value: str) -> str | None:
    if not value:
        return None
    known = professions()
    key = value.strip().lower()
    if key in known:
        return key
    by_name = {p.name.lower(): code for code, p in known.items()}
    return by_name.get(key)


def read_members(data: bytes, is_xlsx: bool, facility_names: set[str]) -> tuple[list[MemberRow], list[Problem]]:
    """Every row of the file checked: the good rows, and every problem by row (the file is good only when there
    are none). Duplicates (the same e-mail or NIK twice) are problems of the later row."""
    rows: list[MemberRow] = []
    problems: list[Problem] = []
    table = read_table(data, is_xlsx)
    header = next(table, None)
    if header is None:
        return [], [Problem(1, str(_l("the file is empty")))]
    mapping, header_problems = map_header(header[1])
    if header_problems:
        return [], header_problems
    first_seen: dict[tuple[str, str], int] = {}
    for number, cells in table:
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue
        if number > MAX_ROWS + 1:
            problems.append(Problem(number, str(_l("a file has at most %(n)d rows; split it", n=MAX_ROWS))))
            break
        values = {column: texts[i] for i, column in enumerate(mapping) if column and i < len(texts)}
        row, messages = check_row(number, values, facility_names)
        if row is not None:
            for key in (("email", row.email), ("nik", row.nik)):
                if key[1] is None:
                    continue
                earlier = first_seen.setdefault(key, number)
                if earlier != number:
                    messages.append(str(_l("the same %(column)s as row %(row)d", column=key[0], row=earlier)))
        problems.extend(Problem(number, message) for message in messages)
        if row is not None and not messages:
            rows.append(row)
    if not rows and not problems:
        problems.append(Problem(2, str(_l("the file has a header but no members"))))
    return rows, problems
