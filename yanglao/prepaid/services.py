"""Writes of the prepaid-fee module. Every function takes the acting user (`by`), checks the capability
and the jurisdiction (a home outside it is NotFound, as in the views), and keeps money consistent under
concurrency: the home's row, then the resident's account, are locked before a balance changes, balances
are changed in the database (F expressions) and checked there (never below zero), and a receipt number
is accepted once per home (a unique constraint), so the same receipt posted twice counts once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import User
from yanglao.core.scope import restrict

from .choices import (
    BALANCE_FIELD,
    MONTHLY_FIELD,
    SERVICE_KINDS,
    CaseStatus,
    Direction,
    FeeKind,
    HomeStatus,
    RefundStatus,
    ReportState,
    RuleAction,
    RuleKind,
    WarningKind,
    WarningStatus,
)
from .models import (
    ZERO,
    LimitRule,
    MonthlyReport,
    PrepaidAccount,
    PrepaidEntry,
    PrepaidHome,
    ReconciliationCase,
    RefundOwed,
    RiskWarning,
)

CENT = Decimal("0.01")
NOTICE_DAYS = 30  # a home announces its closure at least 30 days ahead
TOTAL = F("bal_bed") + F("bal_care") + F("bal_meal") + F("bal_deposit") + F("bal_membership")


# --------------------------------------------------------------------------- helpers


def to_money(value: Any, *, field: str = "amount", label: str = "金额", positive: bool = True) -> Decimal:
    """A money value as Decimal with two places, refused with a Chinese message on the field."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{label}格式不正确", details={field: "应为数字，如 1200.50"}) from None
    if not amount.is_finite():
        raise ValidationFailed(f"{label}格式不正确", details={field: "应为数字"})
    if amount != amount.quantize(CENT):
        raise ValidationFailed(f"{label}最多两位小数", details={field: "最多两位小数（到分）"})
    if amount < 0 or (positive and amount == 0):
        raise ValidationFailed(f"{label}应大于零" if positive else f"{label}不能为负数",
                               details={field: "应大于零" if positive else "不能为负数"})
    if amount >= Decimal("1000000000000"):
        raise ValidationFailed(f"{label}过大", details={field: "金额过大"})
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(amount: Decimal | None) -> str:
    return f"¥{(amount or ZERO):,.2f}"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _require(by: User, capability: str) -> None:
    if not by.can(capability):
        raise Forbidden("您没有此项操作的权限")


def _scoped_home(by: User, home: PrepaidHome, *, lock: bool = False) -> PrepaidHome:
    qs = restrict(PrepaidHome.objects.select_related("institution"), by).filter(pk=home.pk)
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = qs.first()
    if found is None:
        raise NotFound("未找到该机构")
    return found


# --------------------------------------------------------------------------- limits


def rules_in_force(kind: str, division_code: str, day: dt.date) -> list[LimitRule]:
    """The rules of `kind` valid on `day` for a home in `division_code`, strictest (lowest value) first."""
    prefixes = {division_code[:n] for n in (0, 2, 4, 6, 9, 12)}
    return list(LimitRule.objects.filter(kind=kind, division_code__in=prefixes, valid_from__lte=day)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).order_by("value", "-division_code", "-valid_from"))


def strictest(kind: str, division_code: str, day: dt.date) -> LimitRule | None:
    found = rules_in_force(kind, division_code, day)
    return found[0] if found else None


@dataclass(frozen=True)
class Breach:
    rule: LimitRule
    message: str

    @property
    def refused(self) -> bool:
        return self.rule.action == RuleAction.REFUSE

    def text(self) -> str:
        return f"{self.message}（依据：{self.rule.source}）"


def limit_breaches(*, home: PrepaidHome, account: PrepaidAccount, kind: str, amount: Decimal, day: dt.date,
                   home_total: Decimal) -> list[Breach]:
    """What collecting `amount` of `kind` for `account` would break, each with its rule. Every rule in
    force is checked (the national limit, a lower provincial or city one), so a lower rule that only flags
    never lets through what a higher rule refuses."""
    found: list[Breach] = []
    code = home.division_code
    label = FeeKind(kind).label
    new_balance = getattr(account, BALANCE_FIELD[FeeKind(kind)]) + amount
    if kind in SERVICE_KINDS:
        monthly = getattr(account, MONTHLY_FIELD[FeeKind(kind)])
        for rule in rules_in_force(RuleKind.SERVICE_MONTHS, code, day):
            cap = (monthly * rule.value).quantize(CENT)
            if new_balance > cap:
                found.append(Breach(rule, f"预收{label}{yuan(new_balance)}超过{rule.value.normalize()}个月的上限"
                                          f"（月{label}{yuan(monthly)}，上限{yuan(cap)}）"))
    elif kind == FeeKind.DEPOSIT:
        for rule in rules_in_force(RuleKind.DEPOSIT_MULTIPLE, code, day):
            cap = (account.monthly_bed * rule.value).quantize(CENT)
            if new_balance > cap:
                found.append(Breach(rule, f"押金{yuan(new_balance)}超过月床位费{yuan(account.monthly_bed)}的"
                                          f"{rule.value.normalize()}倍（上限{yuan(cap)}）"))
    elif kind == FeeKind.MEMBERSHIP and home.institution.is_public:
        for rule in rules_in_force(RuleKind.PUBLIC_NO_MEMBERSHIP, code, day):
            found.append(Breach(rule, f"{home.institution.get_ownership_display()}养老机构不得收取会员费"))
    if home.net_fixed_assets is not None:
        for rule in rules_in_force(RuleKind.NET_ASSETS, code, day):
            cap = (home.net_fixed_assets * rule.value).quantize(CENT)
            if home_total + amount > cap:
                found.append(Breach(rule, f"本机构预收费总额{yuan(home_total + amount)}将超过净固定资产"
                                          f"{yuan(home.net_fixed_assets)}的上限（{yuan(cap)}）"))
    return found


def rule_create(*, by: User, data: dict[str, Any]) -> LimitRule:
    _require(by, "prepaid.configure")
    division = (data.get("division_code") or "").strip()
    if division and by.scope_prefix and not (division.startswith(by.scope_prefix) or by.scope_prefix.startswith(division)):
        raise ValidationFailed("适用区划不在您的辖区内", details={"division_code": "不在辖区内"})
    if not (data.get("source") or "").strip():
        raise ValidationFailed("请填写依据文件", details={"source": "必填"})
    value = to_money(data.get("value", 0), field="value", label="限额数值", positive=False)
    if data["kind"] in (RuleKind.SERVICE_MONTHS, RuleKind.DEPOSIT_MULTIPLE, RuleKind.NET_ASSETS) and value <= 0:
        raise ValidationFailed("限额数值应大于零", details={"value": "应大于零"})
    valid_to = data.get("valid_to")
    if valid_to and valid_to < data["valid_from"]:
        raise ValidationFailed("终止日期早于起始日期", details={"valid_to": "早于起始日期"})
    return LimitRule.objects.create(
        kind=data["kind"], division_code=division, value=value, action=data.get("action") or RuleAction.REFUSE,
        valid_from=data["valid_from"], valid_to=valid_to, source=data["source"].strip(),
        source_text=(data.get("source_text") or "").strip())


# --------------------------------------------------------------------------- filing and accounts


def home_file(*, by: User, institution: Any, data: dict[str, Any]) -> PrepaidHome:
    """File (备案) or update a home's prepaid-fee arrangements: custody bank and account, risk reserve,
    net fixed assets. The institution must be one the user may see."""
    _require(by, "prepaid.file")
    from yanglao.institutions.models import Institution

    if not restrict(Institution.objects.filter(pk=institution.pk), by).exists():
        raise NotFound("未找到该机构")
    account_no = "".join(str(data.get("custody_account") or "").split())
    if not account_no.isdigit() or not 8 <= len(account_no) <= 32:
        raise ValidationFailed("存管账号应为8至32位数字", details={"custody_account": "应为8至32位数字"})
    if not (data.get("custody_bank") or "").strip():
        raise ValidationFailed("请填写存管银行", details={"custody_bank": "必填"})
    values = {
        "custody_bank": data["custody_bank"].strip(), "custody_account": account_no,
        "custody_agreement_no": (data.get("custody_agreement_no") or "").strip(),
        "risk_reserve": to_money(data.get("risk_reserve") or 0, field="risk_reserve", label="风险保证金", positive=False),
        "net_fixed_assets": (to_money(data["net_fixed_assets"], field="net_fixed_assets", label="净固定资产", positive=False)
                             if data.get("net_fixed_assets") not in (None, "") else None),
        "filed_on": data.get("filed_on") or timezone.localdate(),
        "division_code": institution.division_code,
    }
    try:
        with transaction.atomic():
            home = PrepaidHome.objects.filter(institution=institution).select_for_update().first()
            if home is None:
                return PrepaidHome.objects.create(institution=institution, **values)
            for key, value in values.items():
                setattr(home, key, value)
            home.save()
            return home
    except IntegrityError:
        raise Conflict("该存管账号已登记在另一家机构名下", details={"custody_account": "已登记在另一家机构名下"}) from None


def account_open(*, by: User, home: PrepaidHome, person: Any, data: dict[str, Any]) -> PrepaidAccount:
    """Open a resident's prepaid account: the person must live in the home (a current residency)."""
    _require(by, "prepaid.record")
    home = _scoped_home(by, home)
    from yanglao.institutions.models import Residency

    if not Residency.objects.filter(institution_id=home.institution_id, person=person, discharged_on__isnull=True).exists():
        raise ValidationFailed("该老年人不在本机构在住名单中", details={"person": "不在本机构在住名单中"})
    try:
        with transaction.atomic():
            return PrepaidAccount.objects.create(
                home=home, person=person, contract_no=(data.get("contract_no") or "").strip(),
                monthly_bed=to_money(data.get("monthly_bed"), field="monthly_bed", label="月床位费"),
                monthly_care=to_money(data.get("monthly_care") or 0, field="monthly_care", label="月照料护理费", positive=False),
                monthly_meal=to_money(data.get("monthly_meal") or 0, field="monthly_meal", label="月餐费", positive=False),
                refund_term_days=int(data.get("refund_term_days") or 30), opened_on=data.get("opened_on") or timezone.localdate(),
                division_code=home.division_code)
    except IntegrityError:
        raise Conflict("该老年人在本机构已有预收费账户", details={"person": "已有账户"}) from None


def entry_record(*, by: User, account: PrepaidAccount, kind: str, direction: str, amount: Any, on: dt.date,
                 receipt_no: str, note: str = "") -> PrepaidEntry:
    """Collect, consume or refund money of one kind for one resident.

    A collection is measured against the limits in force on its date: a rule that refuses stops it with
    the rule it breaks; a rule that flags keeps it, marked, and raises a warning for the county."""
    _require(by, "prepaid.record")
    if kind not in FeeKind.values:
        raise ValidationFailed("收费类型不正确", details={"kind": "不正确"})
    if direction not in Direction.values:
        raise ValidationFailed("收支类型不正确", details={"direction": "不正确"})
    amount = to_money(amount)
    receipt_no = " ".join(str(receipt_no or "").split())
    if not receipt_no:
        raise ValidationFailed("请填写收据/凭证号", details={"receipt_no": "必填"})
    if on > timezone.localdate():
        raise ValidationFailed("日期不能晚于今天", details={"on": "不能晚于今天"})
    field = BALANCE_FIELD[FeeKind(kind)]
    try:
        with transaction.atomic():
            home = _scoped_home(by, account.home, lock=True)  # one writer per home: the home's total is checked
            acc = PrepaidAccount.objects.select_for_update().get(pk=account.pk, home=home)
            breach: Breach | None = None
            if direction == Direction.COLLECT:
                if home.status != HomeStatus.OPERATING:
                    raise ValidationFailed("机构已公告停业，不得再收取预收费", details={"direction": "机构已公告停业"})
                if acc.left_on is not None:
                    raise ValidationFailed("该老年人已离院，不得再收取预收费", details={"direction": "已离院"})
                home_total = PrepaidAccount.objects.filter(home=home).aggregate(t=Sum(TOTAL))["t"] or ZERO
                breaches = limit_breaches(home=home, account=acc, kind=kind, amount=amount, day=on, home_total=home_total)
                refused = [b for b in breaches if b.refused]
                if refused:
                    raise ValidationFailed("；".join(b.text() for b in refused), code="over_limit",
                                           details={"amount": refused[0].text(), "rules": [b.rule.pk for b in refused]})
                breach = breaches[0] if breaches else None
                PrepaidAccount.objects.filter(pk=acc.pk).update(**{field: F(field) + amount})
            else:
                held = getattr(acc, field)
                if amount > held:
                    raise ValidationFailed(f"{FeeKind(kind).label}余额{yuan(held)}不足{yuan(amount)}",
                                           details={"amount": f"余额仅{yuan(held)}"})
                PrepaidAccount.objects.filter(pk=acc.pk).update(**{field: F(field) - amount})
            entry = PrepaidEntry.objects.create(
                account=acc, home=home, kind=kind, direction=direction, amount=amount, on=on, receipt_no=receipt_no,
                note=note.strip()[:200], breaks_rule=breach.rule if breach else None,
                breach=breach.text()[:300] if breach else "", by=by, division_code=home.division_code)
            if breach is not None:
                warn_kind = (WarningKind.PUBLIC_MEMBERSHIP if breach.rule.kind == RuleKind.PUBLIC_NO_MEMBERSHIP
                             else WarningKind.LIMIT)
                raise_warning(home=home, kind=warn_kind, ref=f"entry:{entry.pk}", amount=amount, day=on,
                              detail=f"{acc.person.name}：{breach.text()}")
            return entry
    except IntegrityError as exc:
        if "receipt" in str(exc).lower() or "unique" in str(exc).lower():
            raise Conflict(f"收据/凭证号“{receipt_no}”已登记过，同一笔款项不能重复登记",
                           details={"receipt_no": "已登记过"}) from None
        raise ValidationFailed("余额不足或金额不正确", details={"amount": "余额不足"}) from None


def account_leave(*, by: User, account: PrepaidAccount, on: dt.date) -> PrepaidAccount:
    """The resident left: what is still held is owed back within the agreed term."""
    _require(by, "prepaid.record")
    with transaction.atomic():
        home = _scoped_home(by, account.home, lock=True)
        acc = PrepaidAccount.objects.select_for_update().get(pk=account.pk, home=home)
        if acc.left_on is not None:
            raise Conflict("已登记离院")
        if on < acc.opened_on:
            raise ValidationFailed("离院日期早于开户日期", details={"on": "早于开户日期"})
        acc.left_on = on
        acc.save(update_fields=["left_on"])
        return acc


# --------------------------------------------------------------------------- monthly reports


def report_file(*, by: User, home: PrepaidHome, month: dt.date, reported_balance: Any) -> MonthlyReport:
    """A home reports the month-end balance of its custody account; the ledger's figures for the month
    (collected, refunded, residents with money held, total held) are taken from the records beside it.
    A report may be corrected until the statement of its month has been reconciled."""
    _require(by, "prepaid.record")
    month = month_start(month)
    if month >= month_start(timezone.localdate()):
        raise ValidationFailed("只能报送已结束月份的余额", details={"month": "月份未结束"})
    balance = to_money(reported_balance, field="reported_balance", label="报送余额", positive=False)
    with transaction.atomic():
        home = _scoped_home(by, home, lock=True)
        end = next_month(month)
        moves = PrepaidEntry.objects.filter(home=home, on__gte=month, on__lt=end)
        collected = moves.filter(direction=Direction.COLLECT).aggregate(s=Sum("amount"))["s"] or ZERO
        refunded = moves.filter(direction=Direction.REFUND).aggregate(s=Sum("amount"))["s"] or ZERO
        held = PrepaidAccount.objects.filter(home=home).annotate(t=TOTAL)
        residents = held.filter(t__gt=0).count()
        ledger = held.aggregate(s=Sum("t"))["s"] or ZERO
        report = MonthlyReport.objects.select_for_update().filter(home=home, month=month).first()
        if report is not None and report.state != ReportState.FILED:
            raise Conflict("该月报告已与存管对账单核对，不能再修改；如有差异请联系县级民政部门")
        values = {"reported_balance": balance, "collected": collected, "refunded": refunded, "residents": residents,
                  "ledger_balance": ledger, "filed_by": by}
        if report is None:
            return MonthlyReport.objects.create(home=home, month=month, division_code=home.division_code, **values)
        for key, value in values.items():
            setattr(report, key, value)
        report.save()
        return report


# --------------------------------------------------------------------------- cases and warnings


def case_assign(*, by: User, case: ReconciliationCase, assignee: User) -> ReconciliationCase:
    _require(by, "prepaid.cases")
    if not (assignee.is_active and assignee.can("prepaid.cases") and assignee.scope_prefix
            and case.division_code.startswith(assignee.scope_prefix)):
        raise ValidationFailed("承办人应为该机构所在辖区、有案件处置权限的工作人员", details={"assignee": "不符合"})
    with transaction.atomic():
        case = restrict(ReconciliationCase.objects.select_for_update(), by).filter(pk=case.pk).first() or _missing()
        if case.status == CaseStatus.CLOSED:
            raise Conflict("案件已办结")
        case.assignee = assignee
        case.status = CaseStatus.ASSIGNED
        case.save(update_fields=["assignee", "status"])
        return case


def case_close(*, by: User, case: ReconciliationCase, note: str, on: dt.date | None = None) -> ReconciliationCase:
    _require(by, "prepaid.cases")
    note = " ".join((note or "").split())
    if len(note) < 4:
        raise ValidationFailed("请填写办结说明（核实情况和处理结果）", details={"comment": "必填"})
    with transaction.atomic():
        case = restrict(ReconciliationCase.objects.select_for_update(), by).filter(pk=case.pk).first() or _missing()
        if case.status == CaseStatus.CLOSED:
            raise Conflict("案件已办结")
        case.status = CaseStatus.CLOSED
        case.close_note = note[:300]
        case.closed_on = on or timezone.localdate()
        case.save(update_fields=["status", "close_note", "closed_on"])
        return case


def _missing() -> Any:
    raise NotFound("未找到该记录")


def raise_warning(*, home: PrepaidHome, kind: str, ref: str, detail: str, day: dt.date,
                  amount: Decimal | None = None) -> bool:
    """Raise a warning unless the same one (home, kind, reference) is still open. True if raised.
    The partial unique index decides between two writers at once."""
    ref = ref[:64]
    if RiskWarning.objects.filter(home=home, kind=kind, ref=ref, status=WarningStatus.OPEN).exists():
        return False
    try:
        with transaction.atomic():
            RiskWarning.objects.create(home=home, kind=kind, ref=ref, detail=detail[:300], amount=amount,
                                       raised_on=day, division_code=home.division_code)
    except IntegrityError:
        return False
    return True


def warning_handle(*, by: User, warning: RiskWarning, note: str) -> RiskWarning:
    _require(by, "prepaid.cases")
    note = " ".join((note or "").split())
    if len(note) < 4:
        raise ValidationFailed("请填写处置情况", details={"comment": "必填"})
    with transaction.atomic():
        found = restrict(RiskWarning.objects.select_for_update(), by).filter(pk=warning.pk).first() or _missing()
        if found.status != WarningStatus.OPEN:
            raise Conflict("该预警已处置")
        found.status = WarningStatus.HANDLED
        found.handled_note = note[:300]
        found.handled_on = timezone.localdate()
        found.save(update_fields=["status", "handled_note", "handled_on"])
        return found


# --------------------------------------------------------------------------- closure and refunds


def closure_announce(*, by: User, home: PrepaidHome, announced_on: dt.date, closing_on: dt.date,
                     note: str = "") -> int:
    """A home announces it will close. The same moment, every resident with money held gets a refund
    owed (due on the closing day) and the county a warning: both are on its to-do list today.
    Returns the number of residents owed a refund."""
    _require(by, "prepaid.file")
    if closing_on < announced_on:
        raise ValidationFailed("拟停业日期早于公告日期", details={"closing_on": "早于公告日期"})
    if announced_on > timezone.localdate():
        raise ValidationFailed("公告日期不能晚于今天", details={"announced_on": "不能晚于今天"})
    with transaction.atomic():
        home = _scoped_home(by, home, lock=True)
        if home.status != HomeStatus.OPERATING:
            raise Conflict("该机构已公告停业")
        return announce_closure(home, announced_on=announced_on, closing_on=closing_on, note=note)


def announce_closure(home: PrepaidHome, *, announced_on: dt.date, closing_on: dt.date, note: str = "") -> int:
    """The closure itself, for a home already checked and locked (closure_announce; the demo)."""
    home.status = HomeStatus.CLOSING
    home.closure_announced_on = announced_on
    home.closing_on = closing_on
    home.closure_note = " ".join(note.split())[:200]
    home.save(update_fields=["status", "closure_announced_on", "closing_on", "closure_note"])
    held = list(PrepaidAccount.objects.filter(home=home).annotate(t=TOTAL).filter(t__gt=0)
                .values("pk", "person_id", "bal_bed", "bal_care", "bal_meal", "bal_deposit", "bal_membership", "t"))
    RefundOwed.objects.bulk_create([RefundOwed(
        home=home, account_id=a["pk"], person_id=a["person_id"], amount=a["t"],
        service_part=a["bal_bed"] + a["bal_care"] + a["bal_meal"], deposit_part=a["bal_deposit"],
        membership_part=a["bal_membership"], due_on=closing_on, division_code=home.division_code) for a in held])
    total = sum((a["t"] for a in held), ZERO)
    audit_bulk(RefundOwed, operation="closure", count=len(held), division_code=home.division_code,
               params={"home": home.pk, "closing_on": closing_on, "total": total})
    notice = (closing_on - announced_on).days
    short = f"；提前告知仅{notice}日，不足{NOTICE_DAYS}日" if notice < NOTICE_DAYS else ""
    if held or short:
        raise_warning(home=home, kind=WarningKind.CLOSURE, ref=f"closure:{announced_on.isoformat()}", day=announced_on,
                      amount=total, detail=f"{home.institution.name}公告于{closing_on:%Y年%m月%d日}停业，"
                                           f"{len(held)}名老年人预收费余额{yuan(total)}待退还{short}")
    return len(held)


def refund_pay(*, by: User, refund: RefundOwed, paid_on: dt.date, receipt_no: str) -> RefundOwed:
    """The closing home paid a resident back: refund entries for what is still held, the refund closed."""
    _require(by, "prepaid.record")
    receipt_no = " ".join(str(receipt_no or "").split())
    if not receipt_no:
        raise ValidationFailed("请填写退款凭证号", details={"receipt_no": "必填"})
    with transaction.atomic():
        found = restrict(RefundOwed.objects.select_for_update(), by).filter(pk=refund.pk).first() or _missing()
        if found.status != RefundStatus.OWED:
            raise Conflict("该笔退款已登记退还")
        _scoped_home(by, found.home, lock=True)  # the same lock order as entry_record: home, then account
        acc = PrepaidAccount.objects.select_for_update().get(pk=found.account_id)
        for kind, field in BALANCE_FIELD.items():
            held = getattr(acc, field)
            if held > 0:
                entry_record(by=by, account=acc, kind=kind, direction=Direction.REFUND, amount=held, on=paid_on,
                             receipt_no=f"{receipt_no}-{kind}", note="停业退费")
        found.status = RefundStatus.PAID
        found.paid_on = paid_on
        found.save(update_fields=["status", "paid_on"])
        return found
