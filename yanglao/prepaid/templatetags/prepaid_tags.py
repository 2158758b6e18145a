"""{% load prepaid_tags %}: money as Chinese offices write it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """1234.5 → "¥1,234.50"; None → "—"."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


@register.filter
def month_cn(value: Any) -> str:
    return f"{value.year}年{value.month}月" if value else ""
