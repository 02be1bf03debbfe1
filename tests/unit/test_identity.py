import pytest

from lms.accounts.identity import is_valid_nik, mask_nik, normalize_nik, profession_name, professions


@pytest.mark.parametrize(
    "nik",
    [
        "3201010101900001",  # man born 1 January 1990
        "3201014501900001",  # woman: day + 40
        "6501047112990009",  # woman born 31st
    ],
)
def test_valid_niks(nik):
    assert is_valid_nik(nik)


@pytest.mark.parametrize(
    "nik",
    [
        "320101010190000",  # 15 digits
        "32010101019000011",  # 17 digits
        "32010101019000a1",
        "0001010101900001",  # no province 00
        "3201013201900001",  # day 32
        "3201017201900001",  # woman's day 72 - 40 = 32
        "3201010113900001",  # month 13
        "3201010100900001",  # month 0
        "",
    ],
)
def test_invalid_niks(nik):
    assert not is_valid_nik(nik)


def test_normalize_nik_strips_separators_and_empties():
    assert normalize_nik(" 3201.0101 0190-0001 ") == "3201010101900001"
    assert normalize_nik("   ") is None
    assert normalize_nik(None) is None


def test_mask_nik_shows_only_first_and_last_four():
    assert mask_nik("3201010101900001") == "3201********0001"
    assert mask_nik(None) == ""
    assert mask_nik("") == ""


def test_professions_have_unique_codes_and_token_numbers():
    all_professions = list(professions().values())
    assert len(all_professions) >= 40
    numbers = [p.number for p in all_professions]
    assert len(numbers) == len(set(numbers))
    assert all(0 < n < 256 for n in numbers), "token codes are small integers"
    assert profession_name("perawat") == "Perawat"
    assert profession_name("bidan") == "Bidan"
    assert profession_name("unknown") == ""
