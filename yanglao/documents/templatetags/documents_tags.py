"""``{% print_button "assessments.report" a %}``: the print button of a document kind for a record, drawn
only for a user holding the kind's capability (and the reveal variant for a role that may reveal)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from yanglao.documents.registry import _KINDS

register = template.Library()


@register.inclusion_tag("documents/_print_button.html", takes_context=True)
def print_button(context: dict[str, Any], kind: str, record: Any, label: str = "") -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    entry = _KINDS.get(kind)
    show = bool(entry and user is not None and user.is_authenticated and user.can(entry.capability)
                and user.can("documents.view"))
    return {
        "show": show, "kind": kind, "label": label or (f"打印{entry.title}" if entry else ""),
        "action": reverse("documents:print", args=[kind, record.pk]) if show else "",
        "next": request.get_full_path() if request else "",
        "reveal": show and bool(entry.reveal_capability) and user.can(entry.reveal_capability),
        "csrf_token": context.get("csrf_token"),
    }
