"""系统管理: staff accounts (账户管理) and code lists (字典管理). Thin views over core/accounts.py and
core/dictionaries.py, which decide who may do what; every action is a confirmed POST."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from . import accounts, dictionaries
from .errors import DomainError, NotFound, ValidationFailed
from .models import DictionaryItem, Division, User
from .pagination import offset_page
from .pickers import DivisionField, bind_pickers
from .roles import DIVISION_ROLES, ORGANISATION_ROLES, Role
from .views import ConfirmAction, capability_required, confirm_action

PAGE_SIZE = 20


class AccountForm(forms.Form):
    username = forms.CharField(label=_lazy("用户名"), max_length=150)
    real_name = forms.CharField(label=_lazy("姓名"), max_length=32, required=False)
    role = forms.ChoiceField(label=_lazy("角色"))
    division = DivisionField(label=_lazy("所属区划"), required=False,
                             help_text=_lazy("政府工作人员、评估员、检查人员、审计员须选择"))
    organisation = forms.TypedChoiceField(label=_lazy("所属组织"), required=False, coerce=int, empty_value=None,
                                          help_text=_lazy("养老机构经办人和服务商须选择"))
    password = forms.CharField(label=_lazy("初始密码"), strip=False, widget=forms.PasswordInput(render_value=True),
                               help_text=_lazy("临时密码：首次登录时须修改"))

    def __init__(self, *args: Any, by: User, editing: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in accounts.managed_roles(by)]
        bind_pickers(self, by)
        orgs = accounts.organisations_for(by)
        self.fields["organisation"].choices = [("", "—")] + [(o.pk, o.name) for o in orgs]
        if not orgs.exists():
            del self.fields["organisation"]
        if editing is not None:
            del self.fields["username"]
            del self.fields["password"]

    def account_input(self) -> accounts.AccountInput:
        data = self.cleaned_data
        role = data["role"]
        return accounts.AccountInput(
            role=role, division_code=data.get("division") or "" if role in DIVISION_ROLES else "",
            organisation_id=data.get("organisation") if role in ORGANISATION_ROLES else None,
            real_name=data.get("real_name") or "")


class AccountSearchForm(forms.Form):
    q = forms.CharField(label=_lazy("用户名/姓名"), required=False, max_length=50)
    role = forms.ChoiceField(label=_lazy("角色"), required=False)
    division = DivisionField(label=_lazy("区划"), required=False)

    def __init__(self, *args: Any, by: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _lazy("全部"))] + [(r, Role(r).label) for r in accounts.managed_roles(by)]
        bind_pickers(self, by)


def _form_errors(form: forms.Form, exc: ValidationFailed) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for key, message in details.items():
        if key in form.fields:
            form.add_error(key, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


@capability_required("accounts.manage")
def account_list(request: HttpRequest) -> HttpResponse:
    by = request.user
    form = AccountSearchForm(request.GET or None, by=by)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = accounts.account_search(by=by, q=filters.get("q") or "", role=filters.get("role") or "",
                                 division_code=filters.get("division") or "")
    page = offset_page(request, qs, per_page=PAGE_SIZE)
    return render(request, "core/accounts/list.html", {"form": form, "page": page, "me": by})


@capability_required("accounts.manage")
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    by = request.user
    if not accounts.managed_roles(by):
        raise Http404
    form = AccountForm(request.POST or None, by=by)
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.account_create(by=by, username=form.cleaned_data["username"],
                                           password=form.cleaned_data["password"], data=form.account_input())
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("账户 %(name)s 已创建，首次登录时须修改密码。") % {"name": user.username})
            return redirect("core:accounts")
    return render(request, "core/accounts/form.html", {"form": form, "editing": None})


@capability_required("accounts.manage")
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    by = request.user
    target = _managed_or_404(by, pk)
    initial = {"real_name": target.real_name, "role": target.role, "division": target.division_id or "",
               "organisation": target.organisation_id}
    form = AccountForm(request.POST or None, by=by, editing=target, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.account_update(by=by, user=target, data=form.account_input())
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("账户 %(name)s 已保存。") % {"name": target.username})
            return redirect("core:accounts")
    return render(request, "core/accounts/form.html", {"form": form, "editing": target})


def _managed_or_404(by: User, pk: int) -> User:
    try:
        return accounts.account_get(by=by, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


class ResetPasswordForm(forms.Form):
    password = forms.CharField(label=_lazy("新的临时密码"), strip=False, widget=forms.PasswordInput,
                               help_text=_lazy("账户下次登录时须修改此密码"))


ACCOUNT_ACTIONS: dict[str, tuple[Any, Any]] = {
    "disable": (_lazy("停用账户"), _lazy("停用后该账户不能登录，已登录的会话和接口令牌立即失效。")),
    "enable": (_lazy("启用账户"), _lazy("启用后该账户可以重新登录。")),
    "reset_password": (_lazy("重置密码"), _lazy("设置一个临时密码，账户下次登录时须修改；其会话和接口令牌立即失效。")),
    "reset_2fa": (_lazy("重置两步验证"), _lazy("忘记原验证器（如手机丢失）时使用：下次登录时重新绑定验证器，其会话和接口令牌立即失效。")),
    "unlock": (_lazy("解除锁定"), _lazy("清除该账户的登录失败记录和锁定。")),
}


@capability_required("accounts.manage")
@require_http_methods(["GET", "POST"])
def account_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Disable, enable, reset the password, reset two-factor, unlock: the console's one confirmation shape
    (core.views.confirm_action: GET asks, POST calls the service and keeps the comment in the audit log)."""
    if action not in ACCOUNT_ACTIONS:
        raise Http404
    by = request.user
    target = _managed_or_404(by, pk)
    title, explanation = ACCOUNT_ACTIONS[action]
    form = ResetPasswordForm(request.POST or None) if action == "reset_password" else None

    def perform(comment: str, data: dict[str, Any]) -> None:
        if action in ("disable", "enable"):
            accounts.account_set_active(by=by, user=target, active=action == "enable")
        elif action == "reset_password":
            accounts.account_reset_password(by=by, user=target, password=data["password"])
        elif action == "reset_2fa":
            accounts.account_reset_two_factor(by=by, user=target)
        else:
            accounts.account_unlock_managed(by=by, user=target)

    return confirm_action(request, ConfirmAction(
        obj=target, title=f"{title}：{target.username}", summary=str(explanation), perform=perform,
        success=_("%(action)s：%(name)s，已完成。") % {"action": title, "name": target.username},
        redirect_to=reverse("core:accounts"), form=form, danger=action == "disable", button=str(title),
        facts=[(_("姓名"), target.real_name or "—"), (_("角色"), target.get_role_display()),
               (_("所属区划/组织"), target.jurisdiction_label)],
        division_code=target.division_id or "",
    ))


# --- 字典管理 ----------------------------------------------------------------------------------
class DictionaryItemForm(forms.Form):
    label = forms.CharField(label=_lazy("名称"), max_length=32)
    label_en = forms.CharField(label=_lazy("英文名称"), max_length=64, required=False)
    code = forms.CharField(label=_lazy("代码"), max_length=32, required=False,
                           help_text=_lazy("可不填，系统自动生成；保存后不能修改"))
    sort_order = forms.IntegerField(label=_lazy("排序"), min_value=0, max_value=32767, initial=100)
    division = forms.ChoiceField(label=_lazy("适用范围"), required=False)
    active = forms.BooleanField(label=_lazy("启用"), required=False, initial=True)

    def __init__(self, *args: Any, by: User, item: DictionaryItem | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if item is not None:
            del self.fields["code"]
            del self.fields["division"]
            return
        del self.fields["active"]
        counties = Division.objects.filter(code__startswith=by.scope_prefix or "\x00", level=3).order_by("code")
        choices = [(d.code, _("仅%(name)s") % {"name": d.name}) for d in counties]
        if by.role == Role.CITY_ADMIN:
            choices = [("", _("全市通用"))] + choices
        self.fields["division"].choices = choices


def _dictionary_or_404(key: str) -> dictionaries.Dictionary:
    if key not in dictionaries.DICTIONARIES:
        raise Http404
    return dictionaries.DICTIONARIES[key]


@capability_required("dictionaries.manage")
def dictionary_index(request: HttpRequest) -> HttpResponse:
    rows = [(spec, len(dictionaries.items_for(request.user, spec.key))) for spec in dictionaries.DICTIONARIES.values()]
    return render(request, "core/dictionaries/index.html", {"rows": rows})


@capability_required("dictionaries.manage")
@require_http_methods(["GET", "POST"])
def dictionary_detail(request: HttpRequest, key: str) -> HttpResponse:
    spec = _dictionary_or_404(key)
    by = request.user
    form = DictionaryItemForm(request.POST or None, by=by)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = dictionaries.item_create(by=by, dictionary=key, label=data["label"], code=data.get("code") or "",
                                            label_en=data.get("label_en") or "", sort_order=data["sort_order"],
                                            division_code=data.get("division") or "")
        except ValidationFailed as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已新增“%(label)s”。") % {"label": item.label})
            return redirect("core:dictionary", key=key)
    items = dictionaries.items_for(by, key)
    names = dict(Division.objects.filter(code__in={i.division_code for i in items if i.division_code})
                 .values_list("code", "name"))
    rows = [(i, names.get(i.division_code, ""), not i.built_in and dictionaries.can_edit(by, i.division_code))
            for i in items]
    return render(request, "core/dictionaries/detail.html", {"spec": spec, "rows": rows, "form": form})


def _item_or_404(by: User, pk: int) -> DictionaryItem:
    try:
        return dictionaries.item_get(by, pk)
    except NotFound as exc:
        raise Http404 from exc


@capability_required("dictionaries.manage")
@require_http_methods(["GET", "POST"])
def dictionary_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    by = request.user
    item = _item_or_404(by, pk)
    spec = _dictionary_or_404(item.dictionary)
    form = DictionaryItemForm(request.POST or None, by=by, item=item,
                              initial={"label": item.label, "label_en": item.label_en, "sort_order": item.sort_order,
                                       "active": item.active})
    error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dictionaries.item_update(by=by, item=item, label=data["label"], label_en=data.get("label_en") or "",
                                     sort_order=data["sort_order"], active=bool(data.get("active")))
        except ValidationFailed as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("已保存“%(label)s”。") % {"label": item.label})
            return redirect("core:dictionary", key=item.dictionary)
    return render(request, "core/dictionaries/item.html", {"spec": spec, "item": item, "form": form, "error": error,
                                                           "in_use": dictionaries.item_in_use(item)})


@capability_required("dictionaries.manage")
@require_http_methods(["POST"])
def dictionary_item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    by = request.user
    item = _item_or_404(by, pk)
    if not request.POST.get("confirm"):
        messages.error(request, _("请勾选确认后再删除。"))
        return redirect("core:dictionary_item", pk=item.pk)
    key, label = item.dictionary, item.label
    try:
        dictionaries.item_delete(by=by, item=item)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("core:dictionary_item", pk=pk)
    messages.success(request, _("已删除“%(label)s”。") % {"label": label})
    return redirect("core:dictionary", key=key)
