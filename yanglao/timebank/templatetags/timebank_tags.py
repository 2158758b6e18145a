from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def hm(minutes: Any) -> str:
    """Minutes as hours: 90 → 1小时30分, -60 → -1小时."""
    try:
        value = int(minutes or 0)
    except (TypeError, ValueError):
        return ""
    sign = "-" if value < 0 else ""
    h, m = divmod(abs(value), 60)
    if m:
        return sign + _("%(h)s小时%(m)s分") % {"h": f"{h:,}", "m": f"{m:02d}"}
    return sign + _("%(h)s小时") % {"h": f"{h:,}"}


@register.filter
def masked(name: str) -> str:
    from yanglao.timebank.selectors import mask_name

    return mask_name(name)
