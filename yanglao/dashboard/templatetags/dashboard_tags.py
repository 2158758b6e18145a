from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def cell(c: Any) -> str:
    """One coloured figure with its source and note on hover (a tag, not an include: the board draws hundreds)."""
    title = f"{c.source} · {c.note}" if c.note else c.source
    return format_html('<span class="st st-{}" title="{}" data-status="{}">{}</span>', c.status, title, c.status, c.text)
