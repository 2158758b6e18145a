"""`{{ code|division_name }}` shows a division's name (北门社区) where lists used to show its code;
`{{ code|division_title }}` gives the full statistical name and code for the hover title.
Both read the process-level code → name index (core.divisions.division_index): no query per row."""

from __future__ import annotations

from django import template

from yanglao.core.divisions import division_full_name, division_path, division_short_name

register = template.Library()


@register.filter
def division_name(code: str | None) -> str:
    return division_short_name(str(code or ""))


@register.filter
def division_title(code: str | None) -> str:
    code = str(code or "")
    return f"{division_full_name(code)} {code}".strip() if code else ""


@register.filter
def division_path_label(code: str | None) -> str:
    return division_path(str(code or ""))
