"""{% load homeadapt_tags %}: fen shown as offices write money, and category codes as names."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def fen(value: Any) -> str:
    """123450 → "¥1,234.50"."""
    try:
        amount = int(value or 0)
    except (TypeError, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount) / 100:,.2f}"


@register.filter
def category_names(codes: Any) -> str:
    from yanglao.core.dictionaries import dictionary_label

    return "、".join(dictionary_label("person_category", c) for c in (codes or []))


@register.filter
def overdue_days(loan: Any, today: Any) -> int:
    return int(loan.overdue_days(today))


@register.filter
def minus(value: Any, other: Any) -> int:
    return int(value or 0) - int(other or 0)
