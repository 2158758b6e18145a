from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditAction
from .pickers import DivisionField, Picked, bind_pickers  # noqa: F401  (the pickers live in core/pickers.py)


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class OtpForm(forms.Form):
    code = forms.CharField(
        label=_("动态验证码"), max_length=6, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), strip=False, widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("新密码"), strip=False, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("确认新密码"), strip=False, widget=forms.PasswordInput)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人"), required=False)
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部"))] + list(AuditAction.choices))
    object_type = forms.CharField(label=_("对象类型"), required=False)
    object_id = forms.CharField(label=_("对象编号"), required=False)
    division = DivisionField(label=_("区划"), required=False)
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
