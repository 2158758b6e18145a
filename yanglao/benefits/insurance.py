"""Accident insurance for older people (老年人意外伤害保险).

The insured list is a programme of kind 保险名单: who is on it is its eligibility rule (e.g. all 特困 and
低保 older people, or all aged 80+) and the premium per person and month is its amount band (dated
configuration, like any amount). Each month's run is the list for that month; the preview's 新增 and
停发 are the month's additions and removals. The insurer's file (`insurer_file`) carries the list with
full ID numbers (an audited export with a reason), the additions and the removals; claims are
recorded against the list and refused for a person not on it in the month of the accident.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from openpyxl import Workbook

from yanglao.core.audit import audit_context, audit_export, require_reveal_reason
from yanglao.core.cells import sheet_row
from yanglao.core.crypto import decrypt
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import User
from yanglao.core.scope import division_in_scope

from .choices import ProgrammeKind
from .models import Entitlement, InsuranceClaim, PaymentRun, Programme
from .months import month_start


def insurer_file(*, by: User, run: PaymentRun, reason: str) -> tuple[bytes, str]:
    if not by.can("benefits.export_full"):
        raise Forbidden("您没有导出投保名单（含完整身份证号码）的权限")
    if run.programme.kind != ProgrammeKind.INSURANCE_LIST:
        raise ValidationFailed("只有保险名单类项目可以生成投保名单")
    if not run.is_locked:
        raise Conflict("名单审核通过后才能报送保险公司")
    why = require_reveal_reason(reason)
    wb = Workbook(write_only=True)
    lines = (Entitlement.objects.filter(run=run, kind="regular").order_by("division_code", "person_id")
             .values_list("person__name", "person__sex", "person__id_number_enc", "person__birth_date", "division_code",
                          "amount", "reason"))
    count, total = 0, Decimal("0")
    for title, only_new in (("在保名单", False), ("本月新增", True)):
        ws = wb.create_sheet(title)
        sheet_row(ws, [f"{run.programme.name} {run.month:%Y年%m月} {title}"])
        ws.append(["序号", "姓名", "性别", "身份证号码", "年龄", "居住社区代码", "保费（元/月）"])
        n = 0
        for name, sex, enc, birth, division, amount, why_line in lines.iterator(chunk_size=5000):
            if only_new and why_line != "new":
                continue
            n += 1
            age = run.month.year - birth.year - ((run.month.month, run.month.day) < (birth.month, birth.day))
            sheet_row(ws, [n, name, "男" if sex == "M" else "女", decrypt(enc), age, division, float(amount)])
            if not only_new:
                count, total = count + 1, total + amount
        if not only_new:
            ws.append(["合计", count, "", "", "", "", float(total)])
    ws = wb.create_sheet("本月减少")
    ws.append(["序号", "姓名", "身份证号码", "居住社区代码", "原因"])
    for n, change in enumerate(run.stopped.select_related("person").order_by("division_code", "person_id"), start=1):
        sheet_row(ws, [n, change.person.name, decrypt(change.person.id_number_enc), change.division_code,
                       change.reason_label])
    out = io.BytesIO()
    wb.save(out)
    with audit_context(by):
        audit_export(Entitlement, count=count, fmt="insurer-xlsx", masked=False, division_code=run.division_code,
                     filters={"run": run.pk, "programme": run.programme.code, "month": f"{run.month:%Y-%m}"},
                     reason=why)
    return out.getvalue(), f"toubao-{run.programme.code}-{run.month:%Y%m}.xlsx"


def claim_record(*, by: User, person: Any, programme: Programme, accident_date: dt.date, description: str,
                 amount_claimed: Any, insurer_reference: str = "") -> InsuranceClaim:
    if not by.can("benefits.enrol"):
        raise Forbidden()
    if not division_in_scope(by, person.division_code):
        raise Forbidden("该老年人不在您的管辖范围内")
    try:
        amount = Decimal(str(amount_claimed)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("金额格式不正确", details={"amount_claimed": "应为数字"}) from None
    if amount <= 0:
        raise ValidationFailed("申请赔付金额须大于0", details={"amount_claimed": "须大于0"})
    if not description.strip():
        raise ValidationFailed("请填写出险经过", details={"description": "必填"})
    line = (Entitlement.objects.filter(person=person, programme=programme, kind__in=["regular", "back_pay"],
                                       month=month_start(accident_date), run__status__in=["approved", "paid", "reconciled"])
            .first())
    if programme.kind != ProgrammeKind.INSURANCE_LIST or line is None:
        raise ValidationFailed(f"{person.name}在{accident_date:%Y年%m月}不在{programme.name}的投保名单中，不能登记理赔",
                               details={"accident_date": "出险当月不在投保名单中"})
    with audit_context(by), transaction.atomic():
        return InsuranceClaim.objects.create(person=person, programme=programme, line=line, accident_date=accident_date,
                                             description=description.strip()[:200], amount_claimed=amount,
                                             insurer_reference=insurer_reference.strip()[:64], recorded_by=by,
                                             division_code=person.division_code)


def claim_settle(*, by: User, claim: InsuranceClaim, amount_paid: Any, insurer_reference: str = "") -> InsuranceClaim:
    if not by.can("benefits.enrol"):
        raise Forbidden()
    try:
        paid = Decimal(str(amount_paid)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("金额格式不正确", details={"amount_paid": "应为数字"}) from None
    with audit_context(by), transaction.atomic():
        claim = InsuranceClaim.objects.select_for_update().get(pk=claim.pk)
        if not division_in_scope(by, claim.division_code):
            raise Forbidden()
        if claim.state != InsuranceClaim.State.REPORTED:
            raise Conflict("该理赔已办结")
        if paid < 0 or paid > claim.amount_claimed:
            raise ValidationFailed(f"赔付金额应在0至{claim.amount_claimed:,.2f}元之间",
                                   details={"amount_paid": f"最多 {claim.amount_claimed:,.2f} 元"})
        claim.amount_paid = paid
        claim.state = InsuranceClaim.State.PAID if paid > 0 else InsuranceClaim.State.REFUSED
        claim.insurer_reference = insurer_reference.strip()[:64] or claim.insurer_reference
        claim.save(update_fields=["amount_paid", "state", "insurer_reference"])
        return claim
