"""Form pieces that read the code lists (字典) at the moment a form is built, for the signed-in account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join

from .dictionaries import dictionary_choices


def _current_prefix() -> str | None:
    """The signed-in account's jurisdiction (from the request's audit actor), so that a form built without
    the user at hand still offers a county's own values only in that county."""
    from .audit import current_actor
    from .models import User

    actor = current_actor()
    if actor.user_id is None:
        return None
    user = User.objects.filter(pk=actor.user_id).select_related("division").first()
    return user.scope_prefix if user is not None else None


def dictionary_field_choices(key: str, *, blank: Any = None) -> Callable[[], list[tuple[str, Any]]]:
    """`choices=` for a ChoiceField: the dictionary's active values, read each time a form is built."""

    def choices() -> list[tuple[str, Any]]:
        prefix = _current_prefix()
        rows: list[tuple[str, Any]] = dictionary_choices(key, division_code=None) if prefix is None else \
            dictionary_choices(key, _PrefixOnly(prefix))  # type: ignore[arg-type]
        return ([("", blank)] if blank is not None else []) + rows

    return choices


class _PrefixOnly:
    """Stands in for the account in dictionary_choices (which reads only its scope_prefix)."""

    def __init__(self, prefix: str) -> None:
        self.scope_prefix = prefix


class DictionaryDatalistInput(forms.TextInput):
    """Free text with the dictionary's labels as suggestions (<datalist>): relation stays free text."""

    is_datalist = True

    def __init__(self, key: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"class": "form-control", **(attrs or {})})
        self.key = key

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        list_id = f"dl-{self.key}-{name}"
        attrs = {**(attrs or {}), "list": list_id, "autocomplete": "off"}
        prefix = _current_prefix()
        options = dictionary_choices(self.key, _PrefixOnly(prefix)) if prefix else dictionary_choices(self.key)  # type: ignore[arg-type]
        datalist = format_html('<datalist id="{}" data-testid="{}">{}</datalist>', list_id, list_id,
                               format_html_join("", '<option value="{}"></option>', ((label,) for _code, label in options)))
        return format_html("{}{}", super().render(name, value, attrs, renderer), datalist)
