"""Forms of the prepaid-fee pages. Choices come from the user's scope; money is checked again by services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yanglao.core.models import User
from yanglao.core.pickers import DivisionField
from yanglao.core.roles import Role
from yanglao.core.scope import restrict

from .choices import Direction, FeeKind, RuleAction, RuleKind
from .models import PrepaidHome

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


def money_field(label: Any, *, required: bool = True, min_value: int = 0) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, min_value=min_value, required=required,
                              widget=forms.TextInput(attrs=MONEY_ATTRS))


class HomeFileForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("养老机构"), queryset=None)  # type: ignore[arg-type]
    custody_bank = forms.CharField(label=_("存管银行（商业银行网点）"), max_length=64)
    custody_account = forms.CharField(label=_("存管账号"), max_length=40)
    custody_agreement_no = forms.CharField(label=_("存管协议编号"), max_length=64, required=False)
    risk_reserve = money_field(_("风险保证金（元）"))
    net_fixed_assets = money_field(_("净固定资产（元，按当地规定申报）"), required=False)
    filed_on = forms.DateField(label=_("备案日期"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args: Any, user: Any = None, home: PrepaidHome | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from yanglao.institutions.models import Institution

        qs = restrict(Institution.objects.all(), user)
        if home is not None:
            qs = qs.filter(pk=home.institution_id)
            self.fields["institution"].disabled = True
        else:
            qs = qs.filter(prepaid__isnull=True)
        self.fields["institution"].queryset = qs.order_by("division_code", "name")


class AccountForm(forms.Form):
    person = forms.ModelChoiceField(label=_("在住老年人"), queryset=None)  # type: ignore[arg-type]
    contract_no = forms.CharField(label=_("服务合同编号"), max_length=64, required=False)
    monthly_bed = money_field(_("月床位费（元）"), min_value=1)
    monthly_care = money_field(_("月照料护理费（元）"), required=False)
    monthly_meal = money_field(_("月餐费（元）"), required=False)
    refund_term_days = forms.IntegerField(label=_("约定退费期限（天）"), min_value=1, max_value=365, initial=30)
    opened_on = forms.DateField(label=_("开户日期"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args: Any, home: PrepaidHome, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from yanglao.people.models import Person

        self.fields["person"].queryset = (Person.objects.filter(
            residencies__institution_id=home.institution_id, residencies__discharged_on__isnull=True)
            .exclude(prepaid_accounts__home=home).order_by("name"))
        self.fields["person"].label_from_instance = lambda p: f"{p.name}（{p.age}岁）"


class EntryForm(forms.Form):
    direction = forms.ChoiceField(label=_("收支"), choices=Direction.choices)
    kind = forms.ChoiceField(label=_("收费类型"), choices=FeeKind.choices)
    amount = money_field(_("金额（元）"), min_value=0)
    on = forms.DateField(label=_("日期"), widget=DATE, initial=timezone.localdate)
    receipt_no = forms.CharField(label=_("收据/凭证号"), max_length=64)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


def recent_months(n: int = 12) -> list[tuple[str, str]]:
    month = timezone.localdate().replace(day=1)
    out = []
    for _i in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        out.append((month.isoformat(), f"{month.year}年{month.month}月"))
    return out


class ReportForm(forms.Form):
    month = forms.ChoiceField(label=_("月份"), choices=())
    reported_balance = money_field(_("月末存管账户余额（元）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = recent_months()

    def clean_month(self) -> dt.date:
        return dt.date.fromisoformat(self.cleaned_data["month"])


class StatementForm(forms.Form):
    file = forms.FileField(label=_("存管银行对账单（.xlsx / .csv）"))
    home = forms.ModelChoiceField(label=_("仅限一家机构的对账单（可不选）"), queryset=None, required=False,  # type: ignore[arg-type]
                                  empty_label=_("辖区内各机构"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home"].queryset = restrict(PrepaidHome.objects.select_related("institution"), user)


class RuleForm(forms.Form):
    AREAS = [("province", _("全省（省级文件）")), ("city", _("本市")), ("county", _("指定县（市、区）"))]
    kind = forms.ChoiceField(label=_("限额类型"), choices=RuleKind.choices)
    area = forms.ChoiceField(label=_("适用范围"), choices=AREAS)
    county = DivisionField(label=_("县（市、区）"), level=3, required=False)
    value = forms.DecimalField(label=_("限额数值（月数或倍数；会员费规则填0）"), max_digits=8, decimal_places=2, min_value=0)
    action = forms.ChoiceField(label=_("超限处理"), choices=RuleAction.choices)
    valid_from = forms.DateField(label=_("起始日期"), widget=DATE)
    valid_to = forms.DateField(label=_("终止日期（可不填）"), widget=DATE, required=False)
    source = forms.CharField(label=_("依据文件（名称和文号）"), max_length=200)
    source_text = forms.CharField(label=_("依据条文"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def division_for(self, user: Any) -> str:
        area = self.cleaned_data["area"]
        prefix = user.scope_prefix or ""
        if area == "province":
            return prefix[:2]
        if area == "city":
            return prefix[:4]
        return self.cleaned_data.get("county") or prefix


class ClosureForm(forms.Form):
    announced_on = forms.DateField(label=_("公告日期"), widget=DATE, initial=timezone.localdate)
    closing_on = forms.DateField(label=_("拟停业日期（应至少提前30日告知）"), widget=DATE)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("承办人"), queryset=None)  # type: ignore[arg-type]

    def __init__(self, *args: Any, division_code: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        county = division_code[:6]
        self.fields["assignee"].queryset = User.objects.filter(
            is_active=True, role__in=[Role.COUNTY_STAFF, Role.CITY_ADMIN]).filter(
            division_id__in=[county, county[:4]]).order_by("role", "username")
        self.fields["assignee"].label_from_instance = lambda u: f"{u.real_name or u.username}（{u.get_role_display()}）"


class RefundPayForm(forms.Form):
    paid_on = forms.DateField(label=_("退还日期"), widget=DATE, initial=timezone.localdate)
    receipt_no = forms.CharField(label=_("退款凭证号"), max_length=60)


class LeaveForm(forms.Form):
    on = forms.DateField(label=_("离院日期"), widget=DATE, initial=timezone.localdate)
