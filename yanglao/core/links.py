"""Links that do not lie: a page, menu entry or button shows a link only if its view would open.

The capability table decides both. A view declares what it needs with
``core.views.capability_required("people.import")``, which keeps the capability on the view
(``required_capability``); these helpers resolve a URL (or URL name) to its view and ask the user's
role before the link is drawn. Views still check: hiding a link is a courtesy, not the control.

In templates (``{% load access %}``)::

    {% if user|can:"people.import" %} … {% endif %}
    {% if user|may_open:"people:import" %}<a href="{% url 'people:import' %}">导入</a>{% endif %}
    {% link_if_allowed 'people:detail' p.pk text=p.name %}   {# a link, or the name as plain text #}
    {% allowed_url 'assessments:due' as due_url %}{% if due_url %}<a href="{{ due_url }}">…</a>{% endif %}
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.urls import NoReverseMatch, Resolver404, resolve, reverse


@lru_cache(maxsize=2048)
def _capability_of_path(path: str) -> tuple[bool, str | None]:
    """(resolves, capability the view requires or None) for a path. Paths repeat (menus), so cached."""
    try:
        match = resolve(path)
    except Resolver404:
        return False, None
    return True, getattr(match.func, "required_capability", None)


def required_capability(url: str) -> str | None:
    """The capability the view behind `url` (a path, with or without a query) requires, if any."""
    return _capability_of_path(urlsplit(url).path)[1]


def can_open(user: Any, url: str) -> bool:
    """Would the page at `url` (a path on this site) open for `user`, as far as its capability goes?
    A path that resolves to no view is not a link to draw."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    resolves, capability = _capability_of_path(urlsplit(url).path)
    return resolves and (capability is None or user.can(capability))


def url_if_allowed(user: Any, name: str, *args: Any, **kwargs: Any) -> str:
    """`reverse(name, args)` if `user` may open it, else "" (also when the name does not reverse)."""
    try:
        url = reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""
    return url if can_open(user, url) else ""
