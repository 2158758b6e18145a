"""The workbench's to-dos: reported years waiting for the city's approval, returned years waiting for the level."""

from __future__ import annotations

from typing import Any

from django.db.models import Min
from django.urls import reverse

from yanglao.core.todos import TodoItem

from .models import YearStatus
from .selectors import years_for


def todo_submitted(user: Any) -> TodoItem | None:
    qs = years_for(user).filter(status=YearStatus.SUBMITTED)
    n = qs.count()
    if not n:
        return None
    oldest = qs.aggregate(m=Min("submitted_at"))["m"]
    return TodoItem(count=n, link=reverse("funding:years") + "?status=submitted", oldest=oldest)


def todo_returned(user: Any) -> TodoItem | None:
    qs = years_for(user).filter(status=YearStatus.RETURNED)
    n = qs.count()
    if not n:
        return None
    return TodoItem(count=n, link=reverse("funding:years") + "?status=returned",
                    oldest=qs.aggregate(m=Min("updated_at"))["m"])
