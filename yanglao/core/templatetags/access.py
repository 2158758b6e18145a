"""Template side of core/links.py: show a link, button or action only to a user who may use it.

    {% load access %}
    {% if user|can:"people.import" %}…{% endif %}                 capability from the role table
    {% if user|may_open:"people:import" %}…{% endif %}            what the view behind a URL name needs
    {% link_if_allowed 'people:detail' p.pk text=p.name %}        a link, or the text alone
    {% link_if_allowed 'people:import' text=_("导入") css="btn btn-sm" hide=True %}   nothing at all
    {% allowed_url 'assessments:due' as due_url %}                "" when the user may not open it
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from yanglao.core.links import can_open, url_if_allowed

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    """`user|can:"people.import"`: the role table's answer (False for anonymous users)."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.can(capability))


@register.filter
def may_open(user: Any, target: str) -> bool:
    """`user|may_open:"people:import"` (a URL name without arguments) or `user|may_open:"/people/"`."""
    if not target.startswith("/"):
        try:
            target = reverse(target)
        except NoReverseMatch:
            return False
    return can_open(user, target)


@register.simple_tag(takes_context=True)
def allowed_url(context: template.Context, name: str, *args: Any) -> str:
    """The URL of `name` with `args`, or "" when the signed-in user may not open it."""
    return url_if_allowed(context.get("user"), name, *args)


@register.simple_tag(takes_context=True)
def link_if_allowed(context: template.Context, name: str, *args: Any, text: Any = "", css: str = "",
                    testid: str = "", query: str = "", hide: bool = False) -> SafeString:
    """A link to `name` if the user may open it; otherwise `text` as plain text (or nothing with hide)."""
    url = url_if_allowed(context.get("user"), name, *args)
    if not url:
        return mark_safe("") if hide else format_html("<span>{}</span>", text)
    if query:
        url = f"{url}?{query.lstrip('?')}"
    return format_html('<a href="{}"{}{}>{}</a>', url,
                       format_html(' class="{}"', css) if css else "",
                       format_html(' data-testid="{}"', testid) if testid else "", text)
