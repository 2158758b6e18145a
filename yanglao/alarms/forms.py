"""Forms of the alarms pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yanglao.core.formsizes import sized_from
from yanglao.people.pickers import PersonField

from .choices import DeviceKind, Outcome, ResponderKind


@sized_from("alarms.Device")
class DeviceForm(forms.Form):
    person = PersonField(label=_("老年人"))
    kind = forms.ChoiceField(label=_("设备类型"), choices=DeviceKind.choices)
    code = forms.CharField(label=_("设备编号"), help_text=_("设备机身或包装上的序列号"))
    address = forms.CharField(label=_("安装地址"), required=False, help_text=_("不填则取档案中的居住地址"))
    installed_on = forms.DateField(label=_("安装日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("备注"), required=False)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if not code.replace("-", "").replace("_", "").isalnum() or not code.isascii():
            raise forms.ValidationError(_("设备编号只能包含字母、数字、“-”和“_”"))
        return code

    def clean_installed_on(self):  # type: ignore[no-untyped-def]
        from django.utils import timezone

        day = self.cleaned_data.get("installed_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("安装日期不能晚于今天"))
        return day


class DispatchForm(forms.Form):
    responder_kind = forms.ChoiceField(label=_("处置人员类型"), choices=ResponderKind.choices)
    responder_name = forms.CharField(label=_("处置人员"), max_length=64, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处置结果"), choices=Outcome.choices)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("记录"), max_length=500)
