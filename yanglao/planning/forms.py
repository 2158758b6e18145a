from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yanglao.core.models import DivisionLevel
from yanglao.core.pickers import DivisionField

from .models import AreaKind, LeaseStatus

DATE = forms.DateInput(attrs={"type": "date"})


class EstateForm(forms.Form):
    name = forms.CharField(label=_("小区名称"), max_length=100)
    division_code = DivisionField(label=_("所在村（社区）"), level=DivisionLevel.COMMUNITY)
    area_kind = forms.ChoiceField(label=_("小区类型"), choices=AreaKind.choices)
    households = forms.IntegerField(label=_("户数"), min_value=1, max_value=1_000_000)
    room_area_m2 = forms.DecimalField(label=_("养老服务用房面积（平方米）"), max_digits=9, decimal_places=2, min_value=0,
                                      required=False, help_text=_("未配建填 0"))
    completed_on = forms.DateField(label=_("竣工验收日期"), required=False, widget=DATE)
    handed_over = forms.BooleanField(label=_("已无偿移交乡镇（街道）"), required=False)
    handed_over_on = forms.DateField(label=_("移交日期"), required=False, widget=DATE)
    in_use = forms.BooleanField(label=_("按规划用途使用"), required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    developer = forms.CharField(label=_("建设单位"), max_length=128, required=False)
    latitude = forms.DecimalField(label=_("纬度"), max_digits=9, decimal_places=6, required=False, min_value=-90,
                                  max_value=90)
    longitude = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, required=False, min_value=-180,
                                   max_value=180)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class LeaseForm(forms.Form):
    name = forms.CharField(label=_("房产名称"), max_length=100)
    division_code = DivisionField(label=_("所在村（社区）"), level=DivisionLevel.COMMUNITY)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    owner_unit = forms.CharField(label=_("产权单位"), max_length=128)
    floor_area_m2 = forms.DecimalField(label=_("建筑面积（平方米）"), max_digits=9, decimal_places=2, min_value=0.01)
    status = forms.ChoiceField(label=_("状态"), choices=LeaseStatus.choices)
    lessee = forms.CharField(label=_("承租方"), max_length=128, required=False)
    purpose = forms.CharField(label=_("用途"), max_length=100, required=False)
    public_tender = forms.BooleanField(label=_("公开竞租"), required=False, initial=True)
    priority_given = forms.BooleanField(label=_("同等条件下优先承租"), required=False)
    start_date = forms.DateField(label=_("租期开始"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("租期结束"), required=False, widget=DATE)
    annual_rent_yuan = forms.DecimalField(label=_("年租金（元）"), max_digits=12, decimal_places=2, min_value=0,
                                          required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx / .csv）"))


class NetworkForm(forms.Form):
    file = forms.FileField(label=_("OpenStreetMap 文件（.osm 或 .osm.pbf）"))
