"""Public references and safe public lookups (issue 15, item 7).

Internal numbers (LH2026000123, SJ00000042) are sequential: fine for staff, guessable by anyone. What a
person is given to look something up in public is a *public reference*: 12 characters drawn at random
from an alphabet without the characters people confuse (no 0/O, 1/I/L), about 59 bits, printed on the
receipt in groups of four (`K7QM-3XWP-9TRD`). Typing is forgiving: lower case, spaces and hyphens are fine.

A lookup also needs a second factor the person knows (date of birth, or the last four characters of the ID
number), is rate-limited per client address and per reference (`core.ratelimit`, shared by every worker),
and a failed lookup gets one answer whether the reference exists or not.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
LENGTH = 12
_STRIP = re.compile(r"[\s\-_./·]")

# Per client address: a family checks a few things; nobody needs more than 10 lookups in 10 minutes.
PER_ADDRESS = (10, 600)
# Per reference: a few typos in a day, not a search over dates of birth (36,500 of them in a century).
PER_REFERENCE = (5, 3600)


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def fill_missing(model: Any, field: str = "public_ref", batch: int = 1000) -> int:
    """Give every row without one a fresh reference (the migrations that add the field use it before making
    it unique); references are drawn until unused within the run. Returns how many rows were filled."""
    used: set[str] = set()
    rows: list[Any] = []
    filled = 0
    for obj in model.objects.filter(**{f"{field}__isnull": True}).only("pk").iterator():
        ref = new_reference()
        while ref in used:
            ref = new_reference()
        used.add(ref)
        setattr(obj, field, ref)
        rows.append(obj)
        if len(rows) >= batch:
            model.objects.bulk_update(rows, [field])
            filled += len(rows)
            rows = []
    model.objects.bulk_update(rows, [field])
    return filled + len(rows)


def display(reference: str) -> str:
    """`K7QM3XWP9TRD` → `K7QM-3XWP-9TRD`, as printed on receipts."""
    return "-".join(reference[i:i + 4] for i in range(0, len(reference), 4)) if reference else ""


def normalise(text: str) -> str:
    """What the person typed, as a stored reference; "" when it cannot be one (the same failure answer)."""
    cleaned = _STRIP.sub("", text or "").upper()
    if len(cleaned) != LENGTH or any(c not in ALPHABET for c in cleaned):
        return ""
    return cleaned


_DATE_FORMS = (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), re.compile(r"^(\d{4})\D+(\d{1,2})\D+(\d{1,2})\D*$"))


def parse_birth_date(text: str) -> dt.date | None:
    t = (text or "").strip()
    for pattern in _DATE_FORMS:
        m = pattern.match(t)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def factor_matches(*, factor: str, birth_date: dt.date | None, id_last4: str) -> bool:
    """The second factor: a date of birth (1950-03-05, 19500305, 1950年3月5日) or the ID number's last four
    characters (x or X). Compared in constant time; a record without the fact never matches."""
    text = (factor or "").strip()
    day = parse_birth_date(text)
    if day is not None:
        return birth_date is not None and hmac.compare_digest(day.isoformat(), birth_date.isoformat())
    last4 = text.upper()
    if len(last4) == 4 and id_last4:
        return hmac.compare_digest(last4.encode(), id_last4.upper().encode())
    return False


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    retry_after: int = 0


def lookup_allowed(request: HttpRequest, *, scope: str, reference: str) -> Allowance:
    """Count one lookup against the client address and against the reference typed (normalised, so
    `abcd-…` and `ABCD…` are one key). Both counters move on every attempt, found or not."""
    from . import ratelimit
    from .clientip import client_ip

    by_address = ratelimit.hit(f"{scope}:addr", client_ip(request) or "-", limit=PER_ADDRESS[0],
                               window_seconds=PER_ADDRESS[1])
    by_reference = ratelimit.hit(f"{scope}:ref", reference or "-", limit=PER_REFERENCE[0],
                                 window_seconds=PER_REFERENCE[1])
    if by_address.allowed and by_reference.allowed:
        return Allowance(True)
    retry = max(r.retry_after for r in (by_address, by_reference) if not r.allowed)
    return Allowance(False, retry)


def mask_name(name: str) -> str:
    """黄秀英 → 黄*英, 李明 → 李*: enough for a family to recognise, nothing for anyone else."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
