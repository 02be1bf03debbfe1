"""The downloadable member list template (XLSX and CSV): the header row and one example row."""

from __future__ import annotations

import csv
import io

from lms.accounts.member_import.rows import COLUMNS

EXAMPLE = ("Rina Marlina, S.Kep., Ns.", "rina@example.com", "3201014501900001", "perawat", "QN00001073380217",
           "Puskesmas Tanalili", "KTA-0001")  # fmt: skip


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "anggota"
    sheet.append(list(COLUMNS))
    sheet.append(list(EXAMPLE))
    for column, width in zip("ABCDEFG", (30, 28, 20, 14, 20, 28, 16), strict=True):
        sheet.column_dimensions[column].width = width
        # NIK and numbers as text, so that a spreadsheet keeps all 16 digits and leading zeros.
        for cell in sheet[column]:
            cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
