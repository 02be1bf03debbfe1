"""SKP rules without a database: the SIP cycle, ranah minimums, and short / on track / complete."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lms.courses.curriculum import Ranah
from lms.records.skp import (
    Credit,
    Cycle,
    PracticeArea,
    SkpState,
    cycle_containing,
    rules_from_data,
    skp_rules,
    skp_standing,
)

NORMAL = {Ranah.PEMBELAJARAN: 45, Ranah.PELAYANAN: 35, Ranah.PENGABDIAN: 5}
CYCLE = Cycle(date(2025, 1, 1), date(2029, 12, 31))


def credit(ranah: Ranah, skp: str, on: date = date(2026, 6, 1)) -> Credit:
    return Credit(ranah, Decimal(skp), on)


def test_shipped_rules_have_sources_and_the_regulated_shares():
    rules = skp_rules()
    assert rules.cycle_years == 5
    assert rules.shares[PracticeArea.NORMAL] == NORMAL
    assert rules.shares[PracticeArea.DTPK] == {Ranah.PEMBELAJARAN: 25, Ranah.PELAYANAN: 55, Ranah.PENGABDIAN: 5}
    assert rules.target_for("dokter") == 250 and rules.target_for("perawat") == 50 and rules.target_for(None) == 50
    assert {"cycle", "shares", "targets"} <= set(rules.sources)


def test_rules_come_from_data():
    rules = rules_from_data(
        {"cycle_years": 3, "shares": {"normal": {"pembelajaran": 50}}, "targets": {"default": 10, "bidan": 12}}
    )
    assert rules.cycle_years == 3 and rules.target_for("bidan") == 12 and rules.target_for("x") == 10


def test_cycle_runs_five_years_from_the_sip_date_and_repeats():
    assert cycle_containing(date(2023, 3, 15), date(2026, 11, 22), 5) == Cycle(date(2023, 3, 15), date(2028, 3, 14))
    assert cycle_containing(date(2018, 3, 15), date(2026, 11, 22), 5) == Cycle(date(2023, 3, 15), date(2028, 3, 14))
    # Before the SIP date: the first cycle.
    assert cycle_containing(date(2027, 1, 1), date(2026, 11, 22), 5).starts_on == date(2027, 1, 1)
    # A SIP issued on 29 February.
    assert cycle_containing(date(2024, 2, 29), date(2029, 3, 1), 5).starts_on == date(2029, 2, 28)


def test_complete_needs_the_target_and_every_ranah_minimum():
    credits = [credit(Ranah.PEMBELAJARAN, "22.5"), credit(Ranah.PELAYANAN, "17.5"), credit(Ranah.PENGABDIAN, "2.5")]
    short_of_total = skp_standing(credits, target=Decimal(50), shares=NORMAL, cycle=CYCLE, today=date(2029, 12, 1))
    assert short_of_total.missing == Decimal("7.50") and short_of_total.state == SkpState.SHORT
    enough = skp_standing(
        [*credits, credit(Ranah.PEMBELAJARAN, "7.5")],
        target=Decimal(50),
        shares=NORMAL,
        cycle=CYCLE,
        today=date(2029, 12, 1),
    )
    assert enough.missing == 0 and enough.state == SkpState.COMPLETE and enough.percent == 100


def test_a_total_above_target_is_still_short_while_a_ranah_lacks_its_minimum():
    standing = skp_standing(
        [credit(Ranah.PEMBELAJARAN, "60")], target=Decimal(50), shares=NORMAL, cycle=CYCLE, today=date(2026, 1, 1)
    )
    by_ranah = {r.ranah: r for r in standing.ranah}
    assert by_ranah[Ranah.PELAYANAN].missing == Decimal("17.50")
    assert by_ranah[Ranah.PENGABDIAN].missing == Decimal("2.50")
    assert standing.missing == Decimal("20.00") and standing.state != SkpState.COMPLETE


def test_on_track_means_steady_progress_in_every_ranah():
    halfway = date(2027, 7, 2)
    steady = [credit(Ranah.PEMBELAJARAN, "12"), credit(Ranah.PELAYANAN, "10"), credit(Ranah.PENGABDIAN, "3")]
    assert (
        skp_standing(steady, target=Decimal(50), shares=NORMAL, cycle=CYCLE, today=halfway).state == SkpState.ON_TRACK
    )
    lopsided = [credit(Ranah.PEMBELAJARAN, "30")]
    assert skp_standing(lopsided, target=Decimal(50), shares=NORMAL, cycle=CYCLE, today=halfway).state == SkpState.SHORT


def test_credits_outside_the_cycle_do_not_count():
    standing = skp_standing(
        [credit(Ranah.PEMBELAJARAN, "10", date(2024, 12, 31)), credit(Ranah.PEMBELAJARAN, "3", date(2025, 1, 1))],
        target=Decimal(50),
        shares=NORMAL,
        cycle=CYCLE,
        today=date(2025, 6, 1),
    )
    assert standing.earned == Decimal("3.00")


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("40"), places=2)


@given(st.lists(st.tuples(st.sampled_from(list(Ranah)), amounts), max_size=30))
def test_standing_adds_up(lines):
    credits = [credit(ranah, str(skp)) for ranah, skp in lines]
    standing = skp_standing(credits, target=Decimal(50), shares=NORMAL, cycle=CYCLE, today=date(2027, 1, 1))
    assert standing.earned == sum((skp for _, skp in lines), Decimal(0))
    assert sum((r.earned for r in standing.ranah), Decimal(0)) == standing.earned
    assert standing.missing >= max(Decimal(0), standing.target - standing.earned)
    assert (standing.missing == 0) == (standing.state == SkpState.COMPLETE)
