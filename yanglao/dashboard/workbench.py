from __future__ import annotations

from typing import Any

from . import selectors


def card(user: Any) -> str:
    counts = selectors.status_counts_for(user)
    if counts is None:
        return "—"
    return f"{counts['green']} / {counts['amber']} / {counts['red']}"
