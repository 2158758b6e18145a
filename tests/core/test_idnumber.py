from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yanglao.core.idnumber import (
    IdNumberError,
    PhoneError,
    check_digit,
    mask_id_number,
    mask_phone,
    normalise_phone,
    parse_id_number,
)

TODAY = date(2025, 6, 1)


def valid(first17: str) -> str:
    return first17 + check_digit(first17)


def test_known_number_with_x_check_digit_parses():
    parsed = parse_id_number("11010519491231002X", today=TODAY)
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.region_code == "110105"
    assert parsed.converted_from_15 is None


def test_check_digit_follows_iso_7064_mod_11_2():
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44170219580101123") == "3"
    assert check_digit("44170219580101125") == "X"


def test_yangjiang_number_gives_birth_date_sex_and_region():
    parsed = parse_id_number("441702195801011233", today=TODAY)
    assert (parsed.birth_date, parsed.sex, parsed.region_code) == (date(1958, 1, 1), "M", "441702")
    assert parsed.age_on(TODAY) == 67


def test_wrong_check_digit_is_refused_naming_the_expected_digit():
    with pytest.raises(IdNumberError, match="校验位错误，应为 3") as err:
        parse_id_number("441702195801011234", today=TODAY)
    assert err.value.code == "check_digit"


def test_impossible_date_is_refused():
    with pytest.raises(IdNumberError, match="出生日期不存在"):
        parse_id_number(valid("44170219580230123"), today=TODAY)


def test_future_birth_date_is_refused():
    with pytest.raises(IdNumberError, match="晚于今天"):
        parse_id_number(valid("44170220250602123"), today=TODAY)


def test_birth_before_1880_is_refused():
    with pytest.raises(IdNumberError, match="1880"):
        parse_id_number(valid("44170218791231123"), today=TODAY)


def test_fifteen_digit_number_is_converted_and_conversion_noted():
    parsed = parse_id_number("441702580101123", today=TODAY)
    assert parsed.value == "441702195801011233"
    assert parsed.converted_from_15 == "441702580101123"
    assert parsed.birth_date == date(1958, 1, 1)
    assert parsed.sex == "M"


def test_full_width_digits_spaces_and_lowercase_x_are_accepted():
    parsed = parse_id_number("　１１０１０５ １９４９１２３１ ００２ｘ ", today=TODAY)
    assert parsed.value == "11010519491231002X"
    assert parse_id_number("11010519491231002x", today=TODAY).value == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "为空"),
        ("4417021958010112", "长度应为18位"),
        ("4417021958O101123X", "非法字符"),
        ("44170219580101X233", "非法字符"),
        (valid("99170219580101123"), "地区码无效"),
        (valid("00000019580101123"), "地区码无效"),
    ],
)
def test_malformed_numbers_are_refused_with_a_chinese_message(raw, message):
    with pytest.raises(IdNumberError, match=message):
        parse_id_number(raw, today=TODAY)


def test_region_codes_older_than_yangjiang_city_are_accepted():
    # 440xxx codes from before 1988 (Zhaoqing prefecture) and codes since abolished are not refused.
    assert parse_id_number(valid("44240119380101123"), today=TODAY).region_code == "442401"


def test_repr_does_not_leak_the_full_number():
    assert "441702********1233" in repr(parse_id_number("441702195801011233", today=TODAY))


@given(
    st.sampled_from(["441702", "441704", "441721", "441781", "110105", "810000"]),
    st.dates(min_value=date(1880, 1, 1), max_value=TODAY),
    st.integers(0, 999),
)
def test_any_number_built_with_check_digit_round_trips(region, born, seq):
    number = valid(f"{region}{born:%Y%m%d}{seq:03d}")
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.value == number
    assert parsed.birth_date == born
    assert parsed.sex == ("M" if seq % 2 else "F")


def test_masking_keeps_first_six_and_last_four():
    assert mask_id_number("44170219580101123X") == "441702********123X"
    assert mask_id_number("441702580101123") == "441702*****1123"
    assert mask_id_number("12345678") == "123***78"
    assert mask_id_number("1234") == "****"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("138 0000 1234", "13800001234"),
        ("+86 138-0000-1234", "13800001234"),
        ("0086 13800001234", "13800001234"),
        ("１３８００００１２３４", "13800001234"),
        ("13800001234.0", "13800001234"),
        (13800001234.0, "13800001234"),
        ("0662-1234567", "0662-1234567"),
        ("(0662)3123456", "0662-3123456"),
        ("０６６２－３１２３４５６", "0662-3123456"),
        ("020-12345678", "020-12345678"),
    ],
)
def test_phone_numbers_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected


def test_local_landline_needs_an_area_code_unless_a_default_is_given():
    with pytest.raises(PhoneError, match="缺少区号"):
        normalise_phone("3123456")
    assert normalise_phone("3123456", default_area_code="0662") == "0662-3123456"


@pytest.mark.parametrize("raw", ["", "12800001234", "1380000123", "abc", "06621234", "+1 2025550123"])
def test_invalid_phone_numbers_are_refused(raw):
    with pytest.raises(PhoneError):
        normalise_phone(raw)


def test_phone_masking():
    assert mask_phone("13812345678") == "138******78"
    assert mask_phone("0662-3123467") == "0662-*****67"
    assert mask_phone("020-12345678") == "020-******78"
    assert mask_phone("") == ""
