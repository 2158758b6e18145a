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

from django.db import IntegrityError, transaction
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


# --------------------------------------------------------------------------- the insurer's statement

STATEMENT_HEADERS = ["姓名", "身份证号码", "保费"]
STATEMENT_ALIASES = {
    "被保险人": "姓名", "被保险人姓名": "姓名", "公民身份号码": "身份证号码", "身份证号": "身份证号码", "证件号码": "身份证号码",
    "被保险人身份证号码": "身份证号码", "被保险人证件号码": "身份证号码", "保险费": "保费", "保费（元）": "保费",
    "保费(元)": "保费", "应缴保费": "保费", "保费金额": "保费", "月保费": "保费", "保险费（元）": "保费",
}
MAX_STATEMENT_ERRORS = 1000


def statement_import(*, by: User, run: PaymentRun, filename: str, content: bytes, insurer: str) -> Any:
    """Check the insurer's own list of the people it insured for the run's month (承保清单) against the run's
    insured list, person by person (by the ID number's keyed hash): insured as listed; premium differs;
    on our list but not insured (漏保); insured but not on our list (多保); rows that cannot be read (row,
    column, reason, as every import reports them). Changes nothing but the statement and its findings."""
    import hashlib

    from yanglao.core.audit import audit_bulk
    from yanglao.core.crypto import Sealer
    from yanglao.core.tabular import CellError, cell_to_decimal, clean_name
    from yanglao.core.uploads import read_upload
    from yanglao.people.choices import Status
    from yanglao.people.models import Person

    from .matching import id_cell
    from .models import InsurerStatement, InsurerStatementRow

    if not by.can("benefits.export_full"):
        raise Forbidden("您没有核对保险公司承保清单的权限")
    if run.programme.kind != ProgrammeKind.INSURANCE_LIST:
        raise ValidationFailed("只有保险名单类项目可以核对承保清单")
    if not run.is_locked:
        raise Conflict("名单审核通过后才能核对保险公司的承保清单")
    if not insurer.strip():
        raise ValidationFailed("请填写保险公司", details={"insurer": "必填（如：中国人民财产保险股份有限公司阳江市分公司）"})
    digest = hashlib.sha256(content).hexdigest()
    if InsurerStatement.objects.filter(run=run, file_sha256=digest).exists():
        raise Conflict("该承保清单已核对过，请在核对记录中查看")
    table = read_upload(content, kind="insurer_statement", filename=filename, expected_headers=STATEMENT_HEADERS,
                        aliases=STATEMENT_ALIASES, min_matches=2)
    Outcome = InsurerStatementRow.Outcome
    try:
        missing = [h for h in ("身份证号码", "保费") if h not in table.columns]
        if missing:
            shown = "、".join(missing)
            raise ValidationFailed(f"承保清单缺少必需的列：{shown}", details={"file": f"缺少列：{shown}"})
        # our list: hash → (person, premium, name, masked ID, community)
        listed = {h: (pid, amount, name, masked, division) for pid, amount, h, name, masked, division in
                  Entitlement.objects.filter(run=run, kind="regular").values_list(
                      "person_id", "amount", "person__id_number_hash", "person__name", "person__id_number_masked",
                      "division_code")}
        sealer, seen = Sealer(), {}
        col = table.column_of
        rows: list[InsurerStatementRow] = []
        unlisted: dict[str, InsurerStatementRow] = {}
        total = Decimal("0")
        for row_no, cells in table:
            r = InsurerStatementRow(row_no=row_no, name=clean_name(cells.get("姓名"))[:32])

            def bad(column: str, reason: str, r: InsurerStatementRow = r) -> None:
                r.outcome, r.column, r.reason = Outcome.BAD, f"{col(column)} {column}".strip(), reason[:200]
                rows.append(r)

            r.id_masked, h, problem = id_cell(cells.get("身份证号码"), sealer)
            if problem:
                bad("身份证号码", problem)
                continue
            if h in seen:
                bad("身份证号码", f"与第 {seen[h]} 行重复（同一人在清单中只能出现一次）")
                continue
            seen[h] = row_no
            try:
                r.premium = cell_to_decimal(cells.get("保费")).quantize(Decimal("0.01"))
            except CellError as exc:
                bad("保费", exc.message if cells.get("保费") not in (None, "") else "缺少保费")
                continue
            if r.premium < 0:
                r.premium = None
                bad("保费", "保费不能为负数")
                continue
            total += r.premium
            mine = listed.get(h)
            if mine is None:
                r.outcome, r.reason = Outcome.NOT_LISTED, "不在本月投保名单中，不应由政府缴费"
                unlisted[h] = r
            else:
                r.person_id, r.expected, r.division_code = mine[0], mine[1], mine[4]
                if r.premium == mine[1]:
                    r.outcome = Outcome.MATCHED
                else:
                    r.outcome = Outcome.PREMIUM_DIFFERS
                    r.reason = f"清单保费 {r.premium:,.2f} 元，投保名单为 {mine[1]:,.2f} 元"
            rows.append(r)
        if not rows:
            raise ValidationFailed("承保清单中没有数据行", details={"file": "没有数据行"})
    finally:
        table.close()
    # in the file but not on our list: is the person in the registry at all (and where)?
    for h, pid, division, status in Person.objects.filter(id_number_hash__in=list(unlisted)).values_list(
            "id_number_hash", "pk", "division_code", "status"):
        r = unlisted[h]
        r.person_id, r.division_code = pid, division
        r.reason = (f"档案中该老年人已不在册（{dict(Status.choices).get(status, status)}），不应续保"
                    if status != Status.ACTIVE else "不在本月投保名单中（不符合投保条件或未纳入），不应由政府缴费")
    for r in unlisted.values():
        if r.person_id is None:
            r.reason = "本市档案中无此人，不应由政府缴费"
    # on our list but not in the file: not insured
    for h, (pid, amount, name, masked, division) in listed.items():
        if h not in seen:
            rows.append(InsurerStatementRow(name=name, id_masked=masked, person_id=pid, expected=amount,
                                            outcome=Outcome.NOT_INSURED, division_code=division,
                                            reason="在本月投保名单中，但不在保险公司承保清单中：出险将无法理赔"))
    counts = {o: 0 for o in Outcome.values}
    for r in rows:
        counts[r.outcome] += 1
    try:
        with audit_context(by), transaction.atomic():
            statement = InsurerStatement.objects.create(
                run=run, filename=filename[:200], file_sha256=digest, insurer=insurer.strip()[:100], uploaded_by=by,
                rows=sum(1 for r in rows if r.row_no is not None), matched=counts[Outcome.MATCHED],
                premium_differs=counts[Outcome.PREMIUM_DIFFERS], not_insured=counts[Outcome.NOT_INSURED],
                not_listed=counts[Outcome.NOT_LISTED], bad=counts[Outcome.BAD], statement_total=total,
                list_total=sum((v[1] for v in listed.values()), Decimal("0")), division_code=run.division_code)
            for r in rows:
                r.statement = statement
                # a row with nobody of the registry (unknown, unreadable) belongs to the list's area: whoever may
                # see the statement sees it (scope reads the rows' division)
                r.division_code = r.division_code or run.division_code
            InsurerStatementRow.objects.bulk_create(rows, batch_size=5000)
            audit_bulk(InsurerStatementRow, operation="insurer_statement_import", count=len(rows),
                       division_code=run.division_code,
                       params={"statement": statement.pk, "run": run.pk, "file": filename, "not_insured": statement.not_insured,
                               "not_listed": statement.not_listed, "premium_differs": statement.premium_differs,
                               "bad": statement.bad})
    except IntegrityError as exc:  # the same file, checked by someone else at the same moment
        raise Conflict("该承保清单已核对过，请在核对记录中查看") from exc
    return statement


STATEMENT_EXPORT_HEADERS = ["清单行号", "姓名", "身份证号码（脱敏）", "清单保费", "名单保费", "结果", "列", "原因或说明", "所属区划"]


def statement_workbook(*, by: User, statement: Any, rows: Any) -> bytes:
    """A statement's findings as .xlsx (masked ID numbers), to send the insurer its corrections; audited."""
    from yanglao.core.audit import audit_export

    from .models import InsurerStatementRow

    labels = dict(InsurerStatementRow.Outcome.choices)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("核对结果")
    sheet_row(ws, [f"{statement.run.programme.name} {statement.run.month:%Y年%m月} 承保清单核对：{statement.insurer}",
                   statement.filename])
    ws.append(STATEMENT_EXPORT_HEADERS)
    n = 0
    for r in rows.order_by("row_no", "id").iterator(chunk_size=5000):
        n += 1
        sheet_row(ws, [r.row_no or "", r.name, r.id_masked, float(r.premium) if r.premium is not None else "",
                       float(r.expected) if r.expected is not None else "", str(labels.get(r.outcome, r.outcome)),
                       r.column, r.reason, r.division_code])
    out = io.BytesIO()
    wb.save(out)
    with audit_context(by):
        audit_export(InsurerStatementRow, count=n, fmt="xlsx", masked=True, division_code=statement.division_code,
                     filters={"statement": statement.pk})
    return out.getvalue()
