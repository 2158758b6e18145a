"""Console pages for audit: data matching, proof of life, recoveries, held-back lines and bank files,
ending an enrolment, and where each payment line comes from. Views decide nothing: services do."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from yanglao.core.audit import audit_export, audit_sensitive_list
from yanglao.core.cells import sheet_row
from yanglao.core.dbrouting import reads_from_replica
from yanglao.core.divisions import division_short_name
from yanglao.core.errors import DomainError
from yanglao.core.http import XLSX_CONTENT_TYPE
from yanglao.core.pagination import offset_page
from yanglao.core.pickers import bind_pickers
from yanglao.core.scope import get_scoped_or_404, restrict
from yanglao.core.uploads import read_uploaded
from yanglao.core.views import ConfirmAction, capability_required, confirm_action
from yanglao.people.models import Person
from yanglao.people.pickers import PersonField

from . import lifecert, matching, payfiles, recoveries, selectors, services
from .choices import EndReason, LifeCertMethod, MatchKind, MatchOutcome, RecoveryStatus
from .engine import reference_date, rule_for
from .models import (
    BankAccount,
    BankFileFormat,
    Enrolment,
    Entitlement,
    LifeCertificate,
    MatchBatch,
    MatchRow,
    Programme,
    Recovery,
)
from .months import parse_month
from .views import _form_errors, _run

# --------------------------------------------------------------------------- data matching


class MatchUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("名单类型"), choices=MatchKind.choices)
    source_unit = forms.CharField(label=_("来源单位"), max_length=100,
                                  widget=forms.TextInput(attrs={"placeholder": "阳江市公安局江城分局"}))
    document_no = forms.CharField(label=_("来文编号"), max_length=120,
                                  widget=forms.TextInput(attrs={"placeholder": "江公户〔2026〕10号"}))
    file = forms.FileField(label=_("名单文件（.xlsx / .csv）"))


def _batches(user: Any) -> Any:
    return restrict(MatchBatch.objects.select_related("uploaded_by"), user)


@capability_required("benefits.match")
def matching_home(request: HttpRequest) -> HttpResponse:
    form = MatchUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = matching.match_import(by=request.user, kind=form.cleaned_data["kind"], filename=upload.name,
                                          content=read_uploaded(upload, kind="matching"),
                                          source_unit=form.cleaned_data["source_unit"],
                                          document_no=form.cleaned_data["document_no"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("共 %(n)s 条：一致 %(c)s 条，有变化 %(ch)s 条，档案中无此人 %(nf)s 条，有误 %(b)s 条。"
                                        "确认前档案不作任何更改。") % {"n": batch.rows, "c": batch.consistent,
                                                                "ch": batch.changes, "nf": batch.not_found,
                                                                "b": batch.bad})
            return redirect("benefits:match_batch", pk=batch.pk)
    batches = offset_page(request, _batches(request.user).order_by("-created_at"))
    return render(request, "benefits/matching.html", {"form": form, "batches": batches,
                                                      "engine_message": "" if matching.available()
                                                      else matching.ENGINE_MESSAGE})


@capability_required("benefits.match")
def match_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(_batches(request.user), pk=pk)
    show = request.GET.get("show", "change")
    if show not in MatchOutcome.values:
        show = "change"
    # matched rows of the user's jurisdiction; unmatched rows (no person) belong to whoever sent the list
    rows = _batch_rows(request, batch).filter(outcome=show)
    listed = offset_page(request, rows.select_related("person", "confirmed_by").order_by("row_no"))
    audit_sensitive_list(MatchRow, ids=[r.pk for r in listed], fields=["name", "id_masked"],
                         division_code=request.user.scope_prefix or "")
    pending = restrict(MatchRow.objects.filter(batch=batch, outcome="change", confirmed_at__isnull=True),
                       request.user).count()
    return render(request, "benefits/match_batch.html", {"batch": batch, "listed": listed, "show": show,
                                                         "pending": pending, "outcomes": MatchOutcome.choices})


def _batch_rows(request: HttpRequest, batch: Any) -> Any:
    """The batch's rows this user sees: matched rows of their jurisdiction; unmatched rows (no person) belong
    to whoever sent the list."""
    return MatchRow.objects.filter(batch=batch).filter(
        Q(division_code="") | Q(division_code__startswith=request.user.scope_prefix or ""))


@capability_required("benefits.match")
def match_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's rows as .xlsx: all of them, or one outcome (?show=bad is the error report: row, column,
    reason). ID numbers masked; audited as an export."""
    from yanglao.core.http import xlsx_response

    batch = get_object_or_404(_batches(request.user), pk=pk)
    show = request.GET.get("show", "")
    rows = _batch_rows(request, batch)
    if show in MatchOutcome.values:
        rows = rows.filter(outcome=show)
    else:
        show = ""
    content = matching.rows_workbook(batch, rows)
    audit_export(MatchRow, count=rows.count(), fmt="xlsx", filters={"batch": batch.pk, "show": show},
                 masked=True, division_code=request.user.scope_prefix or "")
    return xlsx_response(content, f"matching-{batch.pk}{'-' + show if show else ''}.xlsx")


@capability_required("benefits.match")
def match_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm every pending change of the batch (in the user's jurisdiction), or one row (?row=)."""
    batch = get_object_or_404(_batches(request.user), pk=pk)
    row_id = request.GET.get("row") or request.POST.get("row")
    row = None
    if row_id and str(row_id).isdigit():
        row = get_object_or_404(MatchRow.objects.filter(batch=batch, outcome="change"), pk=int(row_id))
    pending = restrict(MatchRow.objects.filter(batch=batch, outcome="change", confirmed_at__isnull=True),
                       request.user).count()
    facts = [(_("名单"), str(batch)), (_("来源"), f"{batch.source_unit} {batch.document_no}"),
             (_("确认条数"), 1 if row else pending)]
    if row is not None:
        facts.append((_("人员"), f"{row.name}（{row.id_masked}）：{row.detail}"))
    return confirm_action(request, ConfirmAction(
        obj=batch, title=str(_("确认数据比对的变化")), facts=facts,
        summary=str(_("确认后按名单更改档案（状态、停发或人员类别），以来文为依据；死亡、迁出日期以后已发放的月份自动生成追回。")),
        perform=lambda comment, data: str(_("已确认 %(n)s 条") % {"n": matching.match_confirm(
            by=request.user, batch=batch, row_ids=[row.pk] if row else None)}),
        success=str(_("已确认")), redirect_to=reverse("benefits:match_batch", args=[pk]),
        cancel_to=reverse("benefits:match_batch", args=[pk]), button=str(_("确认更改"))))


# --------------------------------------------------------------------------- proof of life


class CertifyForm(forms.Form):
    person = PersonField(label=_("老年人"))
    certified_on = forms.DateField(label=_("认证日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    method = forms.ChoiceField(label=_("认证方式"), choices=LifeCertMethod.choices)
    reference = forms.CharField(label=_("认证参考号（人脸识别必填）"), max_length=64, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


@capability_required("benefits.certify")
def life_certs(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    initial: dict[str, Any] = {"certified_on": today, "method": "visit"}
    form = bind_pickers(CertifyForm(request.POST or None, initial=initial), request.user)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        if person is None:
            form.add_error("person", _("档案不存在或不在您的管辖范围内"))
        else:
            data = {k: v for k, v in form.cleaned_data.items() if k != "person"}
            try:
                lifecert.certify(by=request.user, person=person, **data)
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已登记生存认证；因未认证而停发的，下一批次恢复发放并补发停发期间的待遇"))
                return redirect("benefits:life_certs")
    import datetime as dt

    due: list[dict[str, Any]] = []
    for programme in Programme.objects.filter(life_cert_since__isnull=False, status="active"):
        rows = lifecert.due_rows(programme, scope_prefix=request.user.scope_prefix or "",
                                 until=today + dt.timedelta(days=programme.life_cert_remind_days))
        people = Person.objects.in_bulk([r["person_id"] for r in rows])
        for r in rows:
            r |= {"person": people[r["person_id"]], "programme": programme, "overdue": r["deadline"] < today}
        due += rows
    due.sort(key=lambda r: r["deadline"])
    suspended = restrict(selectors.suspensions_for(request.user).filter(reason="proof_of_life"), request.user)
    recent = offset_page(request, restrict(LifeCertificate.objects.select_related("person", "recorded_by"),
                                           request.user).order_by("-certified_on", "-id"))
    audit_sensitive_list(LifeCertificate, ids=[r.pk for r in recent], fields=["person"],
                         division_code=request.user.scope_prefix or "")
    return render(request, "benefits/life_certs.html", {
        "form": form, "due": due[:200], "recent": recent,
        "suspended": suspended.select_related("person", "programme").order_by("-from_month")[:50]})


class LifeRequirementForm(forms.Form):
    every_months = forms.IntegerField(label=_("每隔几个月认证一次"), required=False, min_value=1, max_value=60)
    fixed_month = forms.IntegerField(label=_("或每年截止月"), required=False, min_value=1, max_value=12)
    fixed_day = forms.IntegerField(label=_("截止日"), required=False, min_value=1, max_value=31)
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    remind_days = forms.IntegerField(label=_("提前提醒天数"), min_value=1, max_value=180, initial=30)


@capability_required("benefits.configure")
def life_requirement(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    form = LifeRequirementForm(request.POST or None, initial={
        "every_months": programme.life_cert_every_months, "fixed_month": programme.life_cert_fixed_month,
        "fixed_day": programme.life_cert_fixed_day, "since": programme.life_cert_since,
        "remind_days": programme.life_cert_remind_days})
    if request.method == "POST" and form.is_valid():
        try:
            lifecert.programme_requirement_set(by=request.user, programme=programme, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已保存生存认证要求"))
            return redirect("benefits:programme", pk=pk)
    return render(request, "benefits/life_requirement.html", {"form": form, "programme": programme})


# --------------------------------------------------------------------------- recoveries


def _recoveries(user: Any) -> Any:
    return restrict(Recovery.objects.select_related("person"), user)


@capability_required("benefits.view")
def recoveries_home(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = _recoveries(request.user)
    if status in RecoveryStatus.values:
        qs = qs.filter(status=status)
    listed = offset_page(request, qs.order_by("-created_at", "-id"))
    audit_sensitive_list(Recovery, ids=[r.pk for r in listed], fields=["person", "amount"],
                         division_code=request.user.scope_prefix or "")
    counties = recoveries.outstanding_by_county(_recoveries(request.user))
    for c in counties:
        c["name"] = division_short_name(c["code"])
    return render(request, "benefits/recoveries.html", {"listed": listed, "status": status,
                                                        "statuses": RecoveryStatus.choices, "counties": counties})


@capability_required("benefits.export")
@reads_from_replica
def recoveries_report(request: HttpRequest) -> HttpResponse:
    """Outstanding recoveries by county, and every open one, for the audit office (.xlsx, audited)."""
    qs = _recoveries(request.user)
    counties = recoveries.outstanding_by_county(qs)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("按县汇总")
    sheet_row(ws, [f"超期发放追回情况（截至 {timezone.localdate():%Y年%m月%d日}）"])
    ws.append(["区划代码", "县（市、区）", "追回笔数", "应追回（元）", "已追回（元）", "已核销（元）", "未追回（元）", "未结笔数"])
    for c in counties:
        sheet_row(ws, [c["code"], division_short_name(c["code"]), c["count"], float(c["amount"]),
                       float(c["recovered"]), float(c["written_off"]), float(c["outstanding"]), c["open"]])
    ws2 = wb.create_sheet("未结明细")
    ws2.append(["姓名", "身份证号码", "居住社区", "原因", "发生日期", "超发月份", "月数", "应追回（元）", "已追回（元）", "状态", "依据"])
    open_ = qs.filter(status__in=[RecoveryStatus.OPEN, RecoveryStatus.PARTLY]).order_by("division_code", "id")
    n = 0
    for r in open_.iterator(chunk_size=2000):
        n += 1
        sheet_row(ws2, [r.person.name, r.person.id_number_masked, division_short_name(r.division_code),
                        "死亡" if r.event == "death" else "迁出", f"{r.event_date:%Y-%m-%d}",
                        f"{r.first_month:%Y-%m}~{r.last_month:%Y-%m}", r.months, float(r.amount), float(r.recovered),
                        r.get_status_display(), r.document])
    out = io.BytesIO()
    wb.save(out)
    audit_export(Recovery, count=n, fmt="xlsx", filters={"report": "outstanding_by_county"}, masked=True,
                 division_code=request.user.scope_prefix or "")
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=recoveries-{timezone.localdate():%Y%m%d}.xlsx"
    return response


class RepaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("退回金额（元）"), max_digits=12, decimal_places=2)
    paid_on = forms.DateField(label=_("退回日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reference = forms.CharField(label=_("缴款票据号或银行流水号"), max_length=64)


class WriteOffForm(forms.Form):
    reason = forms.CharField(label=_("核销原因"), max_length=200)


class DeductionForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("从哪个项目的发放中扣减"), queryset=Programme.objects.all())
    amount = forms.DecimalField(label=_("每次扣减（元）"), max_digits=12, decimal_places=2)


@capability_required("benefits.view")
def recovery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(_recoveries(request.user), pk=pk)
    u = request.user
    repay = RepaymentForm(request.POST if request.POST.get("form") == "repay" else None,
                          initial={"paid_on": timezone.localdate(), "amount": rec.amount - rec.recovered})
    write_off = WriteOffForm(request.POST if request.POST.get("form") == "write_off" else None)
    deduction = DeductionForm(request.POST if request.POST.get("form") == "deduct" else None)
    if request.method == "POST":
        if not u.can("benefits.recover"):
            return HttpResponse(status=403)
        which = request.POST.get("form")
        try:
            if which == "repay" and repay.is_valid():
                recoveries.repayment_record(by=u, recovery=rec, **repay.cleaned_data)
                messages.success(request, _("已登记退回"))
                return redirect("benefits:recovery", pk=pk)
            if which == "write_off" and write_off.is_valid():
                recoveries.write_off_request(by=u, recovery=rec, reason=write_off.cleaned_data["reason"])
                messages.success(request, _("已申请核销，须由另一名工作人员审批"))
                return redirect("benefits:recovery", pk=pk)
            if which == "deduct" and deduction.is_valid():
                recoveries.deduction_request(by=u, recovery=rec, note="", **deduction.cleaned_data)
                messages.success(request, _("已申请从以后的发放中扣减，须由另一名工作人员签批"))
                return redirect("benefits:recovery", pk=pk)
        except DomainError as exc:
            _form_errors({"repay": repay, "write_off": write_off, "deduct": deduction}.get(which, repay), exc)
    open_ = rec.status in (RecoveryStatus.OPEN, RecoveryStatus.PARTLY)
    return render(request, "benefits/recovery_detail.html", {
        "rec": rec, "items": rec.items.select_related("programme", "line__run"),
        "payments": rec.payments.select_related("recorded_by"),
        "deductions": rec.deductions.select_related("requested_by", "signed_by", "run"),
        "repay": repay, "write_off": write_off, "deduction": deduction,
        "can_act": u.can("benefits.recover") and open_,
        "can_deduct": u.can("benefits.recover") and open_ and rec.person.status == "active",
        "can_approve_write_off": (u.can("benefits.approve_write_off") and rec.write_off_requested_by_id
                                  and rec.write_off_requested_by_id != u.pk and rec.status != "written_off"),
        "can_sign": u.can("benefits.approve"),
    })


@capability_required("benefits.approve_write_off")
def recovery_write_off(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(_recoveries(request.user), pk=pk)
    return confirm_action(request, ConfirmAction(
        obj=rec, title=str(_("审批核销追回")), danger=True,
        facts=[(_("老年人"), rec.person.name), (_("应追回"), f"{rec.amount:,.2f} 元"),
               (_("已追回"), f"{rec.recovered:,.2f} 元"), (_("核销原因"), rec.write_off_reason or "—")],
        summary=str(_("核销后未追回的金额不再追缴，记入审计日志。")),
        perform=lambda comment, data: recoveries.write_off_approve(by=request.user, recovery=rec),
        success=str(_("已核销")), redirect_to=reverse("benefits:recovery", args=[pk]),
        cancel_to=reverse("benefits:recovery", args=[pk]), button=str(_("同意核销"))))


@capability_required("benefits.approve")
def adjustment_sign(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_scoped_or_404(Entitlement.objects.select_related("person", "programme"), request.user, pk=pk)
    back = reverse("benefits:recovery", args=[line.recovery_id]) if line.recovery_id else reverse("benefits:home")
    return confirm_action(request, ConfirmAction(
        obj=line, title=str(_("签批扣减")),
        facts=[(_("老年人"), line.person.name), (_("项目"), line.programme.name),
               (_("扣减金额"), f"{-line.amount:,.2f} 元"), (_("原因"), line.note)],
        summary=str(_("签批后该扣减随下一个发放批次从应发金额中扣除。")),
        perform=lambda comment, data: services.adjustment_sign(by=request.user, line=line),
        success=str(_("已签批")), redirect_to=back, cancel_to=back, button=str(_("签批"))))


# --------------------------------------------------------------------------- enrolments


class EndForm(forms.Form):
    reason = forms.ChoiceField(label=_("终止原因"), choices=EndReason.choices)
    last_month = forms.CharField(label=_("最后发放月"), widget=forms.TextInput(attrs={"type": "month"}))

    def clean_last_month(self) -> Any:
        try:
            return parse_month(self.cleaned_data["last_month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


@capability_required("benefits.enrol")
def enrolment_end(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_scoped_or_404(Enrolment.objects.select_related("person", "programme"), request.user, pk=pk)
    form = EndForm(request.POST or None, initial={"last_month": f"{timezone.localdate():%Y-%m}"})
    return confirm_action(request, ConfirmAction(
        obj=enrolment, title=str(_("终止享受")), danger=True, form=form,
        facts=[(_("老年人"), enrolment.person.name), (_("项目"), enrolment.programme.name),
               (_("享受起始月"), f"{enrolment.from_month:%Y年%m月}")],
        summary=str(_("终止后不再发放（与停发不同，不能恢复；如需再次享受须重新申请）。")),
        perform=lambda comment, data: services.enrolment_end(by=request.user, enrolment=enrolment,
                                                             reason=data["reason"], last_month=data["last_month"],
                                                             note=comment),
        success=str(_("已终止")), redirect_to=reverse("benefits:enrolments"),
        cancel_to=reverse("benefits:enrolments"), button=str(_("终止享受"))))


# --------------------------------------------------------------------------- bank accounts and files


@capability_required("benefits.enrol")
def bank_account(request: HttpRequest, pk: int) -> HttpResponse:
    """Register or correct a person's payment account (linked from the held-back lines of a run)."""
    person = get_scoped_or_404(Person.objects.all(), request.user, pk=pk)
    account = BankAccount.objects.filter(person=person).first()

    class AccountForm(forms.Form):
        bank_name = forms.CharField(label=_("开户银行"), max_length=60)
        account_no = forms.CharField(label=_("银行账号"), max_length=30)
        holder_name = forms.CharField(label=_("户名"), max_length=32)

    form = AccountForm(request.POST or None, initial={"bank_name": account.bank_name if account else "",
                                                     "holder_name": account.holder_name if account else person.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.bank_account_set(by=request.user, person=person, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已保存代发账户；暂缓的明细由下月批次自动重发"))
            back = request.GET.get("run")
            if back and back.isdigit():
                return redirect("benefits:run", pk=int(back))
            return redirect("benefits:person_payments", pk=pk)
    return render(request, "benefits/bank_account.html", {"form": form, "person": person, "account": account})


class BankFileForm(forms.Form):
    fmt = forms.ModelChoiceField(label=_("银行格式"), queryset=BankFileFormat.objects.all(), empty_label=None)
    reason = forms.CharField(label=_("导出事由"), max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": "报送银行代发"}))


@capability_required("benefits.pay")
@require_POST
def run_bank_file(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    form = BankFileForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择银行格式并填写导出事由"))
        return redirect("benefits:run", pk=pk)
    try:
        content, name = payfiles.bank_file(by=request.user, run=run, fmt=form.cleaned_data["fmt"],
                                           reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("benefits:run", pk=pk)
    fmt = form.cleaned_data["fmt"]
    response = HttpResponse(content, content_type=f"text/plain; charset={fmt.encoding}")
    response["Content-Disposition"] = f"attachment; filename={name}"
    return response


# --------------------------------------------------------------------------- traceability


@capability_required("benefits.view")
def line_trace(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a payment line comes from: rule and band, the document that set the amount, the person's
    facts on the reference date, and who prepared and approved the run."""
    line = get_scoped_or_404(Entitlement.objects.select_related("person", "programme", "band", "run__prepared_by",
                                                                "run__approved_by", "corrects", "carried_from__run",
                                                                "requested_by", "signed_by"), request.user, pk=pk)
    programme = line.programme
    ref = reference_date(programme, line.month)
    rule = rule_for(programme, ref)
    person = line.person
    categories = [c for c in person.categories.all() if c.valid_on(ref)]
    certificate = LifeCertificate.objects.filter(person=person, certified_on__lte=ref).order_by("-certified_on").first()
    history = (Entitlement.objects.filter(person=person, programme=programme).select_related("run")
               .order_by("-month", "-id")[:24])
    from yanglao.core.audit import audit_sensitive_view

    audit_sensitive_view(line, fields=["person", "amount"])
    status_on_ref = person.status if person.status_date is None or person.status_date <= ref else "active"
    return render(request, "benefits/line_trace.html", {
        "line": line, "ref": ref, "rule": rule, "age_on_ref": person.age_on(ref), "categories": categories,
        "certificate": certificate, "history": history, "status_on_ref": status_on_ref,
        "total_paid": history.model.objects.filter(person=person, programme=programme,
                                                   run__status__in=["approved", "paid", "reconciled"])
        .aggregate(s=Sum("amount"))["s"],
    })


# --------------------------------------------------------------------------- accident insurance


class ClaimForm(forms.Form):
    person = PersonField(label=_("老年人"))
    programme = forms.ModelChoiceField(label=_("保险名单"), queryset=Programme.objects.filter(kind="insurance_list"),
                                       empty_label=None)
    accident_date = forms.DateField(label=_("出险日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    description = forms.CharField(label=_("出险经过"), max_length=200)
    amount_claimed = forms.DecimalField(label=_("申请赔付金额（元）"), max_digits=12, decimal_places=2)
    insurer_reference = forms.CharField(label=_("保险公司案件号"), max_length=64, required=False)


@capability_required("benefits.view")
def insurance(request: HttpRequest) -> HttpResponse:
    from . import insurance as ins
    from .models import InsuranceClaim

    form = bind_pickers(ClaimForm(request.POST or None), request.user)
    if request.method == "POST":
        if not request.user.can("benefits.enrol"):
            return HttpResponse(status=403)
        if request.POST.get("form") == "settle":
            claim = get_scoped_or_404(InsuranceClaim.objects.all(), request.user, pk=int(request.POST.get("claim") or 0))
            try:
                ins.claim_settle(by=request.user, claim=claim, amount_paid=request.POST.get("amount_paid", ""),
                                 insurer_reference=request.POST.get("insurer_reference", ""))
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已登记赔付结果"))
            return redirect("benefits:insurance")
        if form.is_valid():
            person = form.cleaned_data.pop("person")
            if person is None:
                form.add_error("person", _("档案不存在或不在您的管辖范围内"))
            else:
                try:
                    ins.claim_record(by=request.user, person=person, **form.cleaned_data)
                except DomainError as exc:
                    _form_errors(form, exc)
                else:
                    messages.success(request, _("已登记理赔"))
                    return redirect("benefits:insurance")
    runs = (selectors.runs_for(request.user).filter(programme__kind="insurance_list")
            .exclude(status__in=["cancelled", "failed"]).select_related("programme")
            .annotate(statements_count=Count("insurer_statements")).order_by("-month")[:12])
    claims = offset_page(request, restrict(InsuranceClaim.objects.select_related("person", "programme"),
                                           request.user).order_by("-accident_date", "-id"))
    return render(request, "benefits/insurance.html", {
        "form": form, "runs": runs, "claims": claims, "reason_form": BankFileForm(),
        "can_file": request.user.can("benefits.export_full"), "can_claim": request.user.can("benefits.enrol")})


@capability_required("benefits.export_full")
@require_POST
def insurer_file(request: HttpRequest, pk: int) -> HttpResponse:
    from . import insurance as ins

    run = _run(request, pk)
    try:
        content, name = ins.insurer_file(by=request.user, run=run, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("benefits:insurance")
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename={name}"
    return response


# --------------------------------------------------------------------------- the insurer's statement


class InsurerStatementForm(forms.Form):
    insurer = forms.CharField(label=_("保险公司"), max_length=100,
                              widget=forms.TextInput(attrs={"placeholder": "中国人民财产保险股份有限公司阳江市分公司"}))
    file = forms.FileField(label=_("承保清单（.xlsx / .csv：姓名、身份证号码、保费）"))


@capability_required("benefits.export_full")
def insurer_statements(request: HttpRequest, pk: int) -> HttpResponse:
    """A month's insured list and the insurer's statements checked against it; upload another."""
    from . import insurance as ins
    from .models import InsurerStatement

    run = _run(request, pk)
    if run.programme.kind != "insurance_list":
        raise Http404
    form = InsurerStatementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            statement = ins.statement_import(by=request.user, run=run, filename=upload.name,
                                             content=read_uploaded(upload, kind="insurer_statement"),
                                             insurer=form.cleaned_data["insurer"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("共 %(n)s 行：一致 %(m)s 人，保费不符 %(p)s 人，漏保 %(u)s 人，多保 %(x)s 人，有误 %(b)s 行。")
                             % {"n": statement.rows, "m": statement.matched, "p": statement.premium_differs,
                                "u": statement.not_insured, "x": statement.not_listed, "b": statement.bad})
            return redirect("benefits:insurer_statement", pk=statement.pk)
    statements = (restrict(InsurerStatement.objects.filter(run=run), request.user).select_related("uploaded_by")
                  .order_by("-created_at", "-id"))
    return render(request, "benefits/insurer_statements.html", {"run": run, "form": form, "statements": statements})


@capability_required("benefits.export_full")
def insurer_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """One statement's findings by outcome (masked ID numbers); ?format=xlsx downloads them."""
    from yanglao.core.http import xlsx_response

    from . import insurance as ins
    from .models import InsurerStatement, InsurerStatementRow

    statement = get_object_or_404(restrict(InsurerStatement.objects.select_related("run__programme", "uploaded_by"),
                                           request.user), pk=pk)
    counts = statement.counts
    show = request.GET.get("show", "")
    if show not in counts:  # the findings to chase first: who is not insured
        show = next((v for v in ("not_insured", "not_listed", "premium", "bad") if counts[v]), "matched")
    rows = restrict(InsurerStatementRow.objects.filter(statement=statement, outcome=show), request.user)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(ins.statement_workbook(by=request.user, statement=statement, rows=rows),
                             f"chengbao-{statement.pk}-{show}.xlsx")
    listed = offset_page(request, rows.order_by("row_no", "id"))
    audit_sensitive_list(InsurerStatementRow, ids=[r.pk for r in listed], fields=["name", "id_masked"],
                         division_code=request.user.scope_prefix or "")
    return render(request, "benefits/insurer_statement.html", {
        "statement": statement, "run": statement.run, "listed": listed, "show": show,
        "outcomes": [(v, label, counts[v]) for v, label in InsurerStatementRow.Outcome.choices]})
