"""Funding pages: the overview (share against the 55 % floor with its trend from 2021, budget and spending by
source and purpose), budget lines, spending with vouchers and attachments, import and export, lottery-fund
totals, the platform's own payments, and the year's report and approval."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yanglao.core.audit import audit_export
from yanglao.core.cells import sheet_row
from yanglao.core.dictionaries import dictionary_labels
from yanglao.core.errors import DomainError
from yanglao.core.http import XLSX_CONTENT_TYPE, xlsx_response
from yanglao.core.pagination import offset_page
from yanglao.core.params import choice_param, code_param, int_param, text_param
from yanglao.core.scope import get_scoped_or_404
from yanglao.core.uploads import read_uploaded
from yanglao.core.views import ConfirmAction, capability_required, confirm_action

from . import importing, selectors, services, streams
from .forms import AttachmentForm, BudgetForm, ImportForm, LotteryForm, SpendingForm, StreamSourceForm
from .models import Budget, FundingYear, LotteryFund, Spending, SpendingAttachment, YearStatus


def _errors(form: forms.Form, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for key, reason in details.items():
        if key in form.fields and isinstance(reason, str):
            form.add_error(key, reason)
            placed = True
    form.add_error(None, exc.message) if not placed else None


def _year(request: HttpRequest) -> int:
    return int_param(request.GET, "year", minimum=2000, maximum=2100) or timezone.localdate().year


def _years() -> list[int]:
    return list(range(selectors.FLOOR_FROM, timezone.localdate().year + 1))


def _within(request: HttpRequest) -> str:
    """A level chosen on the page (市本级 4417 exactly, or a county), else the whole jurisdiction."""
    code = code_param(request.GET, "level")
    if code and code in dict(selectors.levels_for(request.user)):
        return code
    return request.user.scope_prefix or ""


def _level_param(request: HttpRequest) -> str:
    code = code_param(request.GET, "level")
    return code if code in dict(selectors.levels_for(request.user)) else ""


def _filter_spending(request: HttpRequest) -> tuple[Any, dict[str, Any]]:
    qs = selectors.spendings_for(request.user)
    year = int_param(request.GET, "year", minimum=2000, maximum=2100)
    level = _level_param(request)
    source = text_param(request.GET, "source", max_length=16)
    purpose = text_param(request.GET, "purpose", max_length=16)
    q = text_param(request.GET, "q", max_length=64)
    if year:
        qs = qs.filter(year=year)
    if level:
        qs = qs.filter(division_code=level)
    if source:
        qs = qs.filter(source=source)
    if purpose:
        qs = qs.filter(purpose=purpose)
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(voucher_no__icontains=q) | Q(payee__icontains=q) | Q(summary__icontains=q))
    return qs, {"year": year, "level": level, "source": source, "purpose": purpose, "q": q}


def _dicts() -> dict[str, Any]:
    return {"source_labels": dictionary_labels("funding_source"), "purpose_labels": dictionary_labels("funding_purpose")}


# --------------------------------------------------------------------------- overview
@capability_required("funding.view")
def home(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    within = _within(request)
    levels = selectors.levels_for(request.user)
    years = _years()
    if year not in years:
        years = sorted({*years, year})
    table = selectors.share_table(request.user, years=years)
    current = [(row, next(c for c in row.cells if c.year == year)) for row in table]
    return render(request, "funding/home.html", {
        "tab": "home", "year": year, "years": years, "levels": levels, "within": within,
        "level": _level_param(request), "table": table, "current": current,
        "summary": selectors.summary(request.user, year=year, within=within, exact=bool(_level_param(request))),
        "floor": int(selectors.FLOOR * 100), "floor_from": selectors.FLOOR_FROM,
        "statuses": dict(YearStatus.choices),
    })


# --------------------------------------------------------------------------- budgets
@capability_required("funding.view")
def budgets(request: HttpRequest) -> HttpResponse:
    qs = selectors.budgets_for(request.user)
    year = int_param(request.GET, "year", minimum=2000, maximum=2100)
    level = _level_param(request)
    if year:
        qs = qs.filter(year=year)
    if level:
        qs = qs.filter(division_code=level)
    return render(request, "funding/budgets.html", {
        "tab": "budgets", "page": offset_page(request, qs.order_by("-year", "division_code", "source", "purpose", "pk")),
        "year": year, "level": level, "levels": selectors.levels_for(request.user), "years": _years(), **_dicts()})


def _budget_form(request: HttpRequest, budget: Budget | None) -> HttpResponse:
    initial = {f: getattr(budget, f) for f in services.BUDGET_FIELDS} if budget else {}
    form = BudgetForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.budget_save(by=request.user, data=dict(form.cleaned_data), budget=budget)
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已保存预算：%(y)s年 %(d)s") % {"y": saved.year, "d": saved.document_no})
            return redirect(reverse("funding:budgets") + f"?year={saved.year}")
    return render(request, "funding/form.html", {
        "form": form, "tab": "budgets", "title": _("修改预算") if budget else _("新增预算"),
        "back": reverse("funding:budgets")}, status=400 if form.errors else 200)


@capability_required("funding.manage")
def budget_new(request: HttpRequest) -> HttpResponse:
    return _budget_form(request, None)


@capability_required("funding.manage")
def budget_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _budget_form(request, get_scoped_or_404(Budget.objects.all(), request.user, pk=pk))


@capability_required("funding.manage")
def budget_delete(request: HttpRequest, pk: int) -> HttpResponse:
    b = get_scoped_or_404(Budget.objects.all(), request.user, pk=pk)
    back = reverse("funding:budgets")
    labels = _dicts()
    return confirm_action(request, ConfirmAction(
        obj=b, title=_("删除预算"), button=_("确认删除"), danger=True, redirect_to=back, cancel_to=back,
        summary=_("删除后该预算不再计入年度预算合计；删除记入操作日志。"),
        facts=[(_("年度"), b.year), (_("级次"), selectors.level_name(b.division_code)),
               (_("资金来源"), labels["source_labels"].get(b.source, b.source)),
               (_("支出用途"), labels["purpose_labels"].get(b.purpose, b.purpose)),
               (_("金额"), services.yuan(b.amount)), (_("预算批复文号"), b.document_no)],
        perform=lambda c, d: services.budget_delete(by=request.user, budget=b), success=_("已删除预算"),
        division_code=b.division_code))


# --------------------------------------------------------------------------- spending
@capability_required("funding.view")
def spendings(request: HttpRequest) -> HttpResponse:
    qs, filters = _filter_spending(request)
    from django.db.models import Sum

    total = qs.aggregate(s=Sum("amount"))["s"]
    return render(request, "funding/spendings.html", {
        "tab": "spendings", "page": offset_page(request, qs.order_by("-paid_on", "-pk")), "total": total,
        "levels": selectors.levels_for(request.user), "years": _years(), "query": request.GET.urlencode(),
        "sources": dictionary_labels("funding_source").items(), "purposes": dictionary_labels("funding_purpose").items(),
        **filters, **_dicts()})


@capability_required("funding.view")
def spending_detail(request: HttpRequest, pk: int) -> HttpResponse:
    s = get_scoped_or_404(Spending.objects.select_related("entered_by"), request.user, pk=pk)
    return render(request, "funding/spending.html", {
        "tab": "spendings", "s": s, "attachments": s.attachments.defer("content"),
        "year_status": selectors.year_status(s.year, s.division_code), "form": AttachmentForm(), **_dicts()})


def _spending_form(request: HttpRequest, spending: Spending | None) -> HttpResponse:
    initial = {f: getattr(spending, f) for f in services.SPENDING_FIELDS} if spending else {}
    form = SpendingForm(request.POST or None, request.FILES or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("attachment", None)
        try:
            from django.db import transaction

            with transaction.atomic():
                saved = services.spending_save(by=request.user, data=data, spending=spending)
                if upload:
                    content = read_uploaded(upload, kind="funding_attachment")
                    services.attachment_add(by=request.user, spending=saved, filename=upload.name, content=content)
        except DomainError as exc:
            if isinstance(exc.details, dict) and "file" in exc.details:
                form.add_error("attachment", exc.message)
            else:
                _errors(form, exc)
        else:
            messages.success(request, _("已保存支出：凭证号 %(v)s") % {"v": saved.voucher_no})
            return redirect("funding:spending", pk=saved.pk)
    return render(request, "funding/form.html", {
        "form": form, "tab": "spendings", "multipart": True, "title": _("修改支出") if spending else _("登记支出"),
        "intro": _("这里登记在平台外拨付的养老资金（平台内发放的津贴补贴、结算补贴、机构补贴等已自动计入“平台内支出”，请勿重复登记）。"),
        "back": reverse("funding:spendings")}, status=400 if form.errors else 200)


@capability_required("funding.manage")
def spending_new(request: HttpRequest) -> HttpResponse:
    return _spending_form(request, None)


@capability_required("funding.manage")
def spending_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _spending_form(request, get_scoped_or_404(Spending.objects.all(), request.user, pk=pk))


@capability_required("funding.manage")
def spending_delete(request: HttpRequest, pk: int) -> HttpResponse:
    s = get_scoped_or_404(Spending.objects.all(), request.user, pk=pk)
    back = reverse("funding:spendings")
    return confirm_action(request, ConfirmAction(
        obj=s, title=_("删除支出"), button=_("确认删除"), danger=True, redirect_to=back,
        cancel_to=reverse("funding:spending", args=[s.pk]),
        summary=_("删除后该笔支出及其附件不再计入；删除记入操作日志。"),
        facts=[(_("凭证号"), s.voucher_no), (_("支出日期"), s.paid_on), (_("金额"), services.yuan(s.amount)),
               (_("收款单位"), s.payee)],
        perform=lambda c, d: services.spending_delete(by=request.user, spending=s), success=_("已删除支出"),
        division_code=s.division_code))


@require_POST
@capability_required("funding.manage")
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    s = get_scoped_or_404(Spending.objects.all(), request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = read_uploaded(upload, kind="funding_attachment")
            services.attachment_add(by=request.user, spending=s, filename=upload.name, content=content)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已上传附件：%(n)s") % {"n": upload.name})
    else:
        messages.error(request, _("请选择要上传的文件"))
    return redirect("funding:spending", pk=s.pk)


@capability_required("funding.view")
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    att = get_scoped_or_404(SpendingAttachment.objects.all(), request.user, pk=pk)
    response = HttpResponse(bytes(att.content), content_type=att.content_type)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(att.filename)}"
    return response


@capability_required("funding.manage")
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    att = get_scoped_or_404(SpendingAttachment.objects.select_related("spending"), request.user, pk=pk)
    back = reverse("funding:spending", args=[att.spending_id])
    return confirm_action(request, ConfirmAction(
        obj=att, title=_("删除附件"), button=_("确认删除"), danger=True, redirect_to=back, cancel_to=back,
        summary=_("删除后无法恢复；删除记入操作日志。"), facts=[(_("文件名"), att.filename)],
        perform=lambda c, d: services.attachment_delete(by=request.user, attachment=att), success=_("已删除附件"),
        division_code=att.division_code))


@capability_required("funding.manage")
def spending_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = read_uploaded(upload, kind="funding_spending")
            result = importing.import_spending(by=request.user, content=content, filename=upload.name)
        except DomainError as exc:
            form.add_error("file", exc.message)
    return render(request, "funding/import.html", {
        "form": form, "result": result, "tab": "spendings", "headers": importing.HEADERS},
        status=400 if form.errors else 200)


@capability_required("funding.manage")
def spending_template(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "支出明细"
    sheet_row(ws, importing.HEADERS)
    sheet_row(ws, ["2026-03-15", "记-2026-0315", "福利彩票公益金", "机构建设与运营补贴", "120000.00", "阳江市某养老院",
                   "2026年第一季度运营补贴（示例行，导入前删除）", "阳民〔2026〕12号", importing.default_level(request.user)])
    buf = io.BytesIO()
    wb.save(buf)
    return xlsx_response(buf.getvalue(), "funding-spending-template.xlsx")


@capability_required("funding.export")
def spending_export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    qs, filters = _filter_spending(request)
    labels = _dicts()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("支出明细")
    sheet_row(ws, ["支出日期", "凭证号", "级次", "级次代码", "资金来源", "支出用途", "金额（元）", "收款单位", "摘要", "拨付文号",
                   "登记方式"])
    count = 0
    for s in qs.order_by("paid_on", "pk").iterator(chunk_size=2000):
        count += 1
        sheet_row(ws, [s.paid_on.strftime("%Y-%m-%d"), s.voucher_no, selectors.level_name(s.division_code),
                       s.division_code, labels["source_labels"].get(s.source, s.source),
                       labels["purpose_labels"].get(s.purpose, s.purpose), s.amount, s.payee, s.summary,
                       s.document_no, "表格导入" if s.imported else "手工登记"])
    audit_export(Spending, count=count, fmt="xlsx", filters={k: v for k, v in filters.items() if v}, masked=True,
                 division_code=request.user.scope_prefix or "")
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename=funding-spending.xlsx"
    return response


@capability_required("funding.export")
def summary_export(request: HttpRequest) -> HttpResponse:
    """The year for a meeting: the share per level with its trend, and budget against spending by source and purpose."""
    from openpyxl import Workbook

    year = _year(request)
    years = _years()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("福彩公益金用于养老比例")
    sheet_row(ws, [f"福利彩票公益金用于养老服务的比例（不低于55%，自{selectors.FLOOR_FROM}年起）"])
    sheet_row(ws, ["级次", *[f"{y}年" for y in years]])
    for row in selectors.share_table(request.user, years=years):
        sheet_row(ws, [row.name, *[(f"{c.percent}%" if c.percent is not None else "—") for c in row.cells]])
    sheet_row(ws, [])
    sheet_row(ws, ["级次", "年度", "福彩公益金总额（元）", "用于养老服务（元）", "比例", "是否达标"])
    for row in selectors.share_table(request.user, years=years):
        for c in row.cells:
            sheet_row(ws, [row.name, c.year, c.received if c.received is not None else "", c.spent,
                           f"{c.percent}%" if c.percent is not None else "—",
                           {"green": "达标", "red": "未达标"}.get(c.colour, "—")])
    summary = selectors.summary(request.user, year=year, within=request.user.scope_prefix or "")
    for title, lines in (("按资金来源", summary.by_source), ("按支出用途", summary.by_purpose)):
        ws2 = wb.create_sheet(f"{year}年{title}")
        sheet_row(ws2, [title.removeprefix("按"), "预算（元）", "平台外支出（元）", "平台内支出（元）", "支出合计（元）", "执行率"])
        for ln in [*lines, summary.total]:
            sheet_row(ws2, [ln.label, ln.budget, ln.manual, ln.platform, ln.spent,
                            f"{ln.rate}%" if ln.rate is not None else "—"])
    audit_export(Budget, count=None, fmt="xlsx", filters={"year": year, "kind": "summary"}, masked=True,
                 division_code=request.user.scope_prefix or "")
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=funding-summary-{year}.xlsx"
    return response


# --------------------------------------------------------------------------- lottery totals
@capability_required("funding.view")
def lottery(request: HttpRequest) -> HttpResponse:
    qs = selectors.lottery_for(request.user)
    level = _level_param(request)
    if level:
        qs = qs.filter(division_code=level)
    return render(request, "funding/lottery.html", {
        "tab": "lottery", "page": offset_page(request, qs.order_by("-year", "division_code")),
        "levels": selectors.levels_for(request.user), "level": level})


def _lottery_form(request: HttpRequest, fund: LotteryFund | None) -> HttpResponse:
    initial = {"year": fund.year, "division_code": fund.division_code, "received": fund.received,
               "document_no": fund.document_no, "note": fund.note} if fund else {}
    form = LotteryForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.lottery_save(by=request.user, data=dict(form.cleaned_data), fund=fund)
        except DomainError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已保存%(y)s年度福彩公益金总额") % {"y": saved.year})
            return redirect("funding:lottery")
    return render(request, "funding/form.html", {
        "form": form, "tab": "lottery", "title": _("修改福彩公益金总额") if fund else _("登记福彩公益金总额"),
        "intro": _("填写本级当年可用于社会福利事业的福利彩票公益金总额（本级留成加上级下达）；用于养老服务的部分按“福利彩票公益金”来源的支出自动计算。"),
        "back": reverse("funding:lottery")}, status=400 if form.errors else 200)


@capability_required("funding.manage")
def lottery_new(request: HttpRequest) -> HttpResponse:
    return _lottery_form(request, None)


@capability_required("funding.manage")
def lottery_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _lottery_form(request, get_scoped_or_404(LotteryFund.objects.all(), request.user, pk=pk))


# --------------------------------------------------------------------------- the platform's own payments
@capability_required("funding.view")
def platform_page(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    prefix = request.user.scope_prefix or ""
    amounts = streams.platform_amounts(prefix=prefix, year=year)
    by_key = {s.key: s for s in streams.STREAMS}
    src, pur = dictionary_labels("funding_source"), dictionary_labels("funding_purpose")
    by_stream: dict[str, dict[str, Any]] = {}
    counties: list[str] = sorted({a.county for a in amounts})
    for key, s in by_key.items():
        by_stream[key] = {"label": s.label, "purpose": pur.get(s.purpose, s.purpose), "cells": {c: None for c in counties},
                          "total": Decimal("0")}
    chosen = streams.sources()
    for a in amounts:
        row = by_stream[a.stream]
        row["cells"][a.county] = (row["cells"][a.county] or Decimal("0")) + a.amount
        row["total"] += a.amount
    rows = [{"key": k, **v, "source": src.get(chosen[k], chosen[k]), "cells": [v["cells"][c] for c in counties]}
            for k, v in by_stream.items()]
    form = None
    if request.user.can("funding.approve"):
        form = StreamSourceForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                services.stream_source_set(by=request.user, stream=form.cleaned_data["stream"],
                                           source=form.cleaned_data["source"])
            except DomainError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("已更新平台内支出的资金来源"))
                return redirect(reverse("funding:platform") + f"?year={year}")
    elif request.method == "POST":
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return render(request, "funding/platform.html", {
        "tab": "platform", "year": year, "years": _years(), "rows": rows,
        "counties": [(c, selectors.level_name(c)) for c in counties],
        "total": sum((a.amount for a in amounts), Decimal("0")), "form": form})


# --------------------------------------------------------------------------- the year's report and approval
@capability_required("funding.view")
def years(request: HttpRequest) -> HttpResponse:
    status = choice_param(request.GET, "status", YearStatus.values)
    year = int_param(request.GET, "year", minimum=2000, maximum=2100) or timezone.localdate().year
    levels = selectors.levels_for(request.user)
    rows_qs = selectors.years_for(request.user).select_related("submitted_by", "approved_by")
    if status:
        listed = list(rows_qs.filter(status=status).order_by("-year", "division_code"))
    else:
        existing = {fy.division_code: fy for fy in rows_qs.filter(year=year)}
        listed = [existing.get(code) or FundingYear(year=year, division_code=code) for code, _n in levels]
    return render(request, "funding/years.html", {
        "tab": "years", "rows": listed, "status": status, "year": year, "years": _years(),
        "statuses": YearStatus.choices})


def _level_or_404(request: HttpRequest, code: str) -> str:
    if code not in dict(selectors.levels_for(request.user)):
        raise Http404
    return code


@capability_required("funding.manage")
def year_submit(request: HttpRequest, year: int, code: str) -> HttpResponse:
    code = _level_or_404(request, code)
    fy = FundingYear.objects.filter(year=year, division_code=code).first() or FundingYear(year=year, division_code=code)
    summary = selectors.summary(request.user, year=year, within=code, exact=True)
    share = selectors.level_share(year=year, code=code)
    back = reverse("funding:years") + f"?year={year}"

    def perform(comment: str, data: dict[str, Any]) -> str:
        done = services.year_submit(by=request.user, year=year, division_code=code, comment=comment)
        fy.pk = done.pk
        return _("已报送%(y)s年度%(l)s资金数据，等待市级审定") % {"y": year, "l": selectors.level_name(code)}

    return confirm_action(request, ConfirmAction(
        obj=fy, title=_("报送年度资金数据"), button=_("确认报送"), redirect_to=back, cancel_to=back,
        summary=_("报送后本年度本级的预算、支出和福彩公益金总额不能再修改，待市级审定；如需更正，请市级退回。"),
        facts=[(_("年度"), year), (_("级次"), selectors.level_name(code)),
               (_("预算合计"), services.yuan(summary.total.budget)),
               (_("支出合计（平台外）"), services.yuan(summary.total.manual)),
               (_("福彩公益金用于养老比例"), f"{share.percent}%" if share and share.percent is not None else "—")],
        perform=perform, success=_("已报送"), division_code=code))


def _year_row(request: HttpRequest, pk: int) -> FundingYear:
    return get_scoped_or_404(FundingYear.objects.select_related("submitted_by"), request.user, pk=pk)


@capability_required("funding.approve")
def year_approve(request: HttpRequest, pk: int) -> HttpResponse:
    fy = _year_row(request, pk)
    back = reverse("funding:years") + f"?year={fy.year}"
    share = selectors.level_share(year=fy.year, code=fy.division_code)
    return confirm_action(request, ConfirmAction(
        obj=fy, title=_("审定年度资金数据"), button=_("确认审定"), redirect_to=back, cancel_to=back,
        summary=_("审定后该年度本级资金数据锁定，作为考核和报送上级的依据；报送人不能审定自己报送的数据。"),
        facts=[(_("年度"), fy.year), (_("级次"), selectors.level_name(fy.division_code)),
               (_("报送人"), fy.submitted_by.display_name if fy.submitted_by else "—"),
               (_("福彩公益金用于养老比例"), f"{share.percent}%" if share and share.percent is not None else "—")],
        perform=lambda c, d: services.year_approve(by=request.user, year_row=fy, comment=c),
        success=_("已审定"), division_code=fy.division_code))


@capability_required("funding.approve")
def year_return(request: HttpRequest, pk: int) -> HttpResponse:
    fy = _year_row(request, pk)
    back = reverse("funding:years") + f"?year={fy.year}"
    return confirm_action(request, ConfirmAction(
        obj=fy, title=_("退回年度资金数据"), button=_("确认退回"), danger=True, redirect_to=back, cancel_to=back,
        summary=_("退回后该级次可以更正本年度的预算、支出和福彩公益金总额，更正后重新报送。"),
        facts=[(_("年度"), fy.year), (_("级次"), selectors.level_name(fy.division_code)),
               (_("状态"), fy.get_status_display())],
        comment_required=True, comment_label=_("退回原因"),
        perform=lambda c, d: services.year_return(by=request.user, year_row=fy, comment=c),
        success=_("已退回"), division_code=fy.division_code))


