from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yanglao.people.pickers import PersonField

from .models import OptOutSource


class OptOutForm(forms.Form):
    person = PersonField(label=_("老年人"))
    phone = forms.CharField(label=_("只退订这个号码（家属号码；不填则该老人及家属全部不再接收）"), required=False,
                            max_length=20)
    source = forms.ChoiceField(label=_("退订方式"), choices=OptOutSource.choices)
    opted_out_on = forms.DateField(label=_("退订日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class TemplateForm(forms.Form):
    body = forms.CharField(label=_("短信内容"), widget=forms.Textarea(attrs={"rows": 4}), max_length=300)
