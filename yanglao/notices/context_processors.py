"""The header's unread count: computed once per request, when a page draws the header (one grouped
count over the partial index of unread notices)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def summary() -> Any:
        cached = getattr(request, "_notice_summary", None)
        if cached is None:
            from .selectors import unread_summary

            cached = request._notice_summary = unread_summary(user)  # type: ignore[attr-defined]
        return cached

    return {"notice_summary": SimpleLazyObject(summary)}
