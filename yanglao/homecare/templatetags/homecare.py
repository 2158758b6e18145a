"""{% load homecare %}: fen as yuan (¥1,234.50)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def fen(value: Any) -> str:
    """12345 → "¥123.45"."""
    try:
        amount = int(value or 0)
    except (TypeError, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount) / 100:,.2f}"


@register.filter
def pct(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}%"


@register.filter
def dict_label(code: Any, key: str) -> str:
    """`item.kind|dict_label:"homecare_item_kind"`: the label of a dictionary code ("" for none)."""
    from yanglao.core.dictionaries import dictionary_label

    return dictionary_label(key, str(code)) if code else ""


@register.filter
def weekday_cn(value: Any) -> str:
    return "星期" + "一二三四五六日"[int(value)] if value is not None else ""
