"""Certificates expiring within 30 days (or expired, or no health certificate) on the workbench."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from yanglao.core.todos import TodoItem

from .selectors import expiring


def todo_expiring(user: Any) -> TodoItem | None:
    n = expiring(user).count()
    if not n:
        return None
    return TodoItem(count=n, link=f"{reverse('workforce:caregivers')}?expiring=1", note=_("技能证书或健康证明到期、缺失"))
