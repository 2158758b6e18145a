"""Selection on lists for bulk actions (core/bulkactions.py).

    {% load bulk %}{% bulk_for "assessments.due" page as bulk %}
    <thead><tr>{% if bulk %}<th>{% bulk_head bulk %}</th>{% endif %}…
    <tbody>{% for a in page %}<tr>{% if bulk %}<td>{% bulk_check bulk a.pk %}</td>{% endif %}…
    {% include "core/_bulk_bar.html" %}

``bulk`` is None for a user who may use none of the list's actions: no checkboxes, no bar.
The checkboxes belong to the bar's form by their ``form`` attribute, so a list may keep its own per-row forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from yanglao.core.bulkactions import BulkAction, bulk_list

register = template.Library()


@dataclass
class BulkContext:
    key: str
    form_id: str
    actions: list[BulkAction]
    query: str
    count: int
    approximate: bool
    page_count: int


@register.simple_tag(takes_context=True)
def bulk_for(context: Any, key: str, page: Any) -> BulkContext | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    blist = bulk_list(key)
    if blist is None or user is None or not getattr(user, "is_authenticated", False):
        return None
    actions = blist.actions_for(user)
    if not actions:
        return None
    return BulkContext(key=key, form_id="bulk-" + key.replace(".", "-"), actions=actions,
                       query=getattr(page, "query", ""), count=getattr(page, "count", 0),
                       approximate=getattr(page, "approximate", False), page_count=len(page) if page else 0)


@register.simple_tag
def bulk_head(bulk: BulkContext) -> SafeString:
    return format_html('<input type="checkbox" class="form-check-input" data-bulk-all="{}" aria-label="{}" '
                       'title="{}" data-testid="bulk-page">', bulk.form_id, _("选择本页"), _("选择本页"))


@register.simple_tag
def bulk_check(bulk: BulkContext, pk: Any) -> SafeString:
    return format_html('<input type="checkbox" class="form-check-input" name="ids" value="{}" form="{}" '
                       'aria-label="{}" data-bulk-row>', pk, bulk.form_id, _("选择"))
