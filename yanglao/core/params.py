"""Typed query parameters: the one place list filters read their input.

Every filter of a list page or API list reads its query parameters through these helpers, so a value
that is not a number, a number out of range, an impossible date or a NUL character answers 400 with a
Chinese message (the API's one error shape, a 400 page in the console) instead of reaching the
database and failing there with a 500. An empty or missing parameter means "no filter".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ValidationFailed

MAX_ID = 2**63 - 1  # BigAutoField
MIN_YEAR, MAX_YEAR = 1900, 2100
AGE_MIN, AGE_MAX = 0, 150
TEXT_MAX = 100  # a search term or code filter longer than this is refused

_INT = re.compile(r"^[+-]?[0-9]{1,19}$")  # ASCII digits only ("²".isdigit() is True, int("²") fails)
_MONTH = re.compile(r"^([0-9]{4})\s*[-/年.]\s*([0-9]{1,2})\s*月?$")


class BadParameter(ValidationFailed):
    code = "invalid_parameter"
    default_message = "请求参数有误"


def _bad(name: str, reason: str) -> BadParameter:
    return BadParameter(f"参数 {name} 有误：{reason}", details={name: reason})


def contains_nul(value: Any) -> bool:
    """True if a NUL character is anywhere in a string, a mapping's keys or values, or a list."""
    if isinstance(value, str):
        return "\x00" in value
    if hasattr(value, "lists"):  # QueryDict / MultiValueDict
        return any(contains_nul(k) or contains_nul(v) for k, v in value.lists())
    if isinstance(value, Mapping):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


def _raw(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    value = str(value).strip()
    if "\x00" in value:
        raise _bad(name, "含有不允许的空字符")
    return value or None


def int_param(params: Mapping[str, Any], name: str, *, minimum: int | None = None, maximum: int | None = None,
              default: int | None = None) -> int | None:
    raw = _raw(params, name)
    if raw is None:
        return default
    if not _INT.match(raw):
        raise _bad(name, "应为整数")
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "" if minimum is None else str(minimum)
        high = "" if maximum is None else str(maximum)
        raise _bad(name, f"应在 {low}–{high} 之间")
    return value


def id_param(params: Mapping[str, Any], name: str) -> int | None:
    """A record id: a positive integer."""
    return int_param(params, name, minimum=1, maximum=MAX_ID)


def age_param(params: Mapping[str, Any], name: str) -> int | None:
    return int_param(params, name, minimum=AGE_MIN, maximum=AGE_MAX)


def date_param(params: Mapping[str, Any], name: str) -> dt.date | None:
    raw = _raw(params, name)
    if raw is None:
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise _bad(name, "应为有效日期，格式 YYYY-MM-DD") from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _bad(name, f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")
    return value


def month_param(params: Mapping[str, Any], name: str) -> dt.date | None:
    """A month "YYYY-MM" (also "2026年5月", "2026/5") → its first day."""
    raw = _raw(params, name)
    if raw is None:
        return None
    m = _MONTH.match(raw)
    if not m or not 1 <= int(m.group(2)) <= 12 or not MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
        raise _bad(name, "应为有效月份，格式 YYYY-MM")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def text_param(params: Mapping[str, Any], name: str, *, max_length: int = TEXT_MAX) -> str:
    """A free text or code filter, stripped; "" when missing."""
    raw = _raw(params, name)
    if raw is None:
        return ""
    if len(raw) > max_length:
        raise _bad(name, f"不能超过 {max_length} 个字符")
    return raw


def code_param(params: Mapping[str, Any], name: str, *, max_length: int = 12) -> str:
    """A division code prefix: digits only; "" when missing."""
    raw = text_param(params, name, max_length=max_length)
    if raw and not raw.isascii() or raw and not raw.isdigit():
        raise _bad(name, "应为数字区划代码")
    return raw


def choice_param(params: Mapping[str, Any], name: str, choices: Iterable[str]) -> str:
    """One of `choices`; "" when missing."""
    raw = _raw(params, name)
    if raw is None:
        return ""
    if raw not in set(choices):
        raise _bad(name, "不是可选的值")
    return raw
