"""Bulk actions of the benefit lists (core/bulkactions.py): approve or return applications, suspend
approved enrolments, resume suspensions, and export.

Each per-record function calls the module's service, which locks the row (``select_for_update``) and
checks its state, so two runs over the same records cannot both apply; what is already decided,
suspended or resumed is reported as such, not done again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from yanglao.core.bulkactions import AlreadyDone, BulkAction, BulkList, register_bulk_list
from yanglao.core.divisions import division_short_name
from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.models import User

from . import selectors, services
from .choices import EnrolmentStatus, SuspensionReason
from .models import Enrolment, Programme, Suspension
from .months import month_label, parse_month


class MonthField(forms.CharField):
    """A month as the browser's month input sends it (2026-12) or as offices write it (2026年12月)."""

    widget = forms.TextInput(attrs={"type": "month", "class": "form-control"})

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            parse_month(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return text


# --------------------------------------------------------------------------- enrolments


class EnrolmentFilterForm(forms.Form):
    """The enrolment list's search (GET), the same for the page and for "all matching"."""

    q = forms.CharField(label=_("姓名"), required=False, max_length=32)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部"))] + list(EnrolmentStatus.choices))
    programme = forms.ModelChoiceField(label=_("项目"), required=False, queryset=Programme.objects.all(),
                                       empty_label=_("全部"))


def enrolment_search(user: Any, params: QueryDict) -> QuerySet[Enrolment]:
    form = EnrolmentFilterForm(params or None)
    qs = selectors.enrolments_for(user)
    if form.is_valid():
        data = form.cleaned_data
        if data.get("q"):
            qs = qs.filter(person__name__contains=data["q"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("programme"):
            qs = qs.filter(programme=data["programme"])
    return qs.order_by("-created_at", "-pk")


def _decided(enrolment: Enrolment, approve: bool) -> None:
    if enrolment.status == EnrolmentStatus.APPLIED:
        return
    wanted = EnrolmentStatus.APPROVED if approve else EnrolmentStatus.REJECTED
    if enrolment.status == wanted:
        raise AlreadyDone(f"该申请已是“{enrolment.get_status_display()}”，未重复审核")
    raise Conflict(f"该申请已是“{enrolment.get_status_display()}”状态，不能再审核")


def approve_one(by: User, enrolment: Enrolment, data: dict[str, Any], comment: str) -> str:
    _decided(enrolment, True)
    try:
        services.enrolment_decide(by=by, enrolment=enrolment, approve=True, note=comment[:100])
    except Conflict:  # decided by someone else a moment ago: say what it is now
        enrolment.refresh_from_db()
        _decided(enrolment, True)
        raise
    return f"已通过，自{month_label(enrolment.from_month)}起纳入发放"


def return_one(by: User, enrolment: Enrolment, data: dict[str, Any], comment: str) -> str:
    _decided(enrolment, False)
    try:
        services.enrolment_decide(by=by, enrolment=enrolment, approve=False, note=comment[:100])
    except Conflict:
        enrolment.refresh_from_db()
        _decided(enrolment, False)
        raise
    return "已不予通过（退回），可重新申请"


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(label=_("停发原因"), choices=[(k, v) for k, v in SuspensionReason.choices
                                                         if k != SuspensionReason.PROOF_OF_LIFE],
                               widget=forms.Select(attrs={"class": "form-select"}))
    from_month = MonthField(label=_("停发起始月"), help_text=_("自该月起，以后每个月的发放都不包含这些人员，直至恢复。"))


def _open_suspension(person_id: int, programme_id: int) -> Suspension | None:
    return Suspension.objects.filter(person_id=person_id, programme_id=programme_id, lifted_at__isnull=True,
                                     to_month__isnull=True).first()


def suspend_one(by: User, enrolment: Enrolment, data: dict[str, Any], comment: str) -> str:
    if enrolment.status != EnrolmentStatus.APPROVED:
        raise ValidationFailed(f"该登记是“{enrolment.get_status_display()}”状态，只有已审核的享受登记可以停发")
    open_ = _open_suspension(enrolment.person_id, enrolment.programme_id)
    if open_ is not None:
        raise AlreadyDone(f"已于{month_label(open_.from_month)}起停发（{open_.get_reason_display()}），未重复登记")
    month = parse_month(data["from_month"])
    try:
        services.suspension_create(by=by, person=enrolment.person, programme=enrolment.programme,
                                   reason=data["reason"], from_month=month, note=comment[:200])
    except Conflict as exc:
        raise AlreadyDone(exc.message) from exc
    return f"已登记停发，自{month_label(month)}起"


def _enrolment_label(e: Enrolment) -> str:
    p = e.person
    return f"{p.name}（尾号{p.id_last4}，{division_short_name(e.division_code)}）· {e.programme.name}"


ENROLMENT_COLUMNS = [
    (_("登记编号"), lambda e: e.pk),
    (_("姓名"), lambda e: e.person.name),
    (_("身份证号码（脱敏）"), lambda e: e.person.id_number_masked),
    (_("居住社区"), lambda e: division_short_name(e.division_code)),
    (_("居住社区代码"), lambda e: e.division_code),
    (_("项目"), lambda e: e.programme.name),
    (_("享受起始月"), lambda e: month_label(e.from_month)),
    (_("状态"), lambda e: e.get_status_display()),
    (_("申请人"), lambda e: e.applied_by.display_name if e.applied_by_id else ""),
    (_("审核人"), lambda e: e.approved_by.display_name if e.approved_by_id else ""),
]


# --------------------------------------------------------------------------- suspensions


class SuspensionFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名"), required=False, max_length=32)
    state = forms.ChoiceField(label=_("状态"), required=False,
                              choices=[("", _("全部")), ("open", _("停发中")), ("resumed", _("已恢复"))])


def suspension_search(user: Any, params: QueryDict) -> QuerySet[Suspension]:
    form = SuspensionFilterForm(params or None)
    qs = selectors.suspensions_for(user)
    if form.is_valid():
        data = form.cleaned_data
        if data.get("q"):
            qs = qs.filter(person__name__contains=data["q"])
        if data.get("state") == "open":
            qs = qs.filter(to_month__isnull=True, lifted_at__isnull=True)
        elif data.get("state") == "resumed":
            qs = qs.filter(Q(to_month__isnull=False) | Q(lifted_at__isnull=False))
    return qs.order_by("-from_month", "-id")


class ResumeForm(forms.Form):
    from_month = MonthField(label=_("恢复发放月份"), help_text=_("自该月起恢复发放（停发到上一个月为止）。"))


def resume_one(by: User, suspension: Suspension, data: dict[str, Any], comment: str) -> str:
    if suspension.to_month is not None or suspension.lifted_at is not None:
        raise AlreadyDone("该停发记录已恢复，未重复办理")
    if suspension.reason == SuspensionReason.PROOF_OF_LIFE:
        raise ValidationFailed("未按期生存认证的停发，须登记生存认证后自动恢复并补发")
    month = parse_month(data["from_month"])
    try:
        services.suspension_resume(by=by, suspension=suspension, from_month=month, note=comment[:200])
    except Conflict as exc:
        raise AlreadyDone(exc.message) from exc
    return f"已恢复，自{month_label(month)}起发放"


def _suspension_label(s: Suspension) -> str:
    p = s.person
    return f"{p.name}（尾号{p.id_last4}，{division_short_name(s.division_code)}）· {s.programme.name}"


SUSPENSION_COLUMNS = [
    (_("停发编号"), lambda s: s.pk),
    (_("姓名"), lambda s: s.person.name),
    (_("身份证号码（脱敏）"), lambda s: s.person.id_number_masked),
    (_("居住社区代码"), lambda s: s.division_code),
    (_("项目"), lambda s: s.programme.name),
    (_("原因"), lambda s: s.get_reason_display()),
    (_("停发起始月"), lambda s: month_label(s.from_month)),
    (_("停发终止月"), lambda s: month_label(s.to_month) if s.to_month else "至今"),
    (_("说明"), lambda s: " ".join(x for x in (s.note, s.resume_note) if x)),
]


def register() -> None:
    applied = EnrolmentStatus.APPLIED
    register_bulk_list(BulkList(
        key="benefits.enrolments", label=_("享受登记"), model=Enrolment, list_url="benefits:enrolments",
        view_capability="benefits.view", export_capability="benefits.export",
        scoped=lambda user: selectors.enrolments_for(user), search=enrolment_search, row_label=_enrolment_label,
        export_columns=ENROLMENT_COLUMNS,
        actions=[
            BulkAction(name="approve", label=_("审核通过"), capability="benefits.enrol", perform=approve_one,
                       summary=_("逐条审核通过待审核的享受申请，自申请的起始月起纳入每月发放。自己提交的申请须由另一名"
                                 "工作人员审核，不予办理；已审核的不重复审核。"),
                       narrow=lambda qs: qs.filter(status__in=(applied, EnrolmentStatus.APPROVED))),
            BulkAction(name="return", label=_("不予通过（退回）"), capability="benefits.enrol", perform=return_one,
                       danger=True, comment_required=True, comment_label=_("不予通过的原因"),
                       summary=_("逐条不予通过待审核的享受申请，原因记入每条申请和审计日志；申请人可重新申请。"),
                       narrow=lambda qs: qs.filter(status__in=(applied, EnrolmentStatus.REJECTED))),
            BulkAction(name="suspend", label=_("停发"), capability="benefits.suspend", perform=suspend_one,
                       form_class=SuspendForm, danger=True,
                       summary=_("为每条已审核的享受登记登记停发：自停发起始月起不再发放，直至恢复。已在停发中的不重复登记。"),
                       narrow=lambda qs: qs.filter(status=EnrolmentStatus.APPROVED)),
        ],
    ))
    register_bulk_list(BulkList(
        key="benefits.suspensions", label=_("停发与恢复"), model=Suspension, list_url="benefits:suspensions",
        view_capability="benefits.view", export_capability="benefits.export",
        scoped=lambda user: selectors.suspensions_for(user), search=suspension_search, row_label=_suspension_label,
        export_columns=SUSPENSION_COLUMNS,
        actions=[
            BulkAction(name="resume", label=_("恢复发放"), capability="benefits.suspend", perform=resume_one,
                       form_class=ResumeForm,
                       summary=_("逐条恢复停发：自所填月份起恢复发放，停发到上一个月为止。已恢复的不重复办理；"
                                 "未按期生存认证的停发须登记生存认证后恢复，不予办理。"),
                       narrow=lambda qs: qs.exclude(reason=SuspensionReason.PROOF_OF_LIFE)),
        ],
    ))
