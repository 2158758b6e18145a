"""Small filters of the public portal: stars, money in yuan as offices write it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def stars(level: Any) -> str:
    try:
        n = int(level or 0)
    except (TypeError, ValueError):
        return ""
    return "★" * n + "☆" * (5 - n) if n else ""


@register.filter
def yuan(value: Any) -> str:
    """Decimal("2800.00") → "2,800"; Decimal("12.5") → "12.50"."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
