from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}
MONTH = {"widget": forms.DateInput(attrs={"type": "month"}, format="%Y-%m"), "input_formats": ["%Y-%m", "%Y-%m-%d"]}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    period = forms.DateField(label=_("报送月份"), **MONTH)
    reported_on = forms.DateField(label=_("报送日期"), **DATE)
    percent = forms.IntegerField(label=_("进度（%）"), min_value=0, max_value=100)
    text = forms.CharField(label=_("进展情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("附件（PDF、图片、文档或表格，最多 5 个）"), required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["period"].initial = today.replace(day=1)
        self.fields["reported_on"].initial = today


class ConsolidationForm(forms.Form):
    period = forms.DateField(label=_("汇总月份"), **MONTH)
    reported_on = forms.DateField(label=_("汇总日期"), **DATE)
    percent = forms.IntegerField(label=_("总体进度（%）"), min_value=0, max_value=100)
    completed = forms.BooleanField(label=_("时限目标已完成"), required=False)
    text = forms.CharField(label=_("汇总情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["period"].initial = today.replace(day=1)
        self.fields["reported_on"].initial = today


class ReviseForm(forms.Form):
    revised_due = forms.DateField(label=_("调整后时限（留空则恢复政策原定时限）"), required=False, **DATE)
    reason = forms.CharField(label=_("调整理由"), max_length=300, required=False)
