"""{% load funding_tags %}: money as Chinese offices write it, shares in per cent."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def yuan(value: Any) -> str:
    """1234.5 → "¥1,234.50"; None → "—"."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    return f"{'-' if amount < 0 else ''}¥{abs(amount):,.2f}"


@register.filter
def wan(value: Any) -> str:
    """1234567.89 → "123.46" (万元, as budget tables are written)."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    return f"{amount / 10000:,.2f}"


@register.filter
def pct(value: Any) -> str:
    """A percentage Decimal (56.23) → "56.23%"; None → "—"."""
    amount = _decimal(value)
    return "—" if amount is None else f"{amount:.2f}%"


@register.filter
def level(code: Any) -> str:
    """A level's name: 市本级 for the city's own code, else the county's short name."""
    from yanglao.funding.selectors import level_name

    return level_name(str(code or ""))


@register.filter
def label(labels: dict, code: Any) -> str:
    """A dictionary label from a {code: label} map (the code itself when unknown)."""
    return labels.get(code, code) if isinstance(labels, dict) else str(code)
