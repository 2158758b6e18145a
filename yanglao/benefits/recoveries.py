"""Recoveries (追回): money paid for months after a death or a move, got back.

A recovery is opened per person and event (unique), from the lines actually paid (approved runs, no
failed bank result) for months after the month of the event; its items are those lines, so its
months and amount can always be traced and it can never ask for more than was paid (the database
refuses a recovered amount above the amount). Money comes back as repayments (退回, with a receipt)
or deductions from later payments (a negative adjustment line, which needs a second signature);
what cannot be got back is written off with a reason, asked by one person and approved by another.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from yanglao.core.audit import audit_bulk, audit_context
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import User
from yanglao.core.scope import division_in_scope

from .choices import RecoveryPaymentKind, RecoveryStatus
from .models import Entitlement, Recovery, RecoveryItem, RecoveryPayment
from .months import month_start

LOCKED = ("approved", "paid", "reconciled")

# The paid lines after the event month, for the confirmed rows: one SELECT reused twice.
PAID_AFTER = (
    "SELECT r.id AS row_id, r.person_id, r.event_date, e.id AS line_id, e.programme_id, e.month, e.amount, "
    "p.division_code FROM benefits_matchrow r JOIN people_person p ON p.id = r.person_id "
    "JOIN benefits_entitlement e ON e.person_id = r.person_id "
    "JOIN benefits_paymentrun pr ON pr.id = e.run_id AND pr.status IN ('approved', 'paid', 'reconciled') "
    "LEFT JOIN benefits_paymentresult res ON res.line_id = e.id "
    "WHERE r.id = ANY(%s) AND e.month > date_trunc('month', r.event_date) AND e.amount > 0 "
    "AND (res.id IS NULL OR res.outcome = 'paid') "
    "AND NOT EXISTS (SELECT 1 FROM benefits_recoveryitem i WHERE i.line_id = e.id)"
)


def _require(user: User, capability: str) -> None:
    if not user.can(capability):
        raise Forbidden("您没有办理追回的权限")


def open_for_rows(rows: list[int], *, event: str, document: str, by: User) -> int:
    """One recovery per person for the confirmed match rows that were paid after the event (set-based:
    two INSERT … SELECT and one UPDATE). Returns how many recoveries were opened."""
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO benefits_recovery (person_id, event, event_date, amount, recovered, months, first_month, "
            "last_month, status, source_id, document, write_off_reason, write_off_requested_by_id, written_off_by_id, "
            "division_code, created_at, updated_at, version) "
            "SELECT person_id, %s, event_date, SUM(amount), 0, COUNT(DISTINCT month), MIN(month), MAX(month), 'open', "
            "MIN(row_id), %s, '', NULL, NULL, MIN(division_code), %s, %s, 1 "
            f"FROM ({PAID_AFTER}) x GROUP BY person_id, event_date ON CONFLICT DO NOTHING",
            [event, document, now, now, rows])
        opened = max(cur.rowcount, 0)
        cur.execute(
            "INSERT INTO benefits_recoveryitem (recovery_id, line_id, programme_id, month, amount) "
            "SELECT rc.id, x.line_id, x.programme_id, x.month, x.amount "
            f"FROM ({PAID_AFTER}) x JOIN benefits_recovery rc ON rc.person_id = x.person_id AND rc.event = %s "
            "AND rc.event_date = x.event_date AND rc.created_at = %s",
            [rows, event, now])
    audit_bulk(Recovery, operation="recovery_open", count=opened, params={"event": event, "document": document})
    return opened


def recovery_create(*, by: User, person: Any, event: str, event_date: dt.date, amount: Any, document: str) -> Recovery:
    """A recovery entered by hand (e.g. from a letter): refused above what was paid after the event."""
    _require(by, "benefits.recover")
    if not division_in_scope(by, person.division_code):
        raise Forbidden("该老年人不在您的管辖范围内")
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except Exception:
        raise ValidationFailed("金额格式不正确", details={"amount": "应为数字"}) from None
    if value <= 0:
        raise ValidationFailed("追回金额须大于0", details={"amount": "须大于0"})
    if not document.strip():
        raise ValidationFailed("请填写依据", details={"document": "必填"})
    paid = list(_paid_after(person.pk, event_date))
    total = sum((a for _, _, _, a in paid), Decimal("0"))
    if value > total:
        raise ValidationFailed(
            f"追回金额 {value:,.2f} 元超过{event_date:%Y年%m月%d日}以后实际发放的 {total:,.2f} 元，不能追回多于已发放的金额",
            details={"amount": f"最多 {total:,.2f} 元"})
    try:
        with audit_context(by), transaction.atomic():
            rec = Recovery.objects.create(
                person=person, event=event, event_date=event_date, amount=value, months=len({m for _, _, m, _ in paid}),
                first_month=min(m for _, _, m, _ in paid), last_month=max(m for _, _, m, _ in paid),
                document=document.strip()[:200], division_code=person.division_code)
            RecoveryItem.objects.bulk_create([RecoveryItem(recovery=rec, line_id=lid, programme_id=pid, month=m, amount=a)
                                              for lid, pid, m, a in paid])
            return rec
    except IntegrityError as exc:
        raise Conflict("该老年人此事由的追回已存在，或有关明细已在其他追回中") from exc


def _paid_after(person_id: int, event_date: dt.date) -> Any:
    return (Entitlement.objects.filter(person_id=person_id, month__gt=month_start(event_date), amount__gt=0,
                                       run__status__in=LOCKED, recovery_item__isnull=True)
            .filter(Q(result__isnull=True) | Q(result__outcome="paid"))
            .values_list("id", "programme_id", "month", "amount"))


def _refresh(rec: Recovery) -> Recovery:
    """Recovered = repayments + deductions; the status follows (never above the amount)."""
    total = rec.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    if total > rec.amount:
        raise ValidationFailed(f"累计追回 {total:,.2f} 元将超过应追回的 {rec.amount:,.2f} 元",
                               details={"amount": f"最多还可追回 {rec.amount - rec.recovered:,.2f} 元"})
    rec.recovered = total
    if rec.status != RecoveryStatus.WRITTEN_OFF:
        rec.status = (RecoveryStatus.RECOVERED if total == rec.amount else RecoveryStatus.PARTLY if total > 0
                      else RecoveryStatus.OPEN)
    rec.save(update_fields=["recovered", "status"])
    return rec


def _locked(by: User, rec: Recovery) -> Recovery:
    rec = Recovery.objects.select_for_update().select_related("person").get(pk=rec.pk)
    if not division_in_scope(by, rec.division_code):
        raise Forbidden("该追回不在您的管辖范围内")
    return rec


def repayment_record(*, by: User, recovery: Recovery, amount: Any, paid_on: dt.date, reference: str) -> RecoveryPayment:
    _require(by, "benefits.recover")
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except Exception:
        raise ValidationFailed("金额格式不正确", details={"amount": "应为数字"}) from None
    if value <= 0:
        raise ValidationFailed("退回金额须大于0", details={"amount": "须大于0"})
    if not reference.strip():
        raise ValidationFailed("请填写缴款票据号或银行流水号", details={"reference": "必填"})
    if paid_on > timezone.localdate():
        raise ValidationFailed("退回日期不能晚于今天", details={"paid_on": "不能晚于今天"})
    with audit_context(by), transaction.atomic():
        rec = _locked(by, recovery)
        if rec.status in (RecoveryStatus.RECOVERED, RecoveryStatus.WRITTEN_OFF):
            raise Conflict(f"该追回已是“{rec.get_status_display()}”")
        if value > rec.amount - rec.recovered:
            raise ValidationFailed(f"退回 {value:,.2f} 元超过尚未追回的 {rec.amount - rec.recovered:,.2f} 元",
                                   details={"amount": f"最多 {rec.amount - rec.recovered:,.2f} 元"})
        pay = RecoveryPayment.objects.create(recovery=rec, kind=RecoveryPaymentKind.REPAYMENT, amount=value,
                                             paid_on=paid_on, reference=reference.strip()[:64], recorded_by=by,
                                             division_code=rec.division_code)
        _refresh(rec)
        return pay


def deduction_request(*, by: User, recovery: Recovery, programme: Any, amount: Any, note: str) -> Entitlement:
    """Deduct from the person's next payment of a programme (where its rules allow): a negative
    adjustment line, carried by a run only after a second person signs it (`adjustment_sign`)."""
    from .services import negative_adjustment_request

    _require(by, "benefits.recover")
    with audit_context(by), transaction.atomic():
        rec = _locked(by, recovery)
        if rec.status in (RecoveryStatus.RECOVERED, RecoveryStatus.WRITTEN_OFF):
            raise Conflict(f"该追回已是“{rec.get_status_display()}”")
        if rec.person.status != "active":
            raise ValidationFailed("该老年人已不在册，没有以后的发放可以抵扣，请登记退回或申请核销")
        pending = Entitlement.objects.filter(recovery=rec, run__isnull=True).aggregate(s=Sum("amount"))["s"] or 0
        line = negative_adjustment_request(by=by, person=rec.person, programme=programme, amount=amount,
                                           note=note or f"抵扣追回款（追回#{rec.pk}）", recovery=rec)
        if -line.amount - pending > rec.amount - rec.recovered:  # pending is negative
            raise ValidationFailed(f"抵扣金额超过尚未追回的 {rec.amount - rec.recovered:,.2f} 元",
                                   details={"amount": f"最多 {rec.amount - rec.recovered:,.2f} 元"})
        return line


def deductions_settle(run: Any, by: User | None = None) -> int:
    """A deduction is money recovered only when the bank confirms the payment it was netted into: called by
    the bank result import (payfiles.reconcile_import), each deduction line of the run whose person's payment
    the bank reports paid becomes a recovery payment dated that day; where the payment failed, the deduction
    stays unrecovered (the recovery keeps its balance: a new deduction or a repayment settles it).
    Idempotent: a line already settled is skipped."""
    from .models import PaymentResult

    paid_people = PaymentResult.objects.filter(run=run, outcome="paid").values("line__person_id")
    lines = list(Entitlement.objects.filter(run=run, recovery__isnull=False, amount__lt=0, person_id__in=paid_people)
                 .exclude(pk__in=RecoveryPayment.objects.filter(line__isnull=False).values("line_id")))
    for line in lines:
        rec = Recovery.objects.select_for_update().get(pk=line.recovery_id)
        RecoveryPayment.objects.create(recovery=rec, kind=RecoveryPaymentKind.DEDUCTION, amount=-line.amount,
                                       paid_on=timezone.localdate(), reference=f"批次{run.pk}（银行已确认发放）", line=line,
                                       recorded_by=by or run.approved_by, division_code=rec.division_code)
        _refresh(rec)
    return len(lines)


def write_off_request(*, by: User, recovery: Recovery, reason: str) -> Recovery:
    _require(by, "benefits.recover")
    if len(reason.strip()) < 4:
        raise ValidationFailed("请写明核销原因（如：当事人已死亡且无遗产，经调查无法追回）", details={"reason": "必填"})
    with audit_context(by), transaction.atomic():
        rec = _locked(by, recovery)
        if rec.status in (RecoveryStatus.RECOVERED, RecoveryStatus.WRITTEN_OFF):
            raise Conflict(f"该追回已是“{rec.get_status_display()}”")
        rec.write_off_reason = reason.strip()[:200]
        rec.write_off_requested_by = by
        rec.save(update_fields=["write_off_reason", "write_off_requested_by"])
        return rec


def write_off_approve(*, by: User, recovery: Recovery) -> Recovery:
    """The second signature: someone other than the requester writes the outstanding amount off."""
    _require(by, "benefits.approve_write_off")
    with audit_context(by), transaction.atomic():
        rec = _locked(by, recovery)
        if rec.write_off_requested_by_id is None:
            raise Conflict("尚未申请核销")
        if rec.status == RecoveryStatus.WRITTEN_OFF:
            raise Conflict("该追回已核销")
        if rec.write_off_requested_by_id == by.pk:
            raise Forbidden("不能审批自己提出的核销申请，须由另一名工作人员审批")
        rec.status = RecoveryStatus.WRITTEN_OFF
        rec.written_off_by = by
        rec.save(update_fields=["status", "written_off_by"])
        return rec


def outstanding_by_county(qs: Any) -> list[dict[str, Any]]:
    """Recoveries per county: count, amount, recovered, written off, outstanding."""
    from django.db.models.functions import Substr

    agg = (qs.annotate(county=Substr("division_code", 1, 6)).values("county").order_by("county").annotate(
        n=Count("id"), total=Sum("amount"), got=Sum("recovered"),
        written_off=Sum("amount", filter=Q(status=RecoveryStatus.WRITTEN_OFF)),
        written_off_recovered=Sum("recovered", filter=Q(status=RecoveryStatus.WRITTEN_OFF)),
        open_n=Count("id", filter=Q(status__in=[RecoveryStatus.OPEN, RecoveryStatus.PARTLY]))))
    out = []
    for a in agg:
        written = (a["written_off"] or Decimal("0")) - (a["written_off_recovered"] or Decimal("0"))
        amount, recovered = a["total"] or Decimal("0"), a["got"] or Decimal("0")
        out.append({"code": a["county"], "count": a["n"], "open": a["open_n"], "amount": amount,
                    "recovered": recovered, "written_off": written, "outstanding": amount - recovered - written})
    return out
