"""Field rules that refuse nonsense, in one place: used by services (so the console and the API both
refuse) and by forms (so the message appears on the field at once).

Each rule is a function that returns the cleaned value or raises Django's ``ValidationError`` with a
Chinese message naming the problem, so it works as a form field validator as it is; services gather
the problems of a record with :func:`check_fields`, which raises one ``ValidationFailed`` whose details
name each field (the console puts each message on its field, the API answers them in ``details``).

- coordinates inside China's range (WGS-84 / GCJ-02: latitude 3.8–53.6, longitude 73.5–135.1);
- unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters of
  ``0123456789ABCDEFGHJKLMNPQRTUWXY`` whose last one is the check character;
- phone numbers, mobile or landline with area code (``0662-3345678``): ``idnumber.normalise_phone``;
- dates that cannot be in the future (a category's start, a rating's date, a licence's issue date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from .errors import ValidationFailed
from .idnumber import PhoneError, normalise_phone

LATITUDE_RANGE = (Decimal("3.8"), Decimal("53.6"))
LONGITUDE_RANGE = (Decimal("73.5"), Decimal("135.1"))

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_FULL_WIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"}


def _number(value: Any, label: str) -> Decimal:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"{label}应为数字", code="number") from exc


def validate_latitude(value: Any) -> Decimal:
    """A latitude inside China's range (3.8–53.6, north)."""
    number = _number(value, "纬度")
    low, high = LATITUDE_RANGE
    if not low <= number <= high:
        raise ValidationError(f"纬度应在中国境内（北纬 {low}–{high} 度），请核对是否与经度填反", code="latitude")
    return number


def validate_longitude(value: Any) -> Decimal:
    """A longitude inside China's range (73.5–135.1, east)."""
    number = _number(value, "经度")
    low, high = LONGITUDE_RANGE
    if not low <= number <= high:
        raise ValidationError(f"经度应在中国境内（东经 {low}–{high} 度），请核对是否与纬度填反", code="longitude")
    return number


def uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code for its first 17 (GB 32100-2015)."""
    total = sum(USCC_CHARSET.index(ch) * weight for ch, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: Any) -> str:
    """A unified social credit code: 18 characters, upper case, check character right. Returns it normalised
    (spaces dropped, full-width and lower-case letters converted)."""
    code = "".join(str(value).translate(_FULL_WIDTH).split()).upper()
    if len(code) != 18:
        raise ValidationError(f"统一社会信用代码应为18位（现为{len(code)}位）", code="uscc_length")
    bad = sorted({ch for ch in code if ch not in USCC_CHARSET})
    if bad:
        raise ValidationError(f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、Z、S、V）",
                              code="uscc_charset")
    if not code[2:8].isdigit():
        raise ValidationError("统一社会信用代码第3–8位应为登记管理机关的行政区划代码（数字）", code="uscc_region")
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError("统一社会信用代码校验位错误，请核对是否抄错", code="uscc_check")
    return code


def validate_phone(value: Any) -> str:
    """A mobile (13800001234) or a landline with its area code (0662-3345678); returns it normalised."""
    try:
        return normalise_phone(value)
    except PhoneError as exc:
        raise ValidationError(str(exc), code="phone") from exc


def validate_not_future(value: Any, *, label: str = "日期", today: dt.date | None = None) -> Any:
    """A date that has already happened: not after today."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date) and value > (today or timezone.localdate()):
        raise ValidationError(f"{label}不能晚于今天", code="future_date")
    return value


def not_future(label: str) -> Callable[[Any], Any]:
    """A form field validator: ``DateField(validators=[not_future("评定日期")])``."""

    def validator(value: Any) -> Any:
        return validate_not_future(value, label=label)

    return validator


def message_of(error: ValidationError) -> str:
    return "；".join(str(m) for m in error.messages)


def check_fields(data: Mapping[str, Any], rules: Mapping[str, Callable[[Any], Any]], *,
                 message: str = "填写的内容有误") -> dict[str, Any]:
    """Apply `rules` to the fields of `data` that are present and not empty; return `data` with the
    cleaned values, or raise one ValidationFailed naming every field that is wrong (first problem in the
    message, so a page without field places still says what is wrong)."""
    cleaned = dict(data)
    errors: dict[str, str] = {}
    for name, rule in rules.items():
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            cleaned[name] = rule(value)
        except ValidationError as exc:
            errors[name] = message_of(exc)
    if errors:
        raise ValidationFailed(f"{message}：{next(iter(errors.values()))}", details=errors)
    return cleaned
