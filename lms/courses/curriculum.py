"""A curriculum as plain data (read from course files or the database), and the JPL/SKP rules over it.

1 JPL (jam pelajaran) of teori (T) or penugasan (P) is 45 minutes, of praktik lapangan (PL) 60 minutes.
SKP (satuan kredit profesi) for a training is computed from the JPL of its core (inti) subjects at a configured
rate, unless the course sets it explicitly.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from flask_babel import lazy_gettext as _l

MINUTES_PER_JPL_TEORI = 45
MINUTES_PER_JPL_PENUGASAN = 45
MINUTES_PER_JPL_PRAKTIK = 60


class CourseKind(StrEnum):
    PELATIHAN = "pelatihan"
    SEMINAR = "seminar"
    WEBINAR = "webinar"
    WORKSHOP = "workshop"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            CourseKind.PELATIHAN: _l("Pelatihan (training)"),
            CourseKind.SEMINAR: _l("Seminar"),
            CourseKind.WEBINAR: _l("Webinar"),
            CourseKind.WORKSHOP: _l("Workshop"),
        }[self]


class SubjectType(StrEnum):
    """Mata pelatihan dasar (basic), inti (core) or penunjang (supporting)."""

    DASAR = "dasar"
    INTI = "inti"
    PENUNJANG = "penunjang"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            SubjectType.DASAR: _l("Dasar (basic)"),
            SubjectType.INTI: _l("Inti (core)"),
            SubjectType.PENUNJANG: _l("Penunjang (supporting)"),
        }[self]


class Ranah(StrEnum):
    """The three SKP domains of KMK HK.01.07/MENKES/1561/2024."""

    PEMBELAJARAN = "pembelajaran"
    PELAYANAN = "pelayanan"
    PENGABDIAN = "pengabdian"

    @property
    def label(self):
        """The member's words for users (translated)."""
        return {
            Ranah.PEMBELAJARAN: _l("Pembelajaran (learning)"),
            Ranah.PELAYANAN: _l("Pelayanan (service)"),
            Ranah.PENGABDIAN: _l("Pengabdian (community service)"),
        }[self]


@dataclass(frozen=True)
class LessonSpec:
    title: str
    minutes: int
    """Estimated self-study minutes (independent of JPL, which counts contact time)."""
    body: str
    """Markdown, without the title heading and the minutes comment; no leading/trailing blank lines."""
    video_url: str | None = None


@dataclass(frozen=True, kw_only=True)
class SubjectDetails:
    """Everything about a subject except its slug and lessons: the one declaration of these fields, shared by the
    course files (SubjectSpec) and the authoring form."""

    title: str
    type: SubjectType
    jpl_t: int
    jpl_p: int
    jpl_pl: int
    objectives: tuple[str, ...]

    @property
    def jpl(self) -> int:
        return self.jpl_t + self.jpl_p + self.jpl_pl

    @property
    def minutes(self) -> int:
        return jpl_minutes(self.jpl_t, self.jpl_p, self.jpl_pl)


@dataclass(frozen=True, kw_only=True)
class SubjectSpec(SubjectDetails):
    """A subject as the course files hold it: the details, plus its slug and lessons."""

    slug: str
    """File name without `.md`, e.g. `02-kewaspadaan-standar`; keeps the subject's identity across versions."""
    lessons: tuple[LessonSpec, ...]


@dataclass(frozen=True)
class CompetencySpec:
    code: str
    name: str


@dataclass(frozen=True, kw_only=True)
class CourseDetails:
    """Everything about a course version except its code, organization and curriculum: the one declaration of these
    fields, shared by the course files (CourseSpec), the stored version and the authoring form."""

    title: str
    summary: str
    kind: CourseKind
    target_professions: tuple[str, ...]
    skp_ranah: Ranah
    skp_value: Decimal | None
    """None: computed from the JPL of the inti subjects by the configured rate."""
    accreditation_number: str | None
    pass_mark: int
    attendance_threshold: int
    validity_months: int
    competencies: tuple[CompetencySpec, ...]
    sequential: bool = False
    """True: lessons must be studied in order; False: in any order."""
    # Certificate rules (see CourseVersion): what eligibility checks, and whether the organization approves.
    require_lessons: bool = True
    require_post_test: bool = True
    require_attendance: bool = True
    certificate_needs_approval: bool = False


DETAIL_FIELDS = tuple(f.name for f in fields(CourseDetails))


@dataclass(frozen=True, kw_only=True)
class CourseSpec(CourseDetails):
    """A whole curriculum as the course files hold it: the details, plus code, organization and subjects."""

    code: str
    organization: str
    """Slug of the owning organization."""
    subjects: tuple[SubjectSpec, ...]
    questions: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """Reserved for the quizzes feature: (role, file name) pairs such as ("pre_test", "pre-test.gift")."""

    @property
    def certificate_rules(self) -> tuple[bool, bool, bool, bool]:
        return (self.require_lessons, self.require_post_test, self.require_attendance, self.certificate_needs_approval)

    @property
    def total_jpl(self) -> int:
        return sum(s.jpl for s in self.subjects)

    @property
    def core_jpl(self) -> int:
        return sum(s.jpl for s in self.subjects if s.type == SubjectType.INTI)

    def fingerprint(self) -> str:
        """A digest of the whole content: equal fingerprints mean nothing changed."""
        content = asdict(self)
        if self.certificate_rules == DEFAULT_CERTIFICATE_RULES:
            # Left out at their defaults, so versions stored before the rules existed keep their fingerprint.
            for name in CERTIFICATE_RULE_FIELDS:
                del content[name]
        data = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()


CERTIFICATE_RULE_FIELDS = ("require_lessons", "require_post_test", "require_attendance", "certificate_needs_approval")
DEFAULT_CERTIFICATE_RULES = (True, True, True, False)


def jpl_minutes(teori: int, penugasan: int, praktik: int) -> int:
    """Contact minutes of a JPL split: 45 per JPL of T or P, 60 per JPL of PL."""
    return teori * MINUTES_PER_JPL_TEORI + penugasan * MINUTES_PER_JPL_PENUGASAN + praktik * MINUTES_PER_JPL_PRAKTIK


def skp_for(core_jpl: int, explicit: Decimal | None, rate_per_jpl: Decimal) -> Decimal:
    """SKP of a course: the explicit value when set, else core JPL × rate, rounded to two decimals."""
    value = explicit if explicit is not None else Decimal(core_jpl) * rate_per_jpl
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
