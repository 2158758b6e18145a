"""Forms of the funding pages. Levels and dictionary values come from the user's jurisdiction; every rule is
checked again by the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yanglao.core.dictionaries import dictionary_choices

from . import selectors
from .streams import STREAMS

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


def money_field(label: Any, *, min_value: str = "0.01") -> forms.DecimalField:
    from decimal import Decimal

    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, min_value=Decimal(min_value),
                              widget=forms.TextInput(attrs=MONEY_ATTRS))


def year_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100,
                              initial=lambda: timezone.localdate().year,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class _LevelForm(forms.Form):
    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = selectors.levels_for(user)
        self.fields["division_code"].choices = levels
        if len(levels) == 1:
            self.fields["division_code"].initial = levels[0][0]
        for name, key in (("source", "funding_source"), ("purpose", "funding_purpose")):
            if name in self.fields:
                self.fields[name].choices = [("", "—")] + list(dictionary_choices(key, user))


class BudgetForm(_LevelForm):
    year = year_field()
    division_code = forms.ChoiceField(label=_("级次"))
    source = forms.ChoiceField(label=_("资金来源"))
    purpose = forms.ChoiceField(label=_("支出用途"))
    amount = money_field(_("预算金额（元）"))
    document_no = forms.CharField(label=_("预算批复文号"), max_length=64)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class SpendingForm(_LevelForm):
    paid_on = forms.DateField(label=_("支出日期"), widget=DATE)
    voucher_no = forms.CharField(label=_("凭证号"), max_length=64)
    division_code = forms.ChoiceField(label=_("级次"))
    source = forms.ChoiceField(label=_("资金来源"))
    purpose = forms.ChoiceField(label=_("支出用途"))
    amount = money_field(_("金额（元）"))
    payee = forms.CharField(label=_("收款单位"), max_length=128)
    summary = forms.CharField(label=_("摘要"), max_length=200, required=False)
    document_no = forms.CharField(label=_("拨付文号"), max_length=64, required=False)
    attachment = forms.FileField(label=_("凭证附件（PDF 或图片，可不传）"), required=False)


class LotteryForm(_LevelForm):
    year = year_field()
    division_code = forms.ChoiceField(label=_("级次"))
    received = money_field(_("当年福彩公益金总额（元，含本级留成和上级下达）"), min_value="0")
    document_no = forms.CharField(label=_("依据文号"), max_length=64, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("凭证附件（PDF 或图片）"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("支出明细表（.xlsx、.xls 或 .csv）"))


class SubmitForm(_LevelForm):
    year = year_field()
    division_code = forms.ChoiceField(label=_("级次"))


class StreamSourceForm(forms.Form):
    stream = forms.ChoiceField(label=_("平台内支出项目"), choices=[(s.key, s.label) for s in STREAMS])
    source = forms.ChoiceField(label=_("资金来源"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = list(dictionary_choices("funding_source", user))
