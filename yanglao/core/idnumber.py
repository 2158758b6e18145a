"""Chinese resident ID numbers (GB 11643-1999) and phone numbers: parsing, checking, masking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from operator import mul

__all__ = [
    "IdNumber",
    "IdNumberError",
    "PhoneError",
    "PROVINCE_CODES",
    "check_digit",
    "mask_id_number",
    "mask_phone",
    "normalise_phone",
    "parse_id_number",
]

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = date(1880, 1, 1)
PROVINCE_CODES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66)]
    + [71, 81, 82, 83, 91]
)

# Full-width digits, X/x, plus/minus/parentheses -> ASCII; all whitespace is removed separately.
_TO_ASCII = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "Ｘ": "X",
        "ｘ": "X",
        "＋": "+",
        "－": "-",
        "（": "(",
        "）": ")",
    }
)
_RE_18 = re.compile(r"\d{17}[\dX]")
_RE_15 = re.compile(r"\d{15}")
_RE_MOBILE = re.compile(r"1[3-9]\d{9}")
_RE_LANDLINE = re.compile(r"0\d{9,11}")
_RE_FLOAT_TEXT = re.compile(r"\d+\.0+")
_PHONE_DROP = str.maketrans("", "", "-()")


class IdNumberError(ValueError):
    """An ID number that cannot be accepted; ``str(err)`` is a Chinese message for the user."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class PhoneError(ValueError):
    """A phone number that cannot be accepted; ``str(err)`` is a Chinese message for the user."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, repr=False)
class IdNumber:
    """A checked 18-character ID number and what it encodes."""

    value: str
    birth_date: date
    sex: str  # "M" or "F"
    region_code: str
    converted_from_15: str | None = None

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:  # never leak the full number into logs or tracebacks
        return f"IdNumber({mask_id_number(self.value)!r})"

    @property
    def province_code(self) -> str:
        return self.region_code[:2]

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


def _compact(raw: str) -> str:
    if raw.isascii():  # the table changes only full-width characters
        return "".join(raw.split()).upper()
    return "".join(raw.translate(_TO_ASCII).split()).upper()


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise IdNumberError("计算校验位需要17位数字", code="format")
    return _check_char(first17)


def _check_char(first17: str) -> str:
    """The check character of 17 ASCII digits (already checked)."""
    return CHECK_CHARS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


def _birth_date(digits8: str, today: date) -> date:
    try:
        born = date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        raise IdNumberError(f"出生日期不存在：{digits8}", code="birth_date") from None
    if born > today:
        raise IdNumberError(f"出生日期{born.isoformat()}晚于今天", code="birth_date")
    if born < EARLIEST_BIRTH:
        raise IdNumberError(f"出生日期{born.isoformat()}早于1880年，不可能", code="birth_date")
    return born


def _check_region(region: str) -> None:
    if region == "000000" or int(region[:2]) not in PROVINCE_CODES:
        raise IdNumberError(f"地区码无效：{region}", code="region")


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Parse and check an 18-digit (or legacy 15-digit) ID number typed or pasted by a person.

    Spaces (also full-width) are ignored, full-width digits and a lower-case x are accepted.
    A 15-digit number is converted to 18 digits and the original kept in ``converted_from_15``.
    """
    if not isinstance(raw, str):
        raise IdNumberError("身份证号码应为文本", code="format")
    value = _compact(raw)
    if not value:
        raise IdNumberError("身份证号码为空", code="required")
    today = today or date.today()

    if len(value) == 15:
        if not _RE_15.fullmatch(value):
            raise IdNumberError("含有非法字符：15位旧身份证号码应全部为数字", code="format")
        _check_region(value[:6])
        first17 = f"{value[:6]}19{value[6:]}"
        born = _birth_date(first17[6:14], today)
        return IdNumber(
            value=first17 + check_digit(first17),
            birth_date=born,
            sex="M" if int(value[14]) % 2 else "F",
            region_code=value[:6],
            converted_from_15=value,
        )

    if len(value) != 18:
        raise IdNumberError(f"长度应为18位，实际为{len(value)}位", code="length")
    if not _RE_18.fullmatch(value):
        raise IdNumberError("含有非法字符：前17位应为数字，末位为数字或X", code="format")
    _check_region(value[:6])
    born = _birth_date(value[6:14], today)
    # _RE_18 matched: 17 digits, ASCII ones unless the text is not ASCII (check_digit then refuses them)
    expected = _check_char(value[:17]) if value.isascii() else check_digit(value[:17])
    if value[17] != expected:
        raise IdNumberError(f"校验位错误，应为 {expected}", code="check_digit")
    return IdNumber(
        value=value,
        birth_date=born,
        sex="M" if int(value[16]) % 2 else "F",
        region_code=value[:6],
        converted_from_15=None,
    )


def mask_id_number(value: str) -> str:
    """``441702********123X``: first 6 and last 4 of an 18/15-digit number, else first 3 and last 2."""
    v = "".join(str(value).split())
    n = len(v)
    if n in (15, 18):
        return v[:6] + "*" * (n - 10) + v[-4:]
    if n <= 5:
        return "*" * n
    return v[:3] + "*" * (n - 5) + v[-2:]


def normalise_phone(raw: str | int, *, default_area_code: str | None = None) -> str:
    """Return ``13800001234`` for a mobile or ``0662-1234567`` for a landline.

    Accepts spaces, dashes, parentheses, full-width digits, a ``+86``/``0086`` prefix and numbers that a
    spreadsheet stored as integers.  A landline without area code is accepted only when
    ``default_area_code`` (e.g. ``"0662"``) is given.
    """
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = "".join(str(raw).translate(_TO_ASCII).split()).translate(_PHONE_DROP)
    if not text:
        raise PhoneError("电话号码为空", code="required")
    if _RE_FLOAT_TEXT.fullmatch(text):  # "13800001234.0" from a spreadsheet number
        text = text.partition(".")[0]
    international = False
    if text.startswith("+"):
        if not text.startswith("+86"):
            raise PhoneError("仅支持中国大陆电话号码", code="format")
        text, international = text[3:], True
    elif text.startswith("0086"):
        text, international = text[4:], True
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if international and text[:1] not in ("0", "1"):
        text = "0" + text  # +86 662 ... drops the trunk 0 of the area code
    if not text.isascii() or not text.isdigit():
        raise PhoneError("电话号码含有非法字符", code="format")

    if text.startswith("1"):
        if _RE_MOBILE.fullmatch(text):
            return text
        raise PhoneError("手机号码应为11位数字，以13–19开头", code="mobile")
    if text.startswith("0"):
        area_len = 3 if text.startswith(("010", "02")) else 4
        local = text[area_len:]
        if not _RE_LANDLINE.fullmatch(text) or len(local) not in (7, 8) or local[0] == "0":
            raise PhoneError("固定电话号码位数不正确（区号+7或8位号码）", code="landline")
        return f"{text[:area_len]}-{local}"
    if len(text) in (7, 8):
        if default_area_code:
            return normalise_phone(default_area_code + text)
        raise PhoneError("固定电话缺少区号（如0662）", code="area_code")
    raise PhoneError("电话号码位数不正确", code="format")


def mask_phone(value: str) -> str:
    """``138******78`` for mobiles, ``0662-*****67`` for landlines; other text keeps only its ends.

    Only the carrier prefix (or area code) and the last two digits show: a million candidates remain,
    so the exact-phone search (rate-limited and audited) cannot be used to complete a masked number."""
    if not value:
        return ""
    try:
        phone = normalise_phone(value)
    except PhoneError:
        phone = "".join(str(value).split())
        n = len(phone)
        return "*" * n if n <= 5 else phone[:2] + "*" * (n - 4) + phone[-2:]
    if "-" not in phone:
        return f"{phone[:3]}******{phone[-2:]}"
    area, local = phone.split("-")
    return f"{area}-{'*' * (len(local) - 2)}{local[-2:]}"
