"""Prepaid-fee pages: the homes and their totals, a home's residents and money, limits, monthly reports,
custody statements (upload → check → confirm → reconcile), cases, warnings and refunds owed.
Views decide nothing: services, statements, risk and selectors do."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from yanglao.core.cells import sheet_row
from yanglao.core.errors import DomainError
from yanglao.core.http import XLSX_CONTENT_TYPE
from yanglao.core.pagination import offset_page
from yanglao.core.pickers import bind_pickers
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.uploads import read_uploaded
from yanglao.core.views import ConfirmAction, capability_required, confirm_action

from . import selectors, services, statements
from .choices import CaseStatus, Direction, HomeStatus, ImportStatus, RefundStatus, WarningKind, WarningStatus
from .forms import (
    AccountForm,
    AssignForm,
    ClosureForm,
    EntryForm,
    HomeFileForm,
    LeaveForm,
    RefundPayForm,
    ReportForm,
    RuleForm,
    StatementForm,
)
from .models import (
    LimitRule,
    MonthlyReport,
    PrepaidAccount,
    PrepaidEntry,
    PrepaidHome,
    ReconciliationCase,
    RefundOwed,
    RiskWarning,
    StatementImport,
)


def _field_errors(form: Any, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for key, reason in details.items():
        if key in form.fields and isinstance(reason, str):
            form.add_error(key, reason)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _form_page(request: HttpRequest, form: Any, title: str, perform: Any, *, back: str, button: str = "",
               intro: str = "", multipart: bool = False) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            result = perform(form)
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            return result
    return render(request, "prepaid/form.html", {"form": form, "title": title, "back": back, "button": button,
                                                 "intro": intro, "multipart": multipart})


def _home(request: HttpRequest, pk: int) -> PrepaidHome:
    return get_scoped_or_404(PrepaidHome.objects.select_related("institution"), request.user, pk=pk)


@capability_required("prepaid.view")
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    homes = list(selectors.homes_overview(user))
    for h in homes:
        h.s_service = h.s_bed + h.s_care + h.s_meal
        h.s_total = h.s_service + h.s_deposit + h.s_membership
    figures = selectors.dashboard_figures_for(user)
    return render(request, "prepaid/home.html", {"homes": homes, "figures": figures,
                                                 "kinds": WarningKind.choices})


@capability_required("prepaid.file")
def home_new(request: HttpRequest) -> HttpResponse:
    form = HomeFileForm(request.POST or None, user=request.user)

    def perform(f: Any) -> HttpResponse:
        h = services.home_file(by=request.user, institution=f.cleaned_data["institution"], data=f.cleaned_data)
        messages.success(request, _("已备案：%(n)s") % {"n": h})
        return redirect("prepaid:home_detail", pk=h.pk)

    return _form_page(request, form, _("预收费备案"), perform, back=reverse("prepaid:home"),
                      intro=_("收取预收费的养老机构应在商业银行开设存管账户（第三方存管），并按规定缴存风险保证金。"))


@capability_required("prepaid.file")
def home_edit(request: HttpRequest, pk: int) -> HttpResponse:
    h = _home(request, pk)
    initial = {"institution": h.institution, "custody_bank": h.custody_bank, "custody_account": h.custody_account,
               "custody_agreement_no": h.custody_agreement_no, "risk_reserve": h.risk_reserve,
               "net_fixed_assets": h.net_fixed_assets, "filed_on": h.filed_on}
    form = HomeFileForm(request.POST or None, user=request.user, home=h, initial=initial)

    def perform(f: Any) -> HttpResponse:
        services.home_file(by=request.user, institution=h.institution, data=f.cleaned_data)
        messages.success(request, _("已保存"))
        return redirect("prepaid:home_detail", pk=h.pk)

    return _form_page(request, form, _("修改备案信息"), perform, back=reverse("prepaid:home_detail", args=[h.pk]))


@capability_required("prepaid.view")
def home_detail(request: HttpRequest, pk: int) -> HttpResponse:
    h = _home(request, pk)
    accounts = (PrepaidAccount.objects.filter(home=h).select_related("person")
                .annotate(t=services.TOTAL, svc=F("bal_bed") + F("bal_care") + F("bal_meal"))
                .order_by("left_on", "person__name"))
    page = offset_page(request, accounts)
    return render(request, "prepaid/home_detail.html", {
        "h": h, "totals": selectors.home_totals(h), "page": page,
        "reports": MonthlyReport.objects.filter(home=h).order_by("-month")[:12],
        "warnings": RiskWarning.objects.filter(home=h, status=WarningStatus.OPEN).order_by("-raised_on")[:20],
        "cases": ReconciliationCase.objects.filter(home=h).exclude(status=CaseStatus.CLOSED)[:20],
        "refunds_owed": RefundOwed.objects.filter(home=h, status=RefundStatus.OWED).count(),
        "operating": h.status == HomeStatus.OPERATING,
    })


@capability_required("prepaid.record")
def account_new(request: HttpRequest, pk: int) -> HttpResponse:
    h = _home(request, pk)
    form = AccountForm(request.POST or None, home=h)

    def perform(f: Any) -> HttpResponse:
        acc = services.account_open(by=request.user, home=h, person=f.cleaned_data["person"], data=f.cleaned_data)
        messages.success(request, _("已开设预收费账户"))
        return redirect("prepaid:account", pk=acc.pk)

    return _form_page(request, form, _("开设老年人预收费账户"), perform, back=reverse("prepaid:home_detail", args=[h.pk]))


@capability_required("prepaid.view")
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    acc = get_scoped_or_404(PrepaidAccount.objects.select_related("home__institution", "person"), request.user, pk=pk)
    page = offset_page(request, PrepaidEntry.objects.filter(account=acc).select_related("breaks_rule").order_by("-on", "-pk"))
    return render(request, "prepaid/account.html", {"acc": acc, "page": page,
                                                    "refund": RefundOwed.objects.filter(account=acc).first()})


@capability_required("prepaid.record")
def entry_new(request: HttpRequest, pk: int) -> HttpResponse:
    acc = get_scoped_or_404(PrepaidAccount.objects.select_related("home__institution", "person"), request.user, pk=pk)
    initial = {"direction": request.GET.get("direction") or Direction.COLLECT}
    form = EntryForm(request.POST or None, initial=initial)

    def perform(f: Any) -> HttpResponse:
        d = f.cleaned_data
        entry = services.entry_record(by=request.user, account=acc, kind=d["kind"], direction=d["direction"],
                                      amount=d["amount"], on=d["on"], receipt_no=d["receipt_no"], note=d["note"])
        if entry.breach:
            messages.warning(request, _("已登记，但超过限额，已向县级民政部门预警：%(b)s") % {"b": entry.breach})
        else:
            messages.success(request, _("已登记"))
        return redirect("prepaid:account", pk=acc.pk)

    return _form_page(request, form, _("登记收支：%(n)s") % {"n": acc.person.name}, perform,
                      back=reverse("prepaid:account", args=[acc.pk]),
                      intro=_("收取的预收费按登记日期有效的限额核对：超过限额的，按规则拒绝登记或登记并预警。"))


@capability_required("prepaid.record")
def account_leave(request: HttpRequest, pk: int) -> HttpResponse:
    acc = get_scoped_or_404(PrepaidAccount.objects.select_related("home__institution", "person"), request.user, pk=pk)
    back = reverse("prepaid:account", args=[acc.pk])
    return confirm_action(request, ConfirmAction(
        obj=acc, title=_("登记离院"), button=_("确认离院"), redirect_to=back, cancel_to=back, form=LeaveForm(request.POST or None),
        summary=_("老年人离院后，尚未结算的预收费应在约定期限内退还；逾期未退的将向县级民政部门预警。"),
        facts=[(_("老年人"), acc.person.name), (_("约定退费期限"), f"{acc.refund_term_days} 天"),
               (_("现有余额"), services.yuan(acc.total))],
        perform=lambda c, d: services.account_leave(by=request.user, account=acc, on=d["on"]),
        success=_("已登记离院"), division_code=acc.division_code))


@capability_required("prepaid.record")
def report_new(request: HttpRequest, pk: int) -> HttpResponse:
    h = _home(request, pk)
    form = ReportForm(request.POST or None)

    def perform(f: Any) -> HttpResponse:
        services.report_file(by=request.user, home=h, month=f.cleaned_data["month"],
                             reported_balance=f.cleaned_data["reported_balance"])
        messages.success(request, _("已报送月度余额"))
        return redirect("prepaid:home_detail", pk=h.pk)

    return _form_page(request, form, _("报送月度余额：%(n)s") % {"n": h}, perform,
                      back=reverse("prepaid:home_detail", args=[h.pk]),
                      intro=_("填写存管账户的月末余额；本月收取、退还和台账余额由系统按登记的收支计算。"))


@capability_required("prepaid.file")
def closure(request: HttpRequest, pk: int) -> HttpResponse:
    h = _home(request, pk)
    back = reverse("prepaid:home_detail", args=[h.pk])
    totals = selectors.home_totals(h)
    return confirm_action(request, ConfirmAction(
        obj=h, title=_("登记停业公告"), button=_("登记停业"), redirect_to=back, cancel_to=back, form=ClosureForm(request.POST or None),
        danger=True,
        summary=_("机构停业应至少提前30日告知老年人。登记后即停止收取预收费，每位有余额的老年人生成一笔应退款，"
                  "当日列入县级民政部门待办。"),
        facts=[(_("机构"), str(h)), (_("预收费余额合计"), services.yuan(totals["total"]))],
        perform=lambda c, d: _("已登记停业公告，%(n)s 名老年人的应退款已列入待办") % {"n": services.closure_announce(
            by=request.user, home=h, announced_on=d["announced_on"], closing_on=d["closing_on"], note=c)},
        success=_("已登记停业公告"), division_code=h.division_code))


@capability_required("prepaid.view")
def rules(request: HttpRequest) -> HttpResponse:
    return render(request, "prepaid/rules.html", {"rules": LimitRule.objects.all()})


@capability_required("prepaid.configure")
def rule_new(request: HttpRequest) -> HttpResponse:
    form = bind_pickers(RuleForm(request.POST or None), request.user)

    def perform(f: Any) -> HttpResponse:
        data = dict(f.cleaned_data, division_code=f.division_for(request.user))
        services.rule_create(by=request.user, data=data)
        messages.success(request, _("已新增限额规则"))
        return redirect("prepaid:rules")

    return _form_page(request, form, _("新增限额规则"), perform, back=reverse("prepaid:rules"),
                      intro=_("同一类型有多条规则同时有效时逐条核对：省、市可以规定更低的限额，并选择超限时拒绝登记或登记并预警。"))


@capability_required("prepaid.reconcile")
def statement_list(request: HttpRequest) -> HttpResponse:
    page = offset_page(request, restrict(StatementImport.objects.select_related("home__institution", "uploaded_by"),
                                         request.user).order_by("-pk"))
    return render(request, "prepaid/statements.html", {"page": page})


@capability_required("prepaid.reconcile")
def statement_new(request: HttpRequest) -> HttpResponse:
    form = StatementForm(request.POST or None, request.FILES or None, user=request.user)

    def perform(f: Any) -> HttpResponse:
        upload = f.cleaned_data["file"]
        imp = statements.statement_upload(by=request.user, filename=upload.name, home=f.cleaned_data["home"],
                                          content=read_uploaded(upload, kind=statements.UPLOAD_KIND))
        messages.info(request, _("共 %(n)s 条，可导入 %(m)s 条。请核对后确认。") % {"n": imp.rows, "m": imp.accepted})
        return redirect("prepaid:statement", pk=imp.pk)

    return _form_page(request, form, _("导入存管对账单"), perform, back=reverse("prepaid:statements"), multipart=True,
                      button=_("上传并检查"),
                      intro=_("对账单列：存管账号、余额日期、期末余额（可下载模板）。上传后先检查，确认前不会改变任何数据。"))


@capability_required("prepaid.reconcile")
def statement_template(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "存管对账单"
    sheet_row(ws, statements.HEADERS)
    sheet_row(ws, ["6222000012345678", "2026-10-31", "123456.78"])
    response = HttpResponse(content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''custody-statement-template.xlsx"
    wb.save(response)
    return response


@capability_required("prepaid.reconcile")
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    imp = get_scoped_or_404(StatementImport.objects.select_related("home__institution", "uploaded_by"), request.user, pk=pk)
    lines = imp.lines.select_related("home__institution").order_by("row_no")
    return render(request, "prepaid/statement.html", {"imp": imp, "page": offset_page(request, lines),
                                                      "pending": imp.status == ImportStatus.PENDING})


@capability_required("prepaid.reconcile")
def statement_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    imp = get_scoped_or_404(StatementImport.objects.all(), request.user, pk=pk)
    back = reverse("prepaid:statement", args=[imp.pk])
    return confirm_action(request, ConfirmAction(
        obj=imp, title=_("确认导入并对账"), button=_("确认对账"), redirect_to=back, cancel_to=back,
        summary=_("确认后，对账单各行与机构报送的月末余额逐一核对；不一致或未报送的，自动立案交县级民政部门处置。"),
        facts=[(_("文件"), imp.filename), (_("可导入行数"), imp.accepted), (_("出错行"), len({e["row"] for e in imp.errors}))],
        perform=lambda c, d: _("对账完成：%(n)s 行，差异 %(g)s 件") % {
            "n": imp.accepted, "g": statements.statement_confirm(by=request.user, imp=imp).gaps},
        success=_("对账完成"), division_code=imp.division_code))


@capability_required("prepaid.reconcile")
def statement_discard(request: HttpRequest, pk: int) -> HttpResponse:
    imp = get_scoped_or_404(StatementImport.objects.all(), request.user, pk=pk)
    back = reverse("prepaid:statement", args=[imp.pk])
    return confirm_action(request, ConfirmAction(
        obj=imp, title=_("放弃导入"), button=_("放弃"), redirect_to=back, cancel_to=back, danger=True,
        summary=_("放弃后该对账单不参与对账，可修改文件后重新上传。"), facts=[(_("文件"), imp.filename)],
        perform=lambda c, d: statements.statement_discard(by=request.user, imp=imp), success=_("已放弃"),
        division_code=imp.division_code))


@capability_required("prepaid.view")
def case_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(ReconciliationCase.objects.select_related("home__institution", "assignee"), request.user)
    status = request.GET.get("status") or ""
    if status == "active":
        qs = qs.exclude(status=CaseStatus.CLOSED)
    elif status in CaseStatus.values:
        qs = qs.filter(status=status)
    return render(request, "prepaid/cases.html", {"page": offset_page(request, qs.order_by("status", "-opened_on", "-pk")),
                                                  "status": status, "statuses": CaseStatus.choices})


@capability_required("prepaid.view")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_scoped_or_404(ReconciliationCase.objects.select_related("home__institution", "assignee", "line__statement"),
                             request.user, pk=pk)
    report = MonthlyReport.objects.filter(home=case.home, month=case.month).first()
    return render(request, "prepaid/case.html", {"case": case, "report": report})


@capability_required("prepaid.cases")
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_scoped_or_404(ReconciliationCase.objects.select_related("home__institution"), request.user, pk=pk)
    back = reverse("prepaid:case", args=[case.pk])

    return confirm_action(request, ConfirmAction(
        obj=case, title=_("分派案件"), button=_("分派"), redirect_to=back, cancel_to=back, form=AssignForm(request.POST or None, division_code=case.division_code),
        summary=_("指定承办人核实差额原因。"), facts=[(_("机构"), str(case.home)), (_("月份"), f"{case.month:%Y年%m月}")],
        perform=lambda c, d: services.case_assign(by=request.user, case=case, assignee=d["assignee"]),
        success=_("已分派"), division_code=case.division_code))


@capability_required("prepaid.cases")
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_scoped_or_404(ReconciliationCase.objects.select_related("home__institution"), request.user, pk=pk)
    back = reverse("prepaid:case", args=[case.pk])
    return confirm_action(request, ConfirmAction(
        obj=case, title=_("办结案件"), button=_("办结"), redirect_to=back, cancel_to=back, comment_required=True,
        comment_label=_("办结说明（核实情况和处理结果）"), summary=_("写明差额的原因和处理结果后办结。"),
        facts=[(_("机构"), str(case.home)), (_("月份"), f"{case.month:%Y年%m月}"), (_("差额"), services.yuan(case.gap))],
        perform=lambda c, d: services.case_close(by=request.user, case=case, note=c),
        success=_("已办结"), division_code=case.division_code))


@capability_required("prepaid.view")
def warning_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(RiskWarning.objects.select_related("home__institution"), request.user)
    status = request.GET.get("status") or ""
    kind = request.GET.get("kind") or ""
    if status in WarningStatus.values:
        qs = qs.filter(status=status)
    if kind in WarningKind.values:
        qs = qs.filter(kind=kind)
    return render(request, "prepaid/warnings.html", {
        "page": offset_page(request, qs.order_by("status", "-raised_on", "-pk")), "status": status, "kind": kind,
        "statuses": WarningStatus.choices, "kinds": WarningKind.choices})


@capability_required("prepaid.cases")
def warning_handle(request: HttpRequest, pk: int) -> HttpResponse:
    w = get_scoped_or_404(RiskWarning.objects.select_related("home__institution"), request.user, pk=pk)
    back = reverse("prepaid:warnings")
    return confirm_action(request, ConfirmAction(
        obj=w, title=_("处置预警"), button=_("处置完毕"), redirect_to=back, cancel_to=back, comment_required=True,
        comment_label=_("处置情况"), summary=w.detail,
        facts=[(_("机构"), str(w.home)), (_("预警类型"), w.get_kind_display()), (_("预警日期"), f"{w.raised_on:%Y-%m-%d}")],
        perform=lambda c, d: services.warning_handle(by=request.user, warning=w, note=c),
        success=_("已处置"), division_code=w.division_code))


@capability_required("prepaid.view")
def refund_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(RefundOwed.objects.select_related("home__institution", "person"), request.user)
    status = request.GET.get("status") or ""
    home_id = request.GET.get("home") or ""
    if status in RefundStatus.values:
        qs = qs.filter(status=status)
    if home_id.isdigit():
        qs = qs.filter(home_id=int(home_id))
    return render(request, "prepaid/refunds.html", {"page": offset_page(request, qs.order_by("status", "due_on", "pk")),
                                                    "status": status, "statuses": RefundStatus.choices})


@capability_required("prepaid.record")
def refund_pay(request: HttpRequest, pk: int) -> HttpResponse:
    r = get_scoped_or_404(RefundOwed.objects.select_related("home__institution", "person"), request.user, pk=pk)
    back = reverse("prepaid:refunds") + "?status=owed"
    return confirm_action(request, ConfirmAction(
        obj=r, title=_("登记退款"), button=_("确认已退还"), redirect_to=back, cancel_to=back, form=RefundPayForm(request.POST or None),
        summary=_("按账户现有余额逐项登记退还，余额清零。"),
        facts=[(_("老年人"), r.person.name), (_("机构"), str(r.home)), (_("应退金额"), services.yuan(r.amount))],
        perform=lambda c, d: services.refund_pay(by=request.user, refund=r, paid_on=d["paid_on"], receipt_no=d["receipt_no"]),
        success=_("已登记退还"), division_code=r.division_code))
