"""The workbench's to-do list (待办): what waits for this person, how much, since when.

Modules register their own to-dos from ``AppConfig.ready`` (the core knows none of them)::

    register_todo("assessments.review", _("待审核评估"), assessments_to_review,
                  capability="assessments.review")

The function takes the user and returns a ``TodoItem`` (a count from one cheap, scoped COUNT query,
the page that lists those items, the date the oldest one has waited since, whether any is overdue)
or ``None``. It is called only for users holding every capability given, which must include the one
the linked page requires; ``todo_list`` checks the link once more against the view's own capability
(``core.views.capability_required`` marks it), so the list never shows a link that answers 403.

Panels (``register_workbench_panel``) let a module put its own block on the workbench for the roles
that need one (the assessor's visits of today and this week).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TodoItem:
    count: int
    link: str  # a page the user may open, listing these items
    oldest: dt.date | dt.datetime | None = None  # since when the oldest item waits (等待最久)
    urgent: bool = False  # something is overdue: shown in red, listed first
    note: str = ""  # a short explanation beside the count, e.g. "其中 3 项已逾期"
    oldest_label: Any = None  # how to say the wait, with %(days)s (default "等待最久 %(days)s 天")


@dataclass(frozen=True)
class Todo:
    key: str
    label: Any
    item: TodoItem

    @property
    def waiting_days(self) -> int | None:
        oldest = self.item.oldest
        if oldest is None:
            return None
        day = timezone.localtime(oldest).date() if isinstance(oldest, dt.datetime) else oldest
        days = (timezone.localdate() - day).days
        return days if days >= 0 else None  # a date still to come (an appointment) is not a wait

    @property
    def waiting_text(self) -> str:
        days = self.waiting_days
        if days is None:
            return ""
        if days == 0:
            return str(_("今天新到"))
        return str(self.item.oldest_label or _("等待最久 %(days)s 天")) % {"days": days}


TodoFunc = Callable[[Any], TodoItem | None]


@dataclass(frozen=True)
class _Registration:
    label: Any
    func: TodoFunc
    capabilities: tuple[str, ...]
    roles: frozenset[str] | None


TODOS: dict[str, _Registration] = {}


def _caps(capability: str | Iterable[str] | None) -> tuple[str, ...]:
    if capability is None:
        return ()
    return (capability,) if isinstance(capability, str) else tuple(capability)


def register_todo(key: str, label: Any, func: TodoFunc, *, capability: str | Iterable[str] | None = None,
                  roles: Iterable[str] | None = None) -> None:
    """Add a to-do to the workbench of users holding every ``capability`` (and, if given, of ``roles`` only)."""
    TODOS[key] = _Registration(label, func, _caps(capability), frozenset(roles) if roles is not None else None)


def _applies(user: Any, capabilities: tuple[str, ...], roles: frozenset[str] | None) -> bool:
    if roles is not None and getattr(user, "role", None) not in roles:
        return False
    return all(user.can(c) for c in capabilities)


def link_allowed(user: Any, url: str) -> bool:
    """Would the page at ``url`` open for ``user``? The one rule the menus and links use too."""
    from .links import can_open

    return can_open(user, url)


def todo_list(user: Any) -> list[Todo]:
    """The user's to-dos with something waiting: overdue ones first, then in registration order."""
    found: list[Todo] = []
    for key, reg in TODOS.items():
        if not _applies(user, reg.capabilities, reg.roles):
            continue
        item = reg.func(user)
        if item is None or item.count <= 0:
            continue
        if not link_allowed(user, item.link):
            log.warning("to-do %s links to %s, which %s may not open: left out", key, item.link, user)
            continue
        found.append(Todo(key, reg.label, item))
    return sorted(found, key=lambda t: not t.item.urgent)


# --------------------------------------------------------------------------- workbench panels

PanelFunc = Callable[[Any], dict[str, Any] | None]


@dataclass(frozen=True)
class _Panel:
    template: str
    func: PanelFunc
    capabilities: tuple[str, ...]
    roles: frozenset[str] | None


PANELS: dict[str, _Panel] = {}


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: dict[str, Any]


def register_workbench_panel(key: str, template: str, func: PanelFunc, *,
                             capability: str | Iterable[str] | None = None, roles: Iterable[str] | None = None) -> None:
    """A block of its own on the workbench: ``template`` rendered with ``func(user)`` (skipped when None)."""
    PANELS[key] = _Panel(template, func, _caps(capability), frozenset(roles) if roles is not None else None)


def workbench_panels(user: Any) -> list[Panel]:
    panels = []
    for key, reg in PANELS.items():
        if _applies(user, reg.capabilities, reg.roles):
            context = reg.func(user)
            if context is not None:
                panels.append(Panel(key, reg.template, context))
    return panels
