"""Column-wise checks of a whole column of cells at once (numpy), for imports of 100,000s of rows.

Each function answers, for every cell of a column, "would the exact per-row check accept this cell
unchanged?" — True only where the per-row path (``cell_to_id_text`` + ``parse_id_number``,
``cell_to_date``, ``clean_name``) is certain to return the cell itself (or the date it spells) with no
error. Every other cell (False) goes through the per-row path, so error messages (row, column, reason)
and every unusual spelling (15 digits, lower-case x, spaces, full-width digits, numbers stored as
floats, dates as ``1958年1月1日``) stay exactly those of the per-row check. The property tests in
``tests/core/test_columns.py`` hold the agreement.

The fast case is the common one: an 18-character text of ASCII digits (last one a digit or ``X``), a
``1958-01-01`` text, a name of Chinese characters only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np

from .idnumber import CHECK_CHARS, EARLIEST_BIRTH, PROVINCE_CODES, WEIGHTS
from .tabular import PLAIN_NAME

__all__ = ["iso_dates", "plain_names", "valid_id_numbers"]

_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
_CHECK_CODES = np.array([ord(c) for c in CHECK_CHARS], dtype=np.uint32)
_PROVINCE = np.zeros(100, dtype=bool)
_PROVINCE[list(PROVINCE_CODES)] = True
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_ZERO, _NINE, _X, _DASH = ord("0"), ord("9"), ord("X"), ord("-")


def _code_points(values: Sequence[str], width: int) -> np.ndarray:
    """Texts of exactly `width` characters as a (len, width) matrix of code points."""
    if not values:
        return np.zeros((0, width), dtype=np.uint32)
    return np.array(values, dtype=f"<U{width}").view(np.uint32).reshape(len(values), width)


def _valid_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether (year, month, day) is a day of the Gregorian calendar (year ≥ 1), element-wise."""
    month_ok = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    return month_ok & (year >= 1) & (day >= 1) & (day <= last)


def _candidates(values: Sequence[Any], width: int) -> tuple[np.ndarray, list[str]]:
    """Positions of the cells that are texts of exactly `width` characters, and those texts."""
    picks = [i for i, v in enumerate(values) if type(v) is str and len(v) == width]
    return np.array(picks, dtype=np.int64), [values[i] for i in picks]


def valid_id_numbers(values: Sequence[Any], *, today: date) -> np.ndarray:
    """For each cell: True where it is an 18-character ID number, already in its canonical form (ASCII
    digits, last one a digit or upper-case ``X``), that ``parse_id_number`` accepts as it is — a valid
    region (province) code, a birth date that exists, from 1880-01-01 to `today`, the right check
    character. Such a cell parses to itself; every False cell needs the per-row check."""
    out = np.zeros(len(values), dtype=bool)
    positions, texts = _candidates(values, 18)
    if not texts:
        return out
    m = _code_points(texts, 18)
    digits = m.astype(np.int64) - _ZERO
    body = ((m[:, :17] >= _ZERO) & (m[:, :17] <= _NINE)).all(axis=1)
    last = m[:, 17]
    ok = body & (((last >= _ZERO) & (last <= _NINE)) | (last == _X))
    d = np.where(ok[:, None], digits, 0)  # rows already refused may hold anything: keep the arithmetic in range
    ok &= _PROVINCE[d[:, 0] * 10 + d[:, 1]]
    year = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
    month = d[:, 10] * 10 + d[:, 11]
    day = d[:, 12] * 10 + d[:, 13]
    born = year * 10000 + month * 100 + day
    earliest = EARLIEST_BIRTH.year * 10000 + EARLIEST_BIRTH.month * 100 + EARLIEST_BIRTH.day
    ok &= _valid_dates(year, month, day) & (born >= earliest) & (born <= today.year * 10000 + today.month * 100 + today.day)
    ok &= _CHECK_CODES[(d[:, :17] @ _WEIGHTS) % 11] == last
    out[positions] = ok
    return out


def iso_dates(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """For each cell: whether it is a ``YYYY-MM-DD`` text of ASCII digits naming a day that exists (what
    ``cell_to_date`` reads as that day with no error), and that day as an integer YYYYMMDD (0 where not)."""
    ok_out = np.zeros(len(values), dtype=bool)
    day_out = np.zeros(len(values), dtype=np.int64)
    positions, texts = _candidates(values, 10)
    if not texts:
        return ok_out, day_out
    m = _code_points(texts, 10)
    digit_cols = [0, 1, 2, 3, 5, 6, 8, 9]
    sub = m[:, digit_cols]
    ok = ((sub >= _ZERO) & (sub <= _NINE)).all(axis=1) & (m[:, 4] == _DASH) & (m[:, 7] == _DASH)
    d = np.where(ok[:, None], m.astype(np.int64) - _ZERO, 0)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 5] * 10 + d[:, 6]
    day = d[:, 8] * 10 + d[:, 9]
    ok &= _valid_dates(year, month, day)
    ok_out[positions] = ok
    day_out[positions] = np.where(ok, year * 10000 + month * 100 + day, 0)
    return ok_out, day_out


def plain_names(values: Sequence[Any]) -> list[bool]:
    """For each cell: True where it is a text of Chinese characters only, which ``clean_name`` returns
    unchanged."""
    match = PLAIN_NAME.fullmatch
    return [type(v) is str and match(v) is not None for v in values]
