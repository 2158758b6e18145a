"""The column-wise checks (core.columns) agree with the per-row checks they short-cut.

A cell the column check accepts must be one the per-row path accepts *unchanged*; every cell it
refuses goes through the per-row path, which then gives its exact message. So the property is an
equivalence: column check True ⇔ per-row check returns the cell itself with no error."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given
from hypothesis import strategies as st

from yanglao.core.columns import iso_dates, plain_names, valid_id_numbers
from yanglao.core.idnumber import IdNumberError, check_digit, parse_id_number
from yanglao.core.tabular import CellError, _clean_name, cell_to_date, cell_to_id_text, clean_name

TODAY = dt.date(2026, 11, 29)
REGIONS = ["441702", "441704", "441721", "441781", "110105", "810000", "000000", "991702", "447102", "100101"]


def per_row_accepts_unchanged(value: object) -> bool:
    """What the matching and the registry import do with one ID cell, row by row."""
    text, problem = cell_to_id_text(value)
    if problem or not text:
        return False
    try:
        parsed = parse_id_number(text, today=TODAY)
    except IdNumberError:
        return False
    return type(value) is str and parsed.value == value


def valid_number(first17: str) -> str:
    return first17 + check_digit(first17)


births = st.dates(min_value=dt.date(1870, 1, 1), max_value=dt.date(2030, 12, 31))
first17s = st.builds(lambda region, born, seq: f"{region}{born:%Y%m%d}{seq:03d}",
                     st.sampled_from(REGIONS), births, st.integers(0, 999))


@st.composite
def id_cells(draw: st.DrawFn) -> object:
    """Valid numbers and every way offices get them wrong or write them differently."""
    first17 = draw(first17s)
    number = valid_number(first17)
    kind = draw(st.sampled_from([
        "valid", "wrong_check", "impossible_date", "fifteen", "lower_x", "spaces", "float", "float_text",
        "int", "full_width", "random_text", "short", "long",
    ]))
    if kind == "valid":
        return number
    if kind == "wrong_check":
        wrong = draw(st.sampled_from([c for c in "0123456789Xx" if c != number[-1]]))
        return first17 + wrong
    if kind == "impossible_date":
        day = draw(st.sampled_from(["19580230", "19580231", "19000229", "20010229", "19581301", "19580001",
                                    "19580100", "00000101", "18791231"]))
        return valid_number(first17[:6] + day + first17[14:])
    if kind == "fifteen":
        return first17[:6] + first17[8:14] + first17[14:17]
    if kind == "lower_x":
        return number[:17] + ("x" if number[-1] == "X" else number[-1].lower())
    if kind == "spaces":
        at = draw(st.integers(0, 18))
        return number[:at] + draw(st.sampled_from([" ", "\u3000", "\t"])) + number[at:]
    if kind == "float":
        return float(number[:17] + ("0" if number[-1] == "X" else number[-1]))  # 4.41702194001011E17 in a cell
    if kind == "float_text":
        return draw(st.sampled_from([f"{float(number[:17] + '0'):E}", number + ".0", "4.41702194001011E17"]))
    if kind == "int":
        return int(number[:17] + ("0" if number[-1] == "X" else number[-1]))
    if kind == "full_width":
        return "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in number)
    if kind == "short":
        return number[:17]
    if kind == "long":
        return number + "1"
    return draw(st.text(alphabet="0123456789Xx ·-E.", min_size=16, max_size=19))


@given(id_cells())
def test_an_id_cell_passes_the_column_check_exactly_when_the_row_check_takes_it_unchanged(cell):
    assert bool(valid_id_numbers([cell], today=TODAY)[0]) == per_row_accepts_unchanged(cell)


@given(st.lists(st.one_of(id_cells(), st.none(), st.just(""), st.integers(), st.dates()), max_size=40))
def test_a_whole_column_gives_each_cell_its_own_answer(cells):
    assert valid_id_numbers(cells, today=TODAY).tolist() == [per_row_accepts_unchanged(c) for c in cells]


def test_the_usual_mistakes_are_left_to_the_row_check():
    good = valid_number("44170219580101123")
    with_x = next(n for n in (valid_number(f"44170219580101{seq:03d}") for seq in range(1000)) if n.endswith("X"))
    cells = [good, good[:17] + ("0" if good[-1] != "0" else "1"), valid_number("44170219580230123"),
             "441702580101123", with_x[:17] + "x", good[:6] + " " + good[6:], float(good[:17] + "0"),
             "4.41702194001011E17", valid_number("44170220270101123")]
    assert valid_id_numbers(cells, today=TODAY).tolist() == [True] + [False] * 8


def per_row_date(value: object) -> dt.date | None:
    """The day cell_to_date reads from a ``YYYY-MM-DD`` text, else None."""
    if not (type(value) is str and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)):
        return None
    try:
        return cell_to_date(value)
    except CellError:
        return None


date_cells = st.one_of(
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)),
    st.dates().map(lambda d: f"{d.year}/{d.month}/{d.day}"),
    st.dates().map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
    st.dates().map(lambda d: f"{d:%Y%m%d}"),
    st.dates(), st.integers(1, 60000), st.text(max_size=12), st.none(),
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}".replace("0", "\uff10")),
)


@given(st.lists(date_cells, max_size=30))
def test_a_date_passes_the_column_check_exactly_when_it_is_an_iso_day_cell_to_date_reads(cells):
    ok, days = iso_dates(cells)
    for cell, good, day in zip(cells, ok.tolist(), days.tolist(), strict=True):
        expected = per_row_date(cell)
        assert good == (expected is not None), cell
        if good:
            assert day == expected.year * 10000 + expected.month * 100 + expected.day


@given(st.lists(st.one_of(st.text(alphabet="张三李四王五·• .　Ａ\u200b买提艾力㐀", max_size=8), st.none(),
                          st.integers()), max_size=30))
def test_a_plain_name_is_its_own_clean_form(cells):
    for cell, plain in zip(cells, plain_names(cells), strict=True):
        assert clean_name(cell) == _clean_name(cell)  # the short cut of clean_name changes nothing
        if plain:
            assert _clean_name(cell) == cell
        else:
            assert not (type(cell) is str and cell and re.fullmatch(r"[\u3400-\u4dbf\u4e00-\u9fff]+", cell))
