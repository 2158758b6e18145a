"""{% load benefits %}: money as Chinese offices write it, and a person's payments card."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """1234.5 → "¥1,234.50"."""
    try:
        amount = Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


@register.filter
def month_cn(value: Any) -> str:
    return f"{value.year}年{value.month}月" if value else ""


@register.inclusion_tag("benefits/_payments_card.html", takes_context=True)
def payments_card(context: template.Context, person: Any) -> dict[str, Any]:
    from ..selectors import person_payments

    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = bool(user and user.is_authenticated and user.can("benefits.view"))
    account = getattr(person, "bank_account", None) if allowed and hasattr(person, "bank_account") else None
    return {"person": person, "allowed": allowed, "lines": person_payments(user, person.pk) if allowed else [],
            "account": account}


@register.filter
def category_labels(codes: Any) -> str:
    """["tekun", "dibao"] → "特困供养、低保"."""
    from yanglao.people.choices import Category

    labels = dict(Category.choices)
    return "、".join(str(labels.get(c, c)) for c in (codes or []))
