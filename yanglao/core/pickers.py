"""Picking a division by name: one form field, one widget, one JSON endpoint.

    class MyForm(forms.Form):
        division_code = DivisionField(label=_("居住社区"), level=DivisionLevel.COMMUNITY)

    form = bind_pickers(MyForm(request.POST or None), request.user)
    form.cleaned_data["division_code"]  # "441702001001"

The widget is a search box (type "北门") plus a cascading county → township → community choice, both
limited to the user's jurisdiction and filled by `GET /divisions/pick/?parent=<code>` or `?q=<text>`
(static/yanglao/pickers.js; no inline script). Whatever is typed, a name or a code as offices write it,
is resolved on the server by `core.divisions.resolve_division` within the user's jurisdiction; a wrong
or ambiguous text keeps the form and says why on the field, with the candidates.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .divisions import (
    core_name,
    division_choice,
    division_index,
    division_short_name,
    normalise_code,
    normalise_text,
    resolve_division,
)
from .errors import ValidationFailed
from .models import Division, DivisionLevel
from .scope import restrict

PICK_LIMIT = 20


class Picked(str):
    """A value the user chose from a picker's list (the hidden input), as opposed to text they typed."""


class PickerWidget(forms.Widget):
    """A visible search box `<name>_text` and a hidden `<name>` holding the chosen value. The typed text
    wins when it no longer shows the chosen value's label (the user typed something else)."""

    is_picker = True
    template_name = ""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.root = ""
        self.candidates: list[dict[str, Any]] = []

    def label_for(self, value: str) -> str:
        raise NotImplementedError

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str | None:
        chosen = (data.get(name) or "").strip()
        if f"{name}_text" not in data:  # an API-like post of the value alone
            return Picked(chosen) if chosen else None
        text = (data.get(f"{name}_text") or "").strip()
        if chosen and text and text == self.label_for(chosen):
            return Picked(chosen)
        return text or None

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_text" not in data

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308


class DivisionPicker(PickerWidget):
    template_name = "core/widgets/division_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None, *, level: int | None = None) -> None:
        super().__init__(attrs)
        self.level = level

    def label_for(self, value: str) -> str:
        return division_short_name(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        value = "" if value is None else str(value)
        known = value in division_index().names
        widget = context["widget"]
        widget.update({
            "code": value if known else "",
            "text": division_short_name(value) if known else value,
            "path": division_choice(value)["path"] if known else "",
            "root": self.root,
            "root_name": division_short_name(self.root) if self.root else "",
            "level": self.level or "",
            "level_label": DivisionLevel(self.level).label if self.level else "",
            "candidates": self.candidates,
            "url": reverse("core:division_pick"),
        })
        return context


class DivisionField(forms.CharField):
    """A division chosen by name or code within the user's jurisdiction; cleans to its code ("" when empty)."""

    widget = DivisionPicker

    def __init__(self, *, level: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.level = level
        self.within: str | None = None
        self.widget = DivisionPicker(level=level)

    def bind(self, user: Any) -> None:
        self.within = getattr(user, "scope_prefix", None)
        self.widget.root = self.within or ""

    def clean(self, value: Any) -> str:
        if self.disabled:  # shown, not submitted: the record's own value stands
            return "" if value is None else str(value)
        text = self.to_python(value)
        self.validate(text)
        if not text:
            return ""
        try:
            code = resolve_division(text, within=self.within, level=self.level).code
        except ValidationFailed as exc:
            self.widget.candidates = (exc.details or {}).get("candidates", []) if isinstance(exc.details, dict) else []
            raise forms.ValidationError(exc.message, code="division") from exc
        self.run_validators(code)  # validators (a form's own rules) see the code, not the typed text
        return code


def bind_pickers(form: forms.BaseForm, user: Any) -> Any:
    """Tell the form's pickers who is choosing (their jurisdiction limits what they may choose)."""
    for field in form.fields.values():
        bind = getattr(field, "bind", None)
        if callable(bind):
            bind(user)
    return form


@login_required
def division_pick(request: HttpRequest) -> JsonResponse:
    """`?parent=<code>`: the children of a division, `?q=<text>`: divisions whose name holds the text
    (or whose code starts with it), `?level=<n>` keeps one level; always inside the user's jurisdiction.
    Answers [{code, name, full_name, path, level}]."""
    base = restrict(Division.objects.all(), request.user)
    parent = (request.GET.get("parent") or "").strip()
    q = normalise_text(request.GET.get("q") or "")[:40]
    level = request.GET.get("level") or ""
    if parent:
        qs = base.filter(parent_id=normalise_code(parent) or parent)
    elif q:
        qs = base.filter(code__startswith=normalise_code(q) or q) if q.isdigit() else base.filter(name__contains=core_name(q))
        qs = qs.order_by("level", "code")
    else:
        qs = base.filter(code=getattr(request.user, "scope_prefix", None) or "")
    if level.isdigit():
        qs = qs.filter(level=int(level))
    codes = list(qs.values_list("code", flat=True)[:PICK_LIMIT])
    return JsonResponse([division_choice(c) for c in codes], safe=False)
