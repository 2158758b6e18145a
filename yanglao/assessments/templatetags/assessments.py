"""``{% care_level_card person %}``: the person's care level on their record, with the history."""

from __future__ import annotations

from typing import Any

from django import template

from yanglao.core.audit import audit_sensitive_view

from .. import selectors

register = template.Library()


@register.inclusion_tag("assessments/_care_level_card.html", takes_context=True)
def care_level_card(context: dict[str, Any], person: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    care = selectors.care_level_for(person.pk)
    audit_sensitive_view(person, fields=["care_level"])
    return {
        "person": person,
        "care": care,
        "history": list(selectors.results_history(person)[:20]),
        "open": selectors.open_assessment(person),
        "can_request": bool(user and user.can("assessments.request")),
        "can_view": bool(user and user.can("assessments.view")),
    }
