from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yanglao.core.pickers import DivisionField

from .indicators import INDICATORS


class ManualEntryForm(forms.Form):
    indicator = forms.ChoiceField(label=_("指标"))
    division_code = DivisionField(label=_("区划（市、县或乡镇）"))
    value = forms.DecimalField(label=_("数值"), max_digits=14, decimal_places=4, min_value=0,
                               help_text=_("百分比填0–100；“是/否”类填1（是）或0（否）；数量填个数"))
    as_of = forms.DateField(label=_("数据日期"), widget=forms.DateInput(attrs={"type": "date"}))
    source_document = forms.CharField(label=_("来源文件"), max_length=200,
                                      help_text=_("如：阳江市民政局《2026年养老服务统计年报》"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(i.key, str(i.label)) for i in INDICATORS]
