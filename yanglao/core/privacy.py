"""Personal identifiers kept out of places that must not hold them (PIPL art. 28–30, 51).

- ``identifier_kind`` tells whether a search term is a full identifier (ID number, phone, bank account).
- ``term_digest`` is what the audit log keeps of such a term: a keyed hash, so an auditor can see that
  one account searched the same number twice without the log ever holding the number.
- ``scrub`` replaces every full identifier inside free text (or nested JSON) by its kind and digest.
  ``audit.record`` passes every line through it: no audit line can hold an ID number, phone or bank
  account in clear, whatever a caller puts in ``extra`` (export filters, search terms, parameters).
"""

from __future__ import annotations

import re
from typing import Any

from . import crypto

# 18-character ID numbers (last may be X), old 15-digit ones, bank cards (16–19 digits), mobiles (11 digits
# from 13–19), landlines with an area code (0662-1234567, 06621234567). Twelve-digit division codes and
# short numbers (ids, counts, amounts) do not match.
_ID18 = r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("身份证号码", re.compile(rf"(?<![\dA-Za-z]){_ID18}(?![\dA-Za-z])")),
    ("银行账号", re.compile(r"(?<![\dA-Za-z])\d{16,19}(?![\dA-Za-z])")),
    ("身份证号码", re.compile(r"(?<![\dA-Za-z])[1-9]\d{14}(?![\dA-Za-z])")),
    ("电话", re.compile(r"(?<![\dA-Za-z])(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![\dA-Za-z])")),
    ("电话", re.compile(r"(?<![\dA-Za-z])0\d{2,3}[\s-]?[2-9]\d{6,7}(?![\dA-Za-z])")),
]


def term_digest(term: str) -> str:
    """A short keyed hash of a term: equal terms give equal digests; the term cannot be recovered."""
    normal = "".join(str(term).split()).upper()
    return crypto.lookup_hash(normal, purpose="audit-term")[:12]


def identifier_kind(term: str) -> str | None:
    """``"身份证号码"``, ``"电话"`` or ``"银行账号"`` when the whole term is one such identifier."""
    text = "".join(str(term).split())
    for kind, pattern in _PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            return kind
    return None


def _scrub_text(text: str) -> str:
    if not any(ch.isdigit() for ch in text):
        return text
    for kind, pattern in _PATTERNS:
        text = pattern.sub(lambda m, k=kind: f"［{k}#{term_digest(m.group(0))}］", text)
    return text


def scrub(value: Any) -> Any:
    """The value with every full identifier in its strings replaced by ``［kind#digest］``."""
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


# --------------------------------------------------------------------------- searches by a full identifier

SEARCH_OBJECT_TYPE = "core.identifier_search"


def guard_identifier_search(user: Any, term: str, *, kind: str, scope: str) -> None:
    """A search by a full identifier: audited with the term's digest (never the term), limited per
    account per hour, and flagged to the auditors (a security line) when one account runs many in a day.

    The hourly limit is an atomic counter in the database (core.ratelimit): it holds across every
    worker and server. Raises RateLimited over the limit (the refused search is a security event).
    """
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from . import ratelimit
    from .audit import record
    from .errors import RateLimited
    from .models import AuditAction, AuditEntry

    per_hour = settings.IDENTIFIER_SEARCH_PER_HOUR
    division = getattr(user, "scope_prefix", "") or ""
    hit = ratelimit.hit("identifier-search", f"user:{user.pk}", limit=per_hour, window_seconds=3600)
    if not hit.allowed:
        record(AuditAction.SECURITY, object_type=SEARCH_OBJECT_TYPE, object_repr=f"按{kind}查询超过每小时上限",
               division_code=division, extra={"event": "identifier_search_limited", "kind": kind, "scope": scope,
                                              "term_digest": term_digest(term), "limit_per_hour": per_hour})
        raise RateLimited(f"按完整{kind}查询过于频繁（每小时最多 {per_hour} 次），请 {hit.retry_after // 60 + 1} 分钟后再试；"
                          "本次已记入审计日志")
    record(AuditAction.VIEW_SENSITIVE, object_type=SEARCH_OBJECT_TYPE, object_repr=f"按{kind}查询",
           division_code=division, extra={"kind": kind, "scope": scope, "term_digest": term_digest(term)})
    mine = AuditEntry.objects.filter(actor_username=user.get_username(), object_type=SEARCH_OBJECT_TYPE,
                                     action=AuditAction.VIEW_SENSITIVE)
    today = mine.filter(at__gte=timezone.now() - dt.timedelta(days=1)).count()
    if today == settings.IDENTIFIER_SEARCH_FLAG_PER_DAY:
        record(AuditAction.SECURITY, object_type=SEARCH_OBJECT_TYPE,
               object_repr=f"24小时内按完整证件号码或电话查询达 {today} 次，请核查",
               division_code=division, extra={"event": "identifier_search_many", "count": today})
