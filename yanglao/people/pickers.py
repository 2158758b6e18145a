"""Picking an older person by search, never by record number.

    class ApplyForm(forms.Form):
        person = PersonField(label=_("老年人"))

    form = bind_pickers(ApplyForm(request.POST or None), request.user)
    form.cleaned_data["person"]  # a Person inside the user's jurisdiction

The widget is a search box (name, last four digits of the ID number + name, phone) that lists matches
from `GET /people/pick/?q=` as "黄秀英（尾号2318，78岁，北门社区）" (masked: never the full ID number or the
birth date) and submits the record id in a hidden input. Searches go through `selectors.search_people`,
so full-identifier searches stay audited and rate-limited. Whatever is typed without choosing is
searched on the server too: one match is taken, none or several keep the form with the reason (and the
matches) on the field; nothing ends on a 404 page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from yanglao.core.audit import audit_sensitive_list
from yanglao.core.divisions import division_short_name
from yanglao.core.errors import DomainError
from yanglao.core.pickers import Picked, PickerWidget
from yanglao.core.views import capability_required

from . import selectors
from .choices import Status
from .models import Person

PICK_LIMIT = 10


def person_label(person: Person) -> str:
    """黄秀英（尾号2318，78岁，北门社区）: enough to tell people apart, nothing that rebuilds an identifier."""
    parts = [f"尾号{person.id_last4}", f"{person.age}岁", division_short_name(person.division_code)]
    if person.status != Status.ACTIVE:
        parts.append(person.get_status_display())
    return f"{person.name}（{'，'.join(parts)}）"


def pick_people(user: Any, text: str, *, limit: int = PICK_LIMIT) -> list[Person]:
    """The people `text` finds inside the user's jurisdiction (merged records left out), in the search's
    order (a name: by name and community; otherwise by community), as selectors.search_order reads it.
    Raises DomainError (e.g. RateLimited for too many full-identifier searches)."""
    text = (text or "").strip()
    if not text:
        return []
    qs = selectors.search_people(user, {"q": text}).exclude(status=Status.MERGED)
    return list(selectors.order_search(qs, {"q": text})[:limit])


class PersonPicker(PickerWidget):
    template_name = "core/widgets/person_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.user: Any = None

    def _person(self, value: Any) -> Person | None:
        if isinstance(value, Person):
            return value
        text = str(value or "")
        if not text.isdigit() or self.user is None:
            return None
        return selectors.people_for(self.user).filter(pk=int(text)).first()

    @staticmethod
    def _typed(value: Any) -> str:
        """What the user typed, shown again; a record id that found nobody is not shown back."""
        if value is None or isinstance(value, (Picked, int)):
            return ""
        text = str(value)
        return "" if text.isdigit() and len(text) < 7 else text

    def label_for(self, value: str) -> str:
        person = self._person(value)
        return person_label(person) if person else ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        person = self._person(value)
        context["widget"].update({
            "person_id": person.pk if person else "",
            "text": person_label(person) if person else self._typed(value),
            "candidates": self.candidates,
            "url": reverse("people:pick"),
        })
        return context


class PersonField(forms.Field):
    """An older person chosen by search within the user's jurisdiction; cleans to the Person."""

    widget = PersonPicker
    default_error_messages = {"required": "请输入姓名、身份证后四位+姓名或电话，并从列表中选择老年人"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user: Any = None

    def bind(self, user: Any) -> None:
        self.user = user
        self.widget.user = user

    def prepare_value(self, value: Any) -> Any:
        return value.pk if isinstance(value, Person) else value

    def clean(self, value: Any) -> Person | None:
        value = super().clean(value)
        if value in (None, ""):
            return None
        if isinstance(value, Person):
            return value
        text = str(value).strip()
        if self.user is None:
            raise forms.ValidationError("无法确定您的管辖范围")
        if isinstance(value, Picked) and text.isdigit():  # the record id the picker submits for the person chosen
            person = selectors.people_for(self.user).filter(pk=int(text)).exclude(status=Status.MERGED).first()
            if person is None:
                raise forms.ValidationError("所选老年人不存在或不在您的管辖范围内，请重新搜索选择")
            return person
        try:
            found = pick_people(self.user, text, limit=PICK_LIMIT + 1)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        if len(found) == 1:
            return found[0]
        if not found:
            raise forms.ValidationError(f"在您的管辖范围内没有找到“{text}”，请输入姓名、身份证后四位+姓名（如 2318黄秀英）或电话")
        self.widget.candidates = [{"id": p.pk, "label": person_label(p)} for p in found[:PICK_LIMIT]]
        more = "以上" if len(found) > PICK_LIMIT else ""
        raise forms.ValidationError(
            f"“{text}”找到 {min(len(found), PICK_LIMIT)} 位{more}老年人，请从列表中选择一位，或输入身份证后四位+姓名")


@capability_required("people.view")
def person_pick(request: HttpRequest) -> JsonResponse:
    """`?q=<name | last four + name | phone | ID number>` → [{id, label}] (at most 10) inside the user's
    jurisdiction; the list is audited as a view of the people it shows."""
    try:
        people = pick_people(request.user, request.GET.get("q", "")[:40])
    except DomainError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": exc.message, "details": None}}, status=exc.status)
    audit_sensitive_list(Person, ids=[p.pk for p in people], fields=["name", "id_last4", "age", "division_code"],
                         division_code=request.user.scope_prefix or "")
    return JsonResponse([{"id": p.pk, "label": person_label(p)} for p in people], safe=False)
