from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def fen(amount: Any) -> str:
    """Integer fen as ¥1,234.50."""
    try:
        value = int(amount or 0)
    except (TypeError, ValueError):
        return ""
    return f"¥{value // 100:,}.{value % 100:02d}"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key, 0) if hasattr(mapping, "get") else 0
