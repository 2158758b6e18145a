"""Bulk actions of the assessment lists (core/bulkactions.py): request the reassessment of everyone
due, assign requested assessments to assessors balanced by their current load, and export.

Each per-record function goes through the module's service, which locks the row and checks its state
(and the database keeps one open assessment per person), so two runs over the same records cannot
both apply; what is already done is reported as such."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yanglao.core.bulkactions import AlreadyDone, BulkAction, BulkList, register_bulk_list
from yanglao.core.divisions import division_short_name
from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.models import User
from yanglao.core.pickers import bind_pickers
from yanglao.core.roles import Role

from . import selectors, services
from .choices import OPEN_STATES, RECORDABLE_STATES, RESULT_STATES, Reason, RequestedVia, Scale, Status
from .forms import SearchForm
from .models import Assessment

# --------------------------------------------------------------------------- 到期复评: request reassessments


def due_search(user: Any, params: QueryDict) -> QuerySet[Assessment]:
    """The due list's own filter (``only=due|overdue``), as the page runs it."""
    today = timezone.localdate()
    qs = selectors.reassessments_due(user, today)
    if params.get("only") == "overdue":
        qs = qs.filter(valid_until__lt=today)
    elif params.get("only") == "due":
        qs = qs.filter(valid_until__gte=today)
    return qs


def _open_assessment(person_id: int) -> Assessment | None:
    return Assessment.objects.filter(person_id=person_id, status__in=OPEN_STATES).order_by("-pk").first()


def reassess_one(by: User, result: Assessment, data: dict[str, Any], comment: str) -> str:
    """Request the periodic reassessment of the person whose result this is."""
    person = result.person
    if person.status != "active":
        raise ValidationFailed(f"该老年人档案状态为“{person.get_status_display()}”，不能申请评估")
    newer = selectors.results_history(person).filter(scale=Scale.GBT42195).first()
    if newer is not None and newer.pk != result.pk:
        raise AlreadyDone(f"已有更新的评估结果（{newer.valid_from:%Y-%m-%d} 审核通过），无需复评")
    existing = _open_assessment(person.pk)
    if existing is not None:
        raise AlreadyDone(f"已有进行中的评估（{existing.get_status_display()}，"
                          f"{timezone.localtime(existing.created_at):%Y-%m-%d} 申请），未重复申请")
    try:
        created = services.reassessment_request(by=by, person=person, reason=Reason.PERIODIC,
                                                requested_via=RequestedVia.STAFF, note=comment[:200])
    except Conflict as exc:
        if exc.code == "open_assessment_exists":  # requested by someone else a moment ago
            raise AlreadyDone("已有进行中的评估，未重复申请") from exc
        raise
    return f"已登记定期复评申请（评估编号 {created.pk}）"


def _person_label(a: Assessment) -> str:
    p = a.person
    return f"{p.name}（尾号{p.id_last4}，{p.age}岁，{division_short_name(a.division_code)}）"


DUE_COLUMNS = [
    (_("评估结果编号"), lambda a: a.pk),
    (_("姓名"), lambda a: a.person.name),
    (_("身份证号码（脱敏）"), lambda a: a.person.id_number_masked),
    (_("年龄"), lambda a: a.person.age),
    (_("居住社区"), lambda a: division_short_name(a.division_code)),
    (_("居住社区代码"), lambda a: a.division_code),
    (_("当前结果"), lambda a: a.level_label),
    (_("有效期至"), lambda a: a.valid_until),
    (_("情况"), lambda a: "已过期" if a.valid_until < timezone.localdate() else "即将到期"),
    (_("已申请复评"), lambda a: "是" if getattr(a, "has_open_request", False) else "否"),
]


# --------------------------------------------------------------------------- 能力评估: assign to assessors


def list_search(user: Any, params: QueryDict) -> QuerySet[Assessment]:
    """The assessment list's own search form, bound and validated as the page does."""
    form = bind_pickers(SearchForm(params or None), user)
    filters = form.cleaned_data if form.is_valid() else {}
    return selectors.search_assessments(user, filters)


class AssignForm(forms.Form):
    scheduled_on = forms.DateField(label=_("预约评估日期"),
                                   widget=forms.DateInput(attrs={"type": "date", "class": "form-control"},
                                                          format="%Y-%m-%d"),
                                   help_text=_("所有选中的评估预约在这一天；地点默认为老年人的居住地址。"))
    place = forms.CharField(label=_("评估地点（选填）"), required=False, max_length=200,
                            widget=forms.TextInput(attrs={"class": "form-control"}))

    def clean_scheduled_on(self) -> dt.date:
        day = self.cleaned_data["scheduled_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("预约日期不能早于今天"))
        return day


def assessor_loads(division_code: str) -> list[tuple[User, int]]:
    """The assessors who cover ``division_code`` (bound to its city, county or township), each with the
    assessments currently in their hands (scheduled, in progress, returned), least loaded first."""
    prefixes = [division_code[:n] for n in (4, 6, 9) if division_code]
    in_hand = Q(status__in=RECORDABLE_STATES)
    users = list(User.objects.filter(role=Role.ASSESSOR, is_active=True, division_id__in=prefixes).order_by("pk"))
    if not users:
        return []
    ids = [u.pk for u in users]
    loads = dict.fromkeys(ids, 0)
    for field in ("assessor_1_id", "assessor_2_id"):
        for pk, n in (Assessment.objects.filter(in_hand, **{f"{field}__in": ids}).values_list(field)
                      .annotate(n=Count("pk")).order_by()):
            loads[pk] += n
    return sorted(((u, loads[u.pk]) for u in users), key=lambda pair: (pair[1], pair[0].pk))


def assign_one(by: User, assessment: Assessment, data: dict[str, Any], comment: str) -> str:
    """Schedule the assessment with the two least-loaded assessors covering the person's area."""
    if assessment.status == Status.SCHEDULED:
        names = "、".join(u.display_name for u in (assessment.assessor_1, assessment.assessor_2) if u)
        raise AlreadyDone(f"已派单（{names}），未重复派单")
    if assessment.status != Status.REQUESTED:
        raise Conflict(f"当前状态为“{assessment.get_status_display()}”，不能派单")
    loads = assessor_loads(assessment.division_code)
    if len(loads) < 2:
        raise ValidationFailed("该老年人所在区域的在岗评估员不足两名，请先增加评估员账户")
    (first, n1), (second, n2) = loads[0], loads[1]
    services.assessment_schedule(by=by, assessment=assessment, assessor_1=first, assessor_2=second,
                                 scheduled_on=data["scheduled_on"], place=data.get("place") or "")
    return f"已派给 {first.display_name}（原有 {n1} 件）、{second.display_name}（原有 {n2} 件），预约 {data['scheduled_on']:%Y-%m-%d}"


LIST_COLUMNS = [
    (_("评估编号"), lambda a: a.pk),
    (_("姓名"), lambda a: a.person.name),
    (_("身份证号码（脱敏）"), lambda a: a.person.id_number_masked),
    (_("居住社区"), lambda a: division_short_name(a.division_code)),
    (_("居住社区代码"), lambda a: a.division_code),
    (_("评估原因"), lambda a: a.get_reason_display()),
    (_("状态"), lambda a: a.get_status_display()),
    (_("评估员"), lambda a: "、".join(u.display_name for u in (a.assessor_1, a.assessor_2) if u)),
    (_("预约日期"), lambda a: a.scheduled_on),
    (_("能力等级"), lambda a: a.level_label),
]


def print_reports(by: User, qs: QuerySet[Assessment], comment: str) -> Any:
    """The selected results' assessment reports as ONE PDF (documents module: numbered, QR-verifiable, audited);
    a large selection becomes a print job and the answer is its page."""
    from yanglao.documents.services import print_selection

    return print_selection("assessments.report")(by, qs, comment)


def _print_action() -> BulkAction:
    return BulkAction(
        name="print", label=_("打印所选评估报告（PDF）"), capability="assessments.view", kind="download",
        download=print_reports, narrow=lambda qs: qs.filter(status__in=RESULT_STATES),
        summary=_("将所选的已审核评估结果的评估报告合并为一个 PDF（每份带编号和核验二维码，含评估员、老年人或监护人、"
                  "审核人签字栏和盖章处）；超过 50 份时在后台生成，完成后在打印任务页下载。打印记入审计日志。"))


def register() -> None:
    register_bulk_list(BulkList(
        key="assessments.due", label=_("到期复评"), model=Assessment, list_url="assessments:due",
        view_capability="assessments.figures", export_capability="assessments.export",
        scoped=lambda user: selectors.assessments_for(user).select_related("person"),
        search=due_search, row_label=_person_label, export_columns=DUE_COLUMNS,
        actions=[BulkAction(
            name="reassess", label=_("发起复评"), capability="assessments.request", perform=reassess_one,
            summary=_("为每位老年人登记一条“定期复评”申请（工作人员发起），原评估结果保留并继续有效至新结果审核通过；"
                      "已有进行中评估或更新结果的不重复申请；档案不在册或已不在本辖区的不予办理并说明原因。"),
        ), _print_action()],
    ))
    register_bulk_list(BulkList(
        key="assessments.list", label=_("能力评估"), model=Assessment, list_url="assessments:list",
        view_capability="assessments.view", export_capability="assessments.export",
        scoped=lambda user: selectors.assessments_for(user).select_related("person", "assessor_1", "assessor_2"),
        search=list_search, row_label=_person_label, export_columns=LIST_COLUMNS,
        actions=[BulkAction(
            name="assign", label=_("派单（按工作量均衡）"), capability="assessments.schedule", perform=assign_one,
            form_class=AssignForm,
            summary=_("为每条“已申请”的评估派两名评估员：在老年人所在区域的在岗评估员中，每次选手上在办评估最少的两位"
                      "（派一条算一条，逐条均衡）。已派单的不重复派单；不是“已申请”状态的不予办理。"),
            narrow=lambda qs: qs.filter(status__in=(Status.REQUESTED, Status.SCHEDULED))), _print_action()],
    ))
