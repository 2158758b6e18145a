"""Every write of the benefits module: programmes, rules and bands, enrolment, suspension, runs,
approval, adjustments and bank accounts. Keyword-only, typed, one Chinese error per failure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yanglao.core import crypto
from yanglao.core.audit import audit_context, audit_sensitive_view
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.models import User
from yanglao.core.scope import division_in_scope
from yanglao.people.models import Person

from . import notices
from .choices import BandBasis, EnrolmentMode, EnrolmentStatus, ProgrammeStatus, RunStatus, SuspensionReason
from .models import (
    AmountBand,
    BankAccount,
    EligibilityRule,
    Enrolment,
    Entitlement,
    PaymentRun,
    Programme,
    Suspension,
)
from .months import add_months, month_end, month_label, month_start

ACCOUNT_PURPOSE = "bank_account"
KNOWN_CATEGORIES = {"tekun", "dibao", "dibao_edge", "economic_hardship", "family_planning_special",
                    "severe_disability", "veteran"}
LIVING = {"alone", "empty_nest", "left_behind", "with_children", "with_spouse", "institution", "other"}


def _require(user: User, capability: str) -> None:
    if not user.can(capability):
        raise Forbidden()


def _person_in_scope(user: User, person: Person) -> None:
    if not division_in_scope(user, person.division_code):
        raise Forbidden("该老年人不在您的管辖范围内")


def _money(value: Any, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("金额格式不正确", details={field: "应为数字，如 100.00"}) from None
    if amount <= 0:
        raise ValidationFailed("金额须大于0", details={field: "金额须大于0"})
    return amount


def _overlaps(a_from: dt.date, a_to: dt.date | None, b_from: dt.date, b_to: dt.date | None) -> bool:
    return (b_to is None or a_from <= b_to) and (a_to is None or b_from <= a_to)


# --------------------------------------------------------------------------- programmes


def programme_create(*, by: User, code: str, name: str, kind: str, legal_basis: str, issuing_unit: str = "",
                     band_basis: str = BandBasis.AGE, reference_day: str = "first",
                     enrolment_mode: str = EnrolmentMode.AUTO, description: str = "", is_demo: bool = False,
                     payment_summary: str = "") -> Programme:
    _require(by, "benefits.configure")
    errors = {}
    if not code.strip():
        errors["code"] = "请填写项目代码"
    if not name.strip():
        errors["name"] = "请填写项目名称"
    if not legal_basis.strip():
        errors["legal_basis"] = "请填写政策依据文号（金额和条件须有文件依据）"
    if Programme.objects.filter(code=code).exists():
        errors["code"] = f"项目代码“{code}”已存在"
    if errors:
        raise ValidationFailed(details=errors)
    with audit_context(by), transaction.atomic():
        return Programme.objects.create(
            code=code.strip(), name=name.strip(), kind=kind, legal_basis=legal_basis.strip(),
            issuing_unit=issuing_unit.strip(), band_basis=band_basis, reference_day=reference_day,
            enrolment_mode=enrolment_mode, description=description, is_demo=is_demo,
            payment_summary=payment_summary or name[:20], status=ProgrammeStatus.ACTIVE,
        )


def _locked_through(programme: Programme) -> dt.date | None:
    """The last day of the latest month already approved: rules and amounts before it are history."""
    last = PaymentRun.objects.filter(programme=programme, status__in=["approved", "paid", "reconciled"]).order_by(
        "-month").values_list("month", flat=True).first()
    return month_end(last) if last else None


def _check_not_history(programme: Programme, valid_from: dt.date, field: str = "valid_from") -> None:
    locked = _locked_through(programme)
    if locked and valid_from <= locked:
        raise ValidationFailed(
            f"{locked:%Y年%m月}及以前的月份已审核发放，标准和条件不能追溯修改；更正请使用更正明细",
            details={field: f"生效日期须晚于 {locked:%Y-%m-%d}"},
        )


def _is_code_list(value: Any) -> bool:
    """None or a list of code strings: what the rule lists store (JSON), whatever the caller sent."""
    return value is None or isinstance(value, list) and all(isinstance(v, str) for v in value)


def rule_add(*, by: User, programme: Programme, valid_from: dt.date, valid_to: dt.date | None = None,
             min_age: int | None = None, max_age: int | None = None, required_categories: list[str] | None = None,
             excluded_categories: list[str] | None = None, excluded_categories_in_institution: list[str] | None = None,
             excluded_living_situations: list[str] | None = None, min_care_level: int | None = None,
             max_care_level: int | None = None, residence_prefix: str = "4417", document_no: str = "",
             note: str = "") -> EligibilityRule:
    _require(by, "benefits.configure")
    errors: dict[str, str] = {}
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = "失效日期不能早于生效日期"
    if min_age is not None and max_age is not None and max_age < min_age:
        errors["max_age"] = "最高年龄不能小于最低年龄"
    for field, level in (("min_care_level", min_care_level), ("max_care_level", max_care_level)):
        if level is not None and not 0 <= level <= 4:
            errors[field] = "能力等级为0–4级"
    for field, codes in (("required_categories", required_categories), ("excluded_categories", excluded_categories),
                         ("excluded_categories_in_institution", excluded_categories_in_institution)):
        if not _is_code_list(codes):
            errors[field] = "应为人员类别代码的列表"
            continue
        unknown = set(codes or []) - KNOWN_CATEGORIES
        if unknown:
            errors[field] = f"未知的人员类别：{'、'.join(sorted(unknown))}"
    if not _is_code_list(excluded_living_situations):
        errors["excluded_living_situations"] = "应为居住状况代码的列表"
    elif set(excluded_living_situations or []) - LIVING:
        errors["excluded_living_situations"] = "未知的居住状况"
    if not residence_prefix.startswith(programme.division_code[:4]):
        errors["residence_prefix"] = "居住地区划须在本市范围内"
    clash = [r for r in programme.rules.all() if _overlaps(valid_from, valid_to, r.valid_from, r.valid_to)]
    if clash:
        errors["valid_from"] = (f"与已有条件（{clash[0].valid_from:%Y-%m-%d}起）的有效期重叠；"
                                "请先设置原条件的失效日期")
    if errors:
        raise ValidationFailed("享受条件有误：" + next(iter(errors.values())), details=errors)
    _check_not_history(programme, valid_from)
    try:
        with audit_context(by), transaction.atomic():
            return EligibilityRule.objects.create(
                programme=programme, valid_from=valid_from, valid_to=valid_to, min_age=min_age, max_age=max_age,
                required_categories=list(required_categories or []), excluded_categories=list(excluded_categories or []),
                excluded_categories_in_institution=list(excluded_categories_in_institution or []),
                excluded_living_situations=list(excluded_living_situations or []), min_care_level=min_care_level,
                max_care_level=max_care_level, residence_prefix=residence_prefix, document_no=document_no, note=note,
            )
    except IntegrityError as exc:  # PostgreSQL's exclusion constraint, if two requests raced
        raise ValidationFailed("享受条件的有效期与已有条件重叠", details={"valid_from": "有效期重叠"}) from exc


def band_add(*, by: User, programme: Programme, valid_from: dt.date, amount: Any, label: str, document_no: str,
             key_min: int | None = 0, key_max: int | None = None, valid_to: dt.date | None = None) -> AmountBand:
    """Add an amount band. A band that overlaps another band of the programme in key (age or level)
    and in time is refused, whatever the database."""
    _require(by, "benefits.configure")
    value = _money(amount)
    errors: dict[str, str] = {}
    if programme.band_basis == BandBasis.FLAT:
        key_min, key_max = 0, None
    key_min = key_min or 0
    if key_max is not None and key_max < key_min:
        errors["key_max"] = "上限不能小于下限"
    if programme.band_basis == BandBasis.CARE_LEVEL and (key_min > 4 or (key_max is not None and key_max > 4)):
        errors["key_min"] = "能力等级为0–4级"
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = "失效日期不能早于生效日期"
    if not document_no.strip():
        errors["document_no"] = "请填写确定该标准的文件编号"
    if not label.strip():
        errors["label"] = "请填写档次名称"
    top = key_max if key_max is not None else 32767
    for band in programme.bands.all():
        band_top = band.key_max if band.key_max is not None else 32767
        if key_min <= band_top and band.key_min <= top and _overlaps(valid_from, valid_to, band.valid_from,
                                                                       band.valid_to):
            errors["key_min"] = (f"与已有标准“{band.label}”（{band.valid_from:%Y-%m-%d}起，{band.amount}元）"
                                 "在年龄/等级和有效期上重叠")
            break
    if errors:
        raise ValidationFailed("补贴标准有误：" + next(iter(errors.values())), details=errors)
    _check_not_history(programme, valid_from)
    try:
        with audit_context(by), transaction.atomic():
            return AmountBand.objects.create(programme=programme, valid_from=valid_from, valid_to=valid_to,
                                             key_min=key_min, key_max=key_max, amount=value, label=label.strip(),
                                             document_no=document_no.strip())
    except IntegrityError as exc:
        raise ValidationFailed("补贴标准在年龄/等级和有效期上与已有标准重叠", details={"key_min": "重叠"}) from exc


def band_supersede(*, by: User, band: AmountBand, from_date: dt.date, amount: Any, document_no: str) -> AmountBand:
    """A new amount for the same band from `from_date`: the old band ends the day before (one transaction)."""
    _require(by, "benefits.configure")
    if from_date <= band.valid_from:
        raise ValidationFailed("新标准的生效日期须晚于原标准的生效日期", details={"valid_from": "日期过早"})
    _check_not_history(band.programme, from_date)
    with audit_context(by), transaction.atomic():
        band.valid_to = from_date - dt.timedelta(days=1)
        band.save(update_fields=["valid_to"])
        return band_add(by=by, programme=band.programme, valid_from=from_date, amount=amount, label=band.label,
                        document_no=document_no, key_min=band.key_min, key_max=band.key_max)


# --------------------------------------------------------------------------- enrolment and suspension


def enrolment_apply(*, by: User, person: Person, programme: Programme, from_month: dt.date, note: str = "") -> Enrolment:
    _require(by, "benefits.enrol")
    _person_in_scope(by, person)
    if person.status != "active":
        raise ValidationFailed("该老年人不在册（死亡、迁出或已合并），不能申请")
    try:
        with audit_context(by), transaction.atomic():
            return Enrolment.objects.create(person=person, programme=programme, from_month=month_start(from_month),
                                            applied_by=by, note=note, division_code=person.division_code)
    except IntegrityError as exc:
        raise Conflict(f"{person.name}已有{programme.name}的待审核或已审核登记") from exc


def enrolment_decide(*, by: User, enrolment: Enrolment, approve: bool, note: str = "") -> Enrolment:
    """Approve or reject an application: by someone other than the applicant (maker-checker)."""
    _require(by, "benefits.enrol")
    with audit_context(by), transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().select_related("person", "programme").get(pk=enrolment.pk)
        _person_in_scope(by, enrolment.person)
        if enrolment.applied_by_id == by.pk:
            raise Forbidden("不能审核自己提交的申请，须由另一名工作人员审核")
        if enrolment.status != EnrolmentStatus.APPLIED:
            raise Conflict(f"该申请已是“{enrolment.get_status_display()}”状态")
        enrolment.status = EnrolmentStatus.APPROVED if approve else EnrolmentStatus.REJECTED
        enrolment.approved_by = by
        enrolment.approved_at = timezone.now()
        if note:
            enrolment.note = (enrolment.note + "；" + note)[:200]
        enrolment.save(update_fields=["status", "approved_by", "approved_at", "note"])
        return enrolment


def suspension_create(*, by: User, person: Person, programme: Programme, reason: str, from_month: dt.date,
                      note: str = "") -> Suspension:
    _require(by, "benefits.suspend")
    _person_in_scope(by, person)
    if reason not in SuspensionReason.values:
        raise ValidationFailed("停发原因不正确", details={"reason": "请选择停发原因"})
    month = month_start(from_month)
    with audit_context(by), transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        open_ = Suspension.objects.filter(person=person, programme=programme, lifted_at__isnull=True).filter(
            Q(to_month__isnull=True) | Q(to_month__gte=month)).first()
        if open_:
            raise Conflict(f"{person.name}的{programme.name}已于{month_label(open_.from_month)}起停发，请先恢复")
        suspension = Suspension.objects.create(person=person, programme=programme, reason=reason, from_month=month,
                                               note=note, created_by=by, division_code=person.division_code)
        notices.allowance_suspended(suspension)  # SMS to the person and family, sent after commit
        return suspension


def suspension_resume(*, by: User, suspension: Suspension, from_month: dt.date, note: str = "") -> Suspension:
    """Payments resume from `from_month` (the suspension ends the month before)."""
    _require(by, "benefits.suspend")
    month = month_start(from_month)
    with audit_context(by), transaction.atomic():
        suspension = Suspension.objects.select_for_update().select_related("person").get(pk=suspension.pk)
        _person_in_scope(by, suspension.person)
        if suspension.to_month is not None:
            raise Conflict("该停发记录已恢复")
        if month <= suspension.from_month:
            raise ValidationFailed("恢复月份须晚于停发起始月", details={"from_month": f"须晚于{month_label(suspension.from_month)}"})
        suspension.to_month = add_months(month, -1)
        suspension.resumed_by = by
        suspension.resume_note = note[:200]
        suspension.save(update_fields=["to_month", "resumed_by", "resume_note"])
        return suspension


# --------------------------------------------------------------------------- runs


def run_preview(*, by: User, programme: Programme, month: dt.date) -> PaymentRun:
    """Queue (or re-queue) the run of `programme` for `month`. The computation is a background job;
    a run already approved is refused and left as it is."""
    _require(by, "benefits.prepare")
    month = month_start(month)
    if programme.status != ProgrammeStatus.ACTIVE:
        raise ValidationFailed(f"项目“{programme.name}”不在实施中")
    from .engine import bands_for, reference_date, rule_for

    ref = reference_date(programme, month)
    if rule_for(programme, ref) is None or not bands_for(programme, ref):
        raise ValidationFailed(f"{month_label(month)}没有有效的享受条件或补贴标准，请先在项目中设置",
                               details={"month": "没有有效的条件或标准"})
    try:
        with audit_context(by), transaction.atomic():
            run = PaymentRun.objects.select_for_update().filter(programme=programme, month=month).exclude(
                status=RunStatus.CANCELLED).first()
            if run is not None and run.is_locked:
                raise Conflict(f"{programme.name}{month_label(month)}的发放批次已审核，不能重新计算；"
                               "如需更正，请在以后月份的批次中增加更正明细")
            if run is None:
                run = PaymentRun(programme=programme, month=month, division_code=programme.division_code)
            run.prepared_by = by
            run.status = RunStatus.QUEUED
            run.progress = 0
            run.step = "排队中"
            run.message = ""
            run.attempt = (run.attempt or 0) + 1
            run.save()
            attempt = run.attempt
            from .tasks import compute_run

            run_id = run.pk
            transaction.on_commit(lambda: compute_run.enqueue(run_id, attempt))
    except IntegrityError as exc:
        raise Conflict(f"{programme.name}{month_label(month)}的发放批次正由他人创建，请刷新") from exc
    return run


def run_approve(*, by: User, run: PaymentRun) -> PaymentRun:
    """Maker-checker: someone other than the preparer approves; the run is then immutable."""
    _require(by, "benefits.approve")
    with audit_context(by), transaction.atomic():
        run = PaymentRun.objects.select_for_update().select_related("programme").get(pk=run.pk)
        if run.is_locked:
            raise Conflict(f"{run}已审核，不能重复审核")
        if run.status != RunStatus.PREVIEW:
            raise Conflict(f"{run}尚未计算完成（{run.get_status_display()}），不能审核")
        if run.prepared_by_id == by.pk:
            raise Forbidden("不能审核自己编制的发放批次，须由另一名工作人员审核")
        run.status = RunStatus.APPROVED
        run.approved_by = by
        run.approved_at = timezone.now()
        run.save(update_fields=["status", "approved_by", "approved_at"])
        return run  # deductions it carries are recovered when the bank confirms (recoveries.deductions_settle)


def run_cancel(*, by: User, run: PaymentRun) -> PaymentRun:
    """Discard an unapproved run (its lines are deleted; adjustments return to pending)."""
    _require(by, "benefits.prepare")
    with audit_context(by), transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run.pk)
        if run.is_locked:
            raise Conflict("已审核的发放批次不能作废")
        Entitlement.objects.filter(run=run, kind="adjustment").update(run=None)
        Entitlement.objects.filter(run=run).delete()
        run.stopped.all().delete()
        run.summaries.all().delete()
        run.status = RunStatus.CANCELLED
        run.attempt += 1
        run.save(update_fields=["status", "attempt"])
        return run


def adjustment_add(*, by: User, line: Entitlement, amount: Any, note: str) -> Entitlement:
    """A correction of an approved line: a new line paid with the programme's next run."""
    _require(by, "benefits.prepare")
    value = _money(amount)
    if not note.strip():
        raise ValidationFailed("请填写更正原因", details={"note": "必填"})
    if line.run is None or not line.run.is_locked:
        raise ValidationFailed("只能更正已审核批次的明细；未审核的批次请重新计算")
    with audit_context(by), transaction.atomic():
        return Entitlement.objects.create(
            run=None, person=line.person, programme=line.programme, month=line.month, kind="adjustment",
            reason="adjustment", amount=value, band=line.band, band_label=line.band_label, corrects=line,
            note=note.strip()[:200], division_code=line.person.division_code,
        )


def negative_adjustment_request(*, by: User, person: Person, programme: Programme, amount: Any, note: str,
                                recovery: Any = None) -> Entitlement:
    """A negative adjustment (a deduction from the next payment): asked for with a reason; no run
    carries it until a second person signs it (`adjustment_sign`; the database refuses it otherwise)."""
    if recovery is None:
        _require(by, "benefits.prepare")
    _person_in_scope(by, person)
    value = _money(amount)
    if not note.strip():
        raise ValidationFailed("请填写扣减原因", details={"note": "必填"})
    last = (Entitlement.objects.filter(person=person, programme=programme, kind="regular", run__status__in=[
        "approved", "paid", "reconciled"]).order_by("-month").values_list("amount", "month").first())
    if last is None:
        raise ValidationFailed(f"{person.name}没有{programme.name}的发放记录，不能从以后的发放中扣减")
    if value > last[0]:
        raise ValidationFailed(f"每月扣减不能超过当月应发金额 {last[0]:,.2f} 元", details={"amount": f"最多 {last[0]:,.2f} 元"})
    with audit_context(by), transaction.atomic():
        return Entitlement.objects.create(
            run=None, person=person, programme=programme, month=last[1], kind="adjustment", reason="adjustment",
            amount=-value, note=note.strip()[:200], requested_by=by, recovery=recovery,
            division_code=person.division_code)


def adjustment_sign(*, by: User, line: Entitlement) -> Entitlement:
    """The second signature on a negative adjustment: someone other than who asked for it."""
    _require(by, "benefits.approve")
    with audit_context(by), transaction.atomic():
        line = Entitlement.objects.select_for_update().get(pk=line.pk)
        if line.kind != "adjustment" or line.amount >= 0:
            raise Conflict("只有扣减（负数更正）需要第二人签批")
        if line.signed_by_id is not None:
            raise Conflict("该扣减已签批")
        if line.requested_by_id == by.pk:
            raise Forbidden("不能签批自己提出的扣减，须由另一名工作人员签批")
        line.signed_by = by
        line.save(update_fields=["signed_by"])
        return line


def enrolment_end(*, by: User, enrolment: Enrolment, reason: str, last_month: dt.date, note: str = "") -> Enrolment:
    """End an enrolment for good (request, rule, death, move) with the last month paid: unlike a
    suspension it is never resumed; a new application starts a new enrolment."""
    from .choices import EndReason

    _require(by, "benefits.enrol")
    if reason not in EndReason.values:
        raise ValidationFailed("请选择终止原因", details={"reason": "请选择"})
    month = month_start(last_month)
    with audit_context(by), transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().select_related("person").get(pk=enrolment.pk)
        _person_in_scope(by, enrolment.person)
        if enrolment.status != EnrolmentStatus.APPROVED:
            raise Conflict(f"该登记是“{enrolment.get_status_display()}”状态，只有已审核的登记可以终止")
        if month < add_months(enrolment.from_month, -1):
            raise ValidationFailed("最后发放月不能早于享受起始月的前一个月", details={"last_month": "月份过早"})
        paid_after = PaymentRun.objects.filter(programme=enrolment.programme, month__gt=month,
                                               status__in=["approved", "paid", "reconciled"],
                                               lines__person=enrolment.person).exists()
        if paid_after:
            raise ValidationFailed(f"{month_label(month)}以后的月份已审核发放；请把最后发放月定为已发放的最后一个月，"
                                   "多发的部分登记追回", details={"last_month": "以后月份已发放"})
        enrolment.status = EnrolmentStatus.ENDED
        enrolment.to_month = max(month, enrolment.from_month)
        enrolment.end_reason = reason
        enrolment.ended_by = by
        enrolment.ended_at = timezone.now()
        if note:
            enrolment.note = (enrolment.note + "；终止：" + note)[:200]
        enrolment.save(update_fields=["status", "to_month", "end_reason", "ended_by", "ended_at", "note"])
        return enrolment


# --------------------------------------------------------------------------- bank accounts


def mask_account(number: str) -> str:
    digits = "".join(number.split())
    return digits[:4] + "*" * max(len(digits) - 8, 4) + digits[-4:] if len(digits) > 8 else "*" * len(digits)


def bank_account_set(*, by: User, person: Person, bank_name: str, account_no: str, holder_name: str) -> BankAccount:
    _require(by, "benefits.enrol")
    _person_in_scope(by, person)
    number = "".join(str(account_no).split())
    errors = {}
    if not number.isdigit() or not 12 <= len(number) <= 30:
        errors["account_no"] = "银行账号应为12–30位数字"
    if not bank_name.strip():
        errors["bank_name"] = "请填写开户银行"
    if not holder_name.strip():
        errors["holder_name"] = "请填写户名"
    if errors:
        raise ValidationFailed("代发账户信息有误", details=errors)
    with audit_context(by), transaction.atomic():
        account = BankAccount.objects.filter(person=person).first() or BankAccount(person=person)
        account.bank_name = bank_name.strip()
        account.account_no_enc = crypto.encrypt(number)
        account.account_no_hash = crypto.lookup_hash(number, purpose=ACCOUNT_PURPOSE)
        account.account_no_masked = mask_account(number)
        account.holder_name = holder_name.strip()
        account.division_code = person.division_code
        account.save()
        return account


def bank_account_reveal(*, by: User, account: BankAccount, reason: str = "") -> str:
    _require(by, "benefits.reveal")
    if not division_in_scope(by, account.person.division_code):  # where the person lives now
        raise Forbidden("该账户不在您的管辖范围内")
    with audit_context(by):
        audit_sensitive_view(account, fields=["account_no"], reveal=True, reason=reason)
    return crypto.decrypt(account.account_no_enc)
