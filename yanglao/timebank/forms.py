"""Forms of the time bank console. Pickers for people and divisions; members chosen from the user's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yanglao.core.pickers import DivisionField
from yanglao.core.scope import restrict
from yanglao.people.pickers import PersonField

from .defaults import DIRECT_RELATIVES
from .models import Member, MemberKind, ServiceType, VerifiedBy


class MemberForm(forms.Form):
    kind = forms.ChoiceField(label=_("会员类型"), choices=MemberKind.choices)
    person = PersonField(label=_("老年人（服务对象从档案中选择）"), required=False)
    name = forms.CharField(label=_("姓名/名称（志愿者、团队、核实单位）"), max_length=64, required=False)
    id_number = forms.CharField(label=_("身份证号码（个人志愿者）"), max_length=20, required=False)
    division_code = DivisionField(label=_("所在村（社区）"), level=5, required=False)
    team = forms.ModelChoiceField(label=_("所属团队"), queryset=Member.objects.none(), required=False)
    training_done_on = forms.DateField(label=_("培训完成日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    training_hours = forms.IntegerField(label=_("培训学时"), min_value=0, max_value=999, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = restrict(Member.objects.filter(kind=MemberKind.TEAM), user)


class TrainingForm(forms.Form):
    on = forms.DateField(label=_("培训完成日期"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.IntegerField(label=_("培训学时"), min_value=1, max_value=999)


class RelativeForm(forms.Form):
    relative = forms.ModelChoiceField(label=_("亲属（须为时间银行会员）"), queryset=Member.objects.none())
    relation = forms.ChoiceField(label=_("关系（亲属是本人的）"), choices=[(r, r) for r in DIRECT_RELATIVES])
    document = forms.CharField(label=_("证明材料（户口簿、出生证明等）"), max_length=64)

    def __init__(self, *args: Any, user: Any = None, member: Member | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = restrict(Member.objects.filter(kind__in=[MemberKind.VOLUNTEER, MemberKind.ELDER]), user)
        self.fields["relative"].queryset = qs.exclude(pk=member.pk) if member else qs


class MinutesForm(forms.Form):
    hours = forms.IntegerField(label=_("小时"), min_value=0, max_value=1500, initial=1)
    minutes = forms.IntegerField(label=_("分钟"), min_value=0, max_value=59, initial=0, required=False)

    def total(self) -> int:
        return int(self.cleaned_data["hours"]) * 60 + int(self.cleaned_data.get("minutes") or 0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and int(data.get("hours") or 0) * 60 + int(data.get("minutes") or 0) <= 0:
            self.add_error("hours", _("时长应大于0"))
        return data


class GiftForm(MinutesForm):
    relative = forms.ModelChoiceField(label=_("赠与亲属"), queryset=Member.objects.none())

    def __init__(self, *args: Any, member: Member | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = member.relatives.values_list("relative_id", flat=True) if member else []
        self.fields["relative"].queryset = Member.objects.filter(pk__in=list(ids))
        self.order_fields(["relative", "hours", "minutes"])


class RequestForm(forms.Form):
    elder = forms.ModelChoiceField(label=_("服务对象"), queryset=Member.objects.none())
    service_type = forms.ChoiceField(label=_("服务项目"), choices=ServiceType.choices)
    scheduled_on = forms.DateField(label=_("预约日期"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("需求说明"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["elder"].queryset = restrict(Member.objects.filter(kind=MemberKind.ELDER, status="active"), user)


class TakeForm(forms.Form):
    volunteer = forms.ModelChoiceField(label=_("接单志愿者"), queryset=Member.objects.none())
    for_team = forms.BooleanField(label=_("计入其所属团队（团队时间只能捐赠）"), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = restrict(
            Member.objects.filter(kind=MemberKind.VOLUNTEER, status="active", identity_checked_on__isnull=False,
                                  training_done_on__isnull=False), user)


class DoneForm(forms.Form):
    minutes = forms.IntegerField(label=_("实际服务时长（分钟）"), min_value=1, max_value=720)


class VerifyForm(forms.Form):
    verified_by = forms.ChoiceField(label=_("确认方式"), choices=VerifiedBy.choices)
    verifier = forms.ModelChoiceField(label=_("核实单位（由单位确认时）"), queryset=Member.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["verifier"].queryset = restrict(Member.objects.filter(kind=MemberKind.ORGANISATION), user)


class ResolveForm(forms.Form):
    minutes = forms.IntegerField(label=_("认定时长（分钟，0 为不予存入）"), min_value=0, max_value=720)
