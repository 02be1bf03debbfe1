"""The printable transcript of a competency record: one A4 portrait PDF (embedded fonts, well under 250 KB).

It prints who the worker is (name, profession, STR and SIP numbers — never the NIK), SKP per ranah against the
target of the current SIP cycle, every certificate and approved activity that counts, competencies with their
expiry, when it was made, and where the rules come from. Text is in the viewer's language and time zone.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.accounts.identity import profession_name
from lms.certificates.layouts import register_fonts
from lms.core.i18n import local_datetime
from lms.courses.curriculum import Ranah
from lms.records.models import EntrySource
from lms.records.services import Record
from lms.records.skp import PracticeArea, SkpState

REGULAR = "Lentera-Sans"
BOLD = "Lentera-Sans-Bold"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
GREEN = colors.HexColor("#0b6e4f")
GREY = colors.HexColor("#6b7280")
LIGHT = colors.HexColor("#e5e7eb")
TITLE_WIDTH = 84 * mm - 4

STYLES = {
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20, textColor=GREEN, spaceAfter=2 * mm),
    "heading": ParagraphStyle("heading", fontName=BOLD, fontSize=11, leading=14, spaceBefore=4 * mm, spaceAfter=2 * mm),
    "body": ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12),
    "cell": ParagraphStyle("cell", fontName=REGULAR, fontSize=8, leading=10),
    "cell_bold": ParagraphStyle("cell_bold", fontName=BOLD, fontSize=8, leading=10),
    "small": ParagraphStyle("small", fontName=REGULAR, fontSize=7, leading=9, textColor=GREY),
}
TABLE_STYLE = [
    ("FONT", (0, 0), (-1, -1), REGULAR, 8, 10),
    ("FONT", (0, 0), (-1, 0), BOLD, 8, 10),
    ("LINEBELOW", (0, 0), (-1, 0), 0.6, GREEN),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, LIGHT),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 2),
    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
]


def _p(text: str, style: str = "cell") -> Paragraph:
    return Paragraph(escape(str(text)), STYLES[style])


def _lines(text: str, width: float) -> list[str]:
    """`text` broken into lines that fit `width` in table cell type (much cheaper than a Paragraph per cell)."""
    return simpleSplit(text, REGULAR, 8, width) if text else []


def _amount(value: Decimal) -> str:
    return format_decimal(value.normalize() if value == value.to_integral_value() else value, "#,##0.##")


def _table(rows: list[list], widths: list[float], *, numeric_from: int | None = None) -> Table:
    # LongTable measures each row once, instead of again at every page break.
    table = LongTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = list(TABLE_STYLE)
    if numeric_from is not None:
        style.append(("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"))
    table.setStyle(TableStyle(style))
    return table


def _identity(record: Record) -> list:
    user, licence, cycle = record.user, record.licence, record.standing.cycle
    rows = [
        [_p(_("Name"), "cell_bold"), _p(user.full_name)],
        [_p(_("Profession"), "cell_bold"), _p(profession_name(user.profession_code) or "—")],
        [_p(_("STR number"), "cell_bold"), _p(user.str_number or "—")],
        [_p(_("SIP number"), "cell_bold"), _p((licence.sip_number if licence else "") or "—")],
        [
            _p(_("SIP cycle"), "cell_bold"),
            _p(
                f"{format_date(cycle.starts_on, 'long')} – {format_date(cycle.ends_on, 'long')} · "
                + (str(PracticeArea(licence.area).label) if licence else _("no SIP date recorded"))
            ),
        ],
    ]
    table = Table(rows, colWidths=[35 * mm, PAGE_WIDTH - 2 * MARGIN - 35 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 8),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [table]


def _standing(record: Record) -> list:
    s = record.standing
    missing, end = _amount(s.missing), format_date(s.cycle.ends_on, "long")
    # The same sentences as the record page, so they share their translations.
    if s.state == SkpState.COMPLETE:
        state = _("Complete: every requirement for this cycle is met.")
    elif s.state == SkpState.ON_TRACK:
        state = _("On track: %(missing)s SKP still to earn by %(end)s.", missing=missing, end=end)
    else:
        state = _("Short: %(missing)s SKP still to earn by %(end)s.", missing=missing, end=end)
    rows = [[_("Ranah"), _("Minimum share"), _("Earned"), _("Minimum"), _("Still needed")]]
    rows += [
        [_p(Ranah(r.ranah).label), f"{r.share_percent}%", _amount(r.earned), _amount(r.minimum), _amount(r.missing)]
        for r in s.ranah
    ]
    rows.append([_p(_("Total"), "cell_bold"), "", _amount(s.earned), _amount(s.target), _amount(s.missing)])
    return [
        Paragraph(escape(_("SKP in this SIP cycle")), STYLES["heading"]),
        Paragraph(
            escape(
                _("%(earned)s of %(target)s SKP.", earned=_amount(s.earned), target=_amount(s.target)) + " " + state
            ),
            STYLES["body"],
        ),
        Spacer(0, 2 * mm),
        _table(rows, [62 * mm, 28 * mm, 28 * mm, 28 * mm, 32 * mm], numeric_from=1),
        Spacer(0, 1 * mm),
        Paragraph(escape(_("JPL in this cycle: %(jpl)s", jpl=_amount(record.jpl_total))), STYLES["body"]),
    ]


def _history(record: Record) -> list:
    cycle = record.standing.cycle
    entries = sorted((e for e in record.entries if e.counts), key=lambda e: (e.earned_on, e.id))
    flow: list = [Paragraph(escape(_("Certificates and approved activities")), STYLES["heading"])]
    if not entries:
        return [*flow, Paragraph(escape(_("No SKP recorded yet.")), STYLES["body"])]
    source_names = {EntrySource.CERTIFICATE: _("Certificate"), EntrySource.ACTIVITY: _("Activity")}
    rows: list[list] = [[_("Date"), _("Activity"), _("Kind"), _("Ranah"), "SKP", "JPL"]]
    outside = False
    for entry in entries:
        mark = "" if entry.earned_on in cycle else " *"
        outside = outside or bool(mark)
        title = "\n".join(_lines(entry.title, TITLE_WIDTH) + _lines(entry.organizer, TITLE_WIDTH))
        # Plain strings, wrapped here: a Paragraph per cell makes a long record several times slower.
        rows.append(
            [
                format_date(entry.earned_on, "medium") + mark,
                title,
                source_names.get(entry.source, entry.source),
                entry.ranah.capitalize(),
                _amount(entry.skp),
                _amount(entry.jpl),
            ]
        )
    flow.append(_table(rows, [24 * mm, TITLE_WIDTH + 4, 20 * mm, 24 * mm, 13 * mm, 13 * mm], numeric_from=4))
    if outside:
        flow.append(Paragraph(escape("* " + _("outside the current SIP cycle: not counted above.")), STYLES["small"]))
    return flow


def _competencies(record: Record) -> list:
    flow: list = [Paragraph(escape(_("Competencies held")), STYLES["heading"])]
    if not record.competencies:
        return [*flow, Paragraph(escape(_("No competencies from certificates yet.")), STYLES["body"])]
    rows: list[list] = [[_("Competency"), _("Certificate"), _("Valid until")]]
    rows += [
        [
            _p(f"{c.name} ({c.code})"),
            _p(f"{c.course_title} · {c.certificate_number}"),
            _p(format_date(c.expires_on, "medium") if c.expires_on else _("no expiry")),
        ]
        for c in record.competencies
    ]
    return [*flow, _table(rows, [62 * mm, 82 * mm, 34 * mm])]


def _sources(record: Record, verify_url: str) -> list:
    labels = {"cycle": _("SIP cycle"), "shares": _("Minimum shares per ranah"), "targets": _("SKP targets")}
    flow: list = [Paragraph(escape(_("Sources of the rules")), STYLES["heading"])]
    for key, text in record.sources.items():
        flow.append(Paragraph(f"<b>{escape(str(labels.get(key, key)))}:</b> {escape(text)}", STYLES["small"]))
    flow.append(Spacer(0, 2 * mm))
    flow.append(
        Paragraph(
            escape(
                _("Each certificate can be checked at %(url)s with its number and verification code.", url=verify_url)
            ),
            STYLES["small"],
        )
    )
    return flow


def render_transcript_pdf(record: Record, *, now: datetime, verify_url: str, platform_name: str = "Lentera") -> bytes:
    """The record as an A4 portrait PDF; `now` is printed as the moment it was made (in the viewer's zone)."""
    register_fonts()
    # Lets <b> inside a paragraph pick the bold face.
    registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
    out = io.BytesIO()
    generated = _("Made on %(when)s", when=local_datetime(now, "medium"))
    title = _("Competency record transcript")

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 7)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, 9 * mm, f"{platform_name} · {title} · {record.user.full_name} · {generated}")
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 9 * mm, _("Page %(n)d", n=document.page))
        canvas.restoreState()

    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=16 * mm,
        title=f"{title} — {record.user.full_name}",
        author=platform_name,
        creator=platform_name,
        lang=str(get_locale()),
        pageCompression=1,
        # Without this reportlab declares Helvetica, a font that is not embedded.
        initialFontName=REGULAR,
    )
    flow: list = [
        Paragraph(escape(title), STYLES["title"]),
        Paragraph(escape(generated), STYLES["small"]),
        Spacer(0, 3 * mm),
        *_identity(record),
        *_standing(record),
        *_history(record),
        *_competencies(record),
        *_sources(record, verify_url),
    ]
    document.build(flow, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
