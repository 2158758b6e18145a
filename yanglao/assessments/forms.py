"""Forms of the assessment pages. The home-visit form is parsed by ``record_data`` (radios per item)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yanglao.core.models import Organisation, OrganisationKind, User
from yanglao.core.pickers import DivisionField
from yanglao.core.roles import Role
from yanglao.people.pickers import PersonField

from .choices import Reason, RequestedVia, Scale, Status
from .scale import ITEM_CODES, RISK_EVENTS

MAX_EVENT_COUNT = 9


class SearchForm(forms.Form):
    q = forms.CharField(label=_("姓名"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部")), ("to_record", _("待录入（已派单、评估中、已退回）"))]
                               + list(Status.choices))
    reason = forms.ChoiceField(label=_("评估原因"), required=False, choices=[("", _("全部"))] + list(Reason.choices))
    scale = forms.ChoiceField(label=_("评估标准"), required=False, choices=[("", _("全部"))] + list(Scale.choices))
    division = DivisionField(label=_("区划"), required=False)


class LevelFilterForm(forms.Form):
    division = DivisionField(label=_("区划"), required=False)


class RequestForm(forms.Form):
    person = PersonField(label=_("老年人"))
    reason = forms.ChoiceField(label=_("评估原因"), choices=Reason.choices)
    requested_via = forms.ChoiceField(label=_("申请途径"), choices=RequestedVia.choices, widget=forms.RadioSelect,
                                      initial=RequestedVia.STAFF)
    organisation = forms.ModelChoiceField(label=_("申请机构（养老机构提出时）"), required=False,
                                          queryset=Organisation.objects.filter(kind=OrganisationKind.INSTITUTION))
    note = forms.CharField(label=_("申请说明"), required=False, max_length=200)


class ScheduleForm(forms.Form):
    assessor_1 = forms.ModelChoiceField(label=_("评估员一"), queryset=User.objects.none())
    assessor_2 = forms.ModelChoiceField(label=_("评估员二"), queryset=User.objects.none())
    scheduled_on = forms.DateField(label=_("预约日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    place = forms.CharField(label=_("评估地点"), required=False, max_length=200)

    def __init__(self, *args: Any, division_code: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        prefixes = [division_code[:n] for n in (4, 6, 9) if division_code]
        assessors = User.objects.filter(role=Role.ASSESSOR, is_active=True, division_id__in=prefixes).order_by("pk")
        for name in ("assessor_1", "assessor_2"):
            self.fields[name].queryset = assessors
            self.fields[name].label_from_instance = lambda u: u.display_name


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx / .csv）"))


def record_data(post: Any) -> dict[str, Any]:
    """The home-visit form → the record service's input (radios ``item-B1.1``, counts ``risk-fall``)."""
    items: dict[str, int | None] = {}
    for code in ITEM_CODES:
        raw = post.get(f"item-{code}", "")
        items[code] = int(raw) if str(raw).strip().lstrip("-").isdigit() else None
    events: list[str] = []
    for event in RISK_EVENTS:
        raw = str(post.get(f"risk-{event.code}", "0")).strip()
        count = int(raw) if raw.isdigit() else 0
        events.extend([event.code] * min(count, MAX_EVENT_COUNT))
    diagnoses = [d for d in post.get("diagnoses", "").replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
                 if d.strip()]
    return {
        "items": {code: value for code, value in items.items() if value is not None},
        "coma": post.get("coma") in ("on", "1", "true"),
        "diagnoses": diagnoses,
        "psychiatrist_diagnosed": post.get("psychiatrist_diagnosed") in ("on", "1", "true"),
        "risk_events_30d": events,
    }
