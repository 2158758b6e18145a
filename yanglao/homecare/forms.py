"""Forms of the module: amounts are typed in yuan and stored in fen; divisions and people are picked by name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yanglao.core.dictionaries import dictionary_choices
from yanglao.core.models import DivisionLevel
from yanglao.core.pickers import DivisionField
from yanglao.people.pickers import PersonField

from .choices import FacilityKind, Function, MealKind, PayMethod, SkillLevel, Unit
from .models import Provider, ServiceItem

DATE = forms.DateInput(attrs={"type": "date"})
WEEKDAYS = [(0, "星期一"), (1, "星期二"), (2, "星期三"), (3, "星期四"), (4, "星期五"), (5, "星期六"), (6, "星期日")]
CATEGORY_BLANK = [("", "不限类别")]
LEVELS = [("", "不限"), (0, "0 能力完好"), (1, "1 轻度受损"), (2, "2 中度受损"), (3, "3 重度受损"), (4, "4 完全丧失")]


class YuanField(forms.DecimalField):
    """Money typed in yuan (12.50), cleaned to integer fen."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 9)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        amount = super().clean(value)
        return None if amount is None else int((amount * 100).to_integral_value())


class ItemForm(forms.Form):
    code = forms.CharField(label=_("项目编号"), max_length=20)
    name = forms.CharField(label=_("项目名称"), max_length=60)
    kind = forms.ChoiceField(label=_("项目类别"))
    unit = forms.ChoiceField(label=_("计量单位"), choices=Unit.choices)
    price_fen = YuanField(label=_("标准价格（元）"))
    content = forms.CharField(label=_("服务内容"), max_length=300, required=False)
    valid_from = forms.DateField(label=_("生效日期"), widget=DATE)
    valid_to = forms.DateField(label=_("失效日期"), widget=DATE, required=False)
    document_no = forms.CharField(label=_("文件编号"), max_length=120, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = dictionary_choices("homecare_item_kind", user)


class RuleForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("资金来源（补贴项目）"), queryset=None)  # type: ignore[arg-type]
    category = forms.ChoiceField(label=_("人员类别"), required=False)
    min_care_level = forms.TypedChoiceField(label=_("最低能力等级"), choices=LEVELS, coerce=int, empty_value=None,
                                            required=False)
    max_care_level = forms.TypedChoiceField(label=_("最高能力等级"), choices=LEVELS, coerce=int, empty_value=None,
                                            required=False)
    subsidy_fen = YuanField(label=_("每单位补贴（元）"))
    valid_from = forms.DateField(label=_("生效日期"), widget=DATE)
    valid_to = forms.DateField(label=_("失效日期"), widget=DATE, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        from yanglao.benefits.models import Programme

        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.all()
        self.fields["category"].choices = CATEGORY_BLANK + list(dictionary_choices("person_category", user))


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("服务商名称"), max_length=128)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    division_code = DivisionField(label=_("注册地"))
    area = DivisionField(label=_("服务区域（乡镇或村居）"))
    contact_name = forms.CharField(label=_("联系人"), max_length=32, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    daily_capacity = forms.IntegerField(label=_("每日服务能力（单）"), min_value=1, max_value=100000, initial=50)


class AreaForm(forms.Form):
    area = DivisionField(label=_("增加服务区域"))


class StaffForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=32)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    skill_level = forms.ChoiceField(label=_("技能等级"), choices=SkillLevel.choices)
    certificate_no = forms.CharField(label=_("职业技能证书编号"), max_length=40, required=False)


class ContractForm(forms.Form):
    item = forms.ModelChoiceField(label=_("服务项目"), queryset=ServiceItem.objects.all())
    price_fen = YuanField(label=_("合同单价（元）"))
    valid_from = forms.DateField(label=_("起始日期"), widget=DATE)
    valid_to = forms.DateField(label=_("终止日期"), widget=DATE, required=False)
    document_no = forms.CharField(label=_("合同编号"), max_length=60)


class OrderForm(forms.Form):
    person = PersonField(label=_("老年人"))
    item = forms.ModelChoiceField(label=_("服务项目"), queryset=ServiceItem.objects.filter(published=True))
    service_date = forms.DateField(label=_("服务日期"), widget=DATE)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=24, initial=1)
    note = forms.CharField(label=_("需求说明"), max_length=300, required=False)


class CallForm(forms.Form):
    caller_name = forms.CharField(label=_("来电人"), max_length=32)
    caller_relation = forms.CharField(label=_("与老人关系"), max_length=16, required=False)
    caller_phone = forms.CharField(label=_("来电号码"), max_length=20, required=False)
    asked = forms.CharField(label=_("诉求"), max_length=300)
    action_taken = forms.CharField(label=_("处理情况"), max_length=300, required=False)
    person = PersonField(label=_("老年人"), required=False)
    item = forms.ModelChoiceField(label=_("生成服务工单（可选）"), queryset=ServiceItem.objects.filter(published=True),
                                  required=False)
    service_date = forms.DateField(label=_("服务日期"), widget=DATE, required=False)


class DispatchForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("服务商（留空则自动派单）"), queryset=Provider.objects.none(),
                                      required=False)


class AcceptForm(forms.Form):
    carer = forms.ModelChoiceField(label=_("服务人员"), queryset=None)  # type: ignore[arg-type]


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("满意度"), coerce=int, choices=[(5, "★★★★★ 非常满意"), (4, "★★★★ 满意"),
                                                                          (3, "★★★ 一般"), (2, "★★ 不满意"),
                                                                          (1, "★ 非常不满意")])
    rated_by = forms.CharField(label=_("评价人（老人或家属）"), max_length=32)
    comment = forms.CharField(label=_("评价意见"), max_length=300, required=False)


class ComplaintForm(forms.Form):
    complainant = forms.CharField(label=_("投诉人"), max_length=32)
    content = forms.CharField(label=_("投诉内容"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("跟进情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    closes = forms.BooleanField(label=_("办结"), required=False)


class PlanForm(forms.Form):
    person = PersonField(label=_("老年人"))
    item = forms.ModelChoiceField(label=_("服务项目"), queryset=ServiceItem.objects.filter(published=True))
    weekday = forms.TypedChoiceField(label=_("每周服务日"), choices=WEEKDAYS, coerce=int)
    quantity = forms.IntegerField(label=_("每次数量"), min_value=1, max_value=24, initial=1)
    valid_from = forms.DateField(label=_("起始日期"), widget=DATE)
    valid_to = forms.DateField(label=_("终止日期"), widget=DATE, required=False)


class HomeForm(forms.Form):
    latitude = forms.DecimalField(label=_("纬度"), max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    longitude = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, min_value=-180, max_value=180)
    note = forms.CharField(label=_("上门说明"), max_length=200, required=False)


class SettleForm(forms.Form):
    month = forms.DateField(label=_("结算月份"), widget=forms.DateInput(attrs={"type": "month"}),
                            input_formats=["%Y-%m", "%Y-%m-%d"])
    provider = forms.ModelChoiceField(label=_("服务商（留空则全部）"), queryset=Provider.objects.none(), required=False)


class FacilityForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=FacilityKind.choices)
    functions = forms.MultipleChoiceField(label=_("实际提供的功能"), choices=Function.choices, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    division_code = DivisionField(label=_("所在村（社区）"), level=DivisionLevel.COMMUNITY)
    served = forms.CharField(label=_("服务的其他村（社区）"), max_length=500, required=False,
                             help_text=_("名称或代码，用顿号或逗号分隔，如：北门社区、南门社区"))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("纬度"), max_digits=9, decimal_places=6, required=False, min_value=-90,
                                  max_value=90)
    longitude = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, required=False, min_value=-180,
                                   max_value=180)
    hours = forms.CharField(label=_("开放时间"), max_length=60, required=False)
    capacity = forms.IntegerField(label=_("服务能力（人）"), min_value=0, max_value=100000, initial=0)
    beds = forms.IntegerField(label=_("床位（张）"), min_value=0, max_value=10000, initial=0)
    operator_name = forms.CharField(label=_("运营方"), max_length=128, required=False)
    meal_item = forms.ModelChoiceField(label=_("助餐项目（餐费标准）"), required=False,
                                       queryset=ServiceItem.objects.filter(unit=Unit.MEAL))


class MealForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("助餐点"), queryset=None)  # type: ignore[arg-type]
    person = PersonField(label=_("老年人"))
    meal = forms.ChoiceField(label=_("餐次"), choices=MealKind.choices)
    delivered = forms.BooleanField(label=_("送餐上门"), required=False)
    pay_method = forms.ChoiceField(label=_("支付方式"), choices=PayMethod.choices)


class TopupForm(forms.Form):
    person = PersonField(label=_("老年人"))
    amount = YuanField(label=_("充值金额（元）"))
