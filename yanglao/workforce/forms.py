from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yanglao.core.scope import restrict
from yanglao.institutions.models import Institution

from .models import Caregiver, CaregiverRole, CourseKind, SkillLevel

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class CertificateForm(forms.Form):
    skill_level = forms.TypedChoiceField(label=_("职业技能等级"), choices=SkillLevel.choices, coerce=int, initial=0)
    certificate_no = forms.CharField(label=_("职业技能等级证书编号"), max_length=40, required=False)
    certificate_issued_on = forms.DateField(label=_("发证日期"), required=False, **DATE)
    certificate_expires_on = forms.DateField(label=_("证书有效期至"), required=False, **DATE)
    health_cert_no = forms.CharField(label=_("健康证明编号"), max_length=40, required=False)
    health_cert_expires_on = forms.DateField(label=_("健康证明有效期至"), required=False, **DATE)


class CaregiverForm(CertificateForm):
    name = forms.CharField(label=_("姓名"), max_length=32)
    id_number = forms.CharField(label=_("身份证号码"), max_length=20)
    role = forms.ChoiceField(label=_("岗位"), choices=CaregiverRole.choices)
    institution = forms.ModelChoiceField(label=_("所在养老机构"), queryset=Institution.objects.none())
    employed_since = forms.DateField(label=_("入职日期"), **DATE)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = restrict(Institution.objects.all(), user).order_by("name")
        self.order_fields(["name", "id_number", "role", "institution", "employed_since"])


class CourseForm(forms.Form):
    title = forms.CharField(label=_("培训班名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类别"), choices=CourseKind.choices)
    provider = forms.CharField(label=_("培训机构"), max_length=100)
    starts_on = forms.DateField(label=_("开班日期"), **DATE)
    ends_on = forms.DateField(label=_("结业日期"), **DATE)
    hours = forms.IntegerField(label=_("学时"), min_value=1, max_value=2000)
    places = forms.IntegerField(label=_("计划人数"), min_value=1, max_value=5000)


class AttendanceForm(forms.Form):
    caregiver = forms.ModelChoiceField(label=_("学员"), queryset=Caregiver.objects.none())
    completed = forms.BooleanField(label=_("完成培训"), required=False)
    passed = forms.BooleanField(label=_("考核合格"), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caregiver"].queryset = restrict(Caregiver.objects.filter(status="employed"), user)


class LeaveForm(forms.Form):
    on = forms.DateField(label=_("离职日期"), **DATE)
