"""Demo prepaid fees (演示数据): five homes with six months of money in and out per resident, monthly reports,
three custody statements (two reconciled, one waiting with refused rows), reconciliation cases in every
state, a deposit over a (demo) city limit that was flagged, fast-growing membership money at a private
home, membership fees still held by a public home, a resident whose refund is late, a fund-raising
complaint, and a home that announced its closure with every resident's refund owed.

Runs on SQLite too: ORM only, balances computed here and written with the entries in bulk."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.models import User

from . import risk, services
from .choices import CaseStatus, Direction, FeeKind, ImportStatus, RefundStatus, RuleAction, RuleKind
from .defaults import ensure_default_rules
from .models import (
    LimitRule,
    MonthlyReport,
    PrepaidAccount,
    PrepaidEntry,
    PrepaidHome,
    ReconciliationCase,
    StatementImport,
    StatementLine,
)
from .services import ZERO, month_start, next_month

# institution name (from the institutions demo), bank, account, risk reserve, net fixed assets, residents
HOMES = [
    ("阳江市江城区社会福利中心", "中国工商银行阳江分行营业部", "2017000109200012345", "300000", "12000000", 18),
    ("阳江颐康护养院", "中国建设银行阳江江城支行", "44050171780800000321", "200000", "6000000", 22),
    ("阳江海陵岛康乐颐养中心", "广东阳江农村商业银行海陵支行", "80020000012345678", "150000", "5000000", 16),
    ("阳东区社会福利院", "中国农业银行阳东支行", "44250101040012345", "200000", "8000000", 14),
    ("阳春市港澳长者之家", "中国银行阳春支行", "67890123456789012", "100000", "3000000", 12),
]
GROWTH_HOME = "阳江海陵岛康乐颐养中心"
CLOSING_HOME = "阳春市港澳长者之家"
PUBLIC_WITH_MEMBERSHIP = "阳东区社会福利院"
FLAGGED_HOME = "阳江颐康护养院"


def _month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def _months_before(month: dt.date, n: int) -> dt.date:
    for _ in range(n):
        month = month_start(month - dt.timedelta(days=1))
    return month


def _fill_residents(inst: object, n: int, today: dt.date, rng: random.Random) -> int:
    """Place demo people in a home that has fewer than `n` residents (small demo registries leave private
    homes empty): active people of its county without a home, on its free beds."""
    from yanglao.institutions.choices import BedStatus
    from yanglao.institutions.models import Bed, Residency
    from yanglao.people.choices import LivingSituation, Status
    from yanglao.people.models import Person

    have = Residency.objects.filter(institution=inst, discharged_on__isnull=True).count()
    if have >= n:
        return 0
    beds = list(Bed.objects.filter(institution=inst, status=BedStatus.VACANT).order_by("pk")[: n - have])
    people = list(Person.objects.filter(division_code__startswith=inst.division_code[:6], status=Status.ACTIVE)  # type: ignore[attr-defined]
                  .exclude(pk__in=Residency.objects.filter(discharged_on__isnull=True).values("person_id")).order_by("pk")[: len(beds)])
    placed = 0
    for bed, person in zip(beds, people, strict=False):
        Residency.objects.create(person=person, institution=inst, bed=bed, division_code=inst.division_code,  # type: ignore[attr-defined]
                                 admitted_on=today - dt.timedelta(days=rng.randint(200, 900)))
        bed.status = BedStatus.OCCUPIED
        placed += 1
    Bed.objects.bulk_update(beds[:placed], ["status"])
    Person.objects.filter(pk__in=[p.pk for p in people[:placed]]).update(living_situation=LivingSituation.INSTITUTION)
    audit_bulk(Residency, operation="demo_prepaid_residents", count=placed, division_code=inst.division_code,  # type: ignore[attr-defined]
               params={"institution": inst.pk})  # type: ignore[attr-defined]
    return placed


def load_demo(*, seed: int) -> str:
    from yanglao.institutions.models import Institution, Residency

    if PrepaidHome.objects.exists():
        return "预收费监管演示数据已存在，未重复生成"
    institutions = {i.name: i for i in Institution.objects.filter(name__in=[h[0] for h in HOMES])}
    if not institutions:
        return "预收费监管：没有演示养老机构，未生成"
    rng = random.Random(seed + 20)
    today = timezone.localdate()
    this_month = month_start(today)
    first = _months_before(this_month, 6)
    months = [first]
    while months[-1] < this_month:
        months.append(next_month(months[-1]))
    past = months[:-1]  # six ended months
    users = {u.username: u for u in User.objects.filter(username__in=["city", "jiangcheng", "yangdong", "yangchun"])}
    with transaction.atomic():
        ensure_default_rules()
        LimitRule.objects.create(
            kind=RuleKind.DEPOSIT_MULTIPLE, division_code="4417", value=Decimal("6"), action=RuleAction.FLAG,
            valid_from=dt.date(today.year - 1, 1, 1), is_demo=True, source="阳江市养老机构预收费管理细则（演示数值）",
            source_text="押金一般不超过老年人月床位费的6倍；超出的予以登记并提示风险（演示规则，非真实文件）。")
        LimitRule.objects.create(
            kind=RuleKind.NET_ASSETS, division_code="4417", value=Decimal("1"), action=RuleAction.REFUSE,
            valid_from=dt.date(today.year - 1, 1, 1), is_demo=True, source="阳江市养老机构预收费管理细则（演示数值）",
            source_text="养老机构预收费总额不得超过其净固定资产（演示规则，非真实文件）。")
        homes: dict[str, PrepaidHome] = {}
        entries: list[PrepaidEntry] = []
        month_end_totals: dict[tuple[int, dt.date], Decimal] = {}
        month_residents: dict[tuple[int, dt.date], int] = {}
        flagged_rule = LimitRule.objects.get(kind=RuleKind.DEPOSIT_MULTIPLE, division_code="4417")
        flagged: PrepaidEntry | None = None
        accounts_made = 0
        for name, bank, account_no, reserve, assets, n in HOMES:
            inst = institutions.get(name)
            if inst is None:
                continue
            home = PrepaidHome.objects.create(
                institution=inst, custody_bank=bank, custody_account=account_no, risk_reserve=Decimal(reserve),
                net_fixed_assets=Decimal(assets), custody_agreement_no=f"CG{first:%Y}{len(homes) + 1:04d}",
                filed_on=first - dt.timedelta(days=40), division_code=inst.division_code)
            homes[name] = home
            _fill_residents(inst, n, today, rng)
            residents = list(Residency.objects.filter(institution=inst, discharged_on__isnull=True)
                             .select_related("person").order_by("pk")[:n])
            seq = 0
            for idx, res in enumerate(residents):
                bed = Decimal(rng.randrange(1500, 3600, 100))
                care = Decimal(rng.choice([0, 600, 1200, 2000]))
                meal = Decimal(rng.choice([600, 750, 900]))
                joined = first + dt.timedelta(days=rng.randint(0, 20))
                if idx >= n - 3:  # a few residents arrive later: residents grow a little
                    joined = months[3] + dt.timedelta(days=rng.randint(0, 10))
                acc = PrepaidAccount.objects.create(
                    home=home, person=res.person, contract_no=f"HT{joined:%Y%m}{idx + 1:03d}", monthly_bed=bed,
                    monthly_care=care, monthly_meal=meal, refund_term_days=30, opened_on=joined,
                    division_code=home.division_code)
                accounts_made += 1
                bal = {k: ZERO for k in FeeKind.values}
                ahead = rng.choice([3, 3, 6, 6, 12])
                monthly = {FeeKind.BED: bed, FeeKind.CARE: care, FeeKind.MEAL: meal}

                def move(kind: str, direction: str, amount: Decimal, on: dt.date, note: str = "",
                         home: PrepaidHome = home, acc: PrepaidAccount = acc, bal: dict = bal) -> PrepaidEntry:
                    nonlocal seq
                    seq += 1
                    bal[kind] += amount if direction == Direction.COLLECT else -amount
                    entry = PrepaidEntry(account=acc, home=home, kind=kind, direction=direction, amount=amount, on=on,
                                         receipt_no=f"{home.custody_account[-4:]}-{on:%Y%m}-{seq:05d}", note=note,
                                         division_code=home.division_code)
                    entries.append(entry)
                    return entry

                deposit = bed * (2 if inst.is_public else 3)
                if name == FLAGGED_HOME and idx == 1:
                    deposit = bed * 8
                    flagged = move(FeeKind.DEPOSIT, Direction.COLLECT, deposit, joined, "入住押金")
                    flagged.breaks_rule = flagged_rule
                    flagged.breach = (f"押金{services.yuan(deposit)}超过月床位费{services.yuan(bed)}的6倍"
                                      f"（上限{services.yuan(bed * 6)}）（依据：{flagged_rule.source}）")
                else:
                    move(FeeKind.DEPOSIT, Direction.COLLECT, deposit, joined, "入住押金")
                if name == PUBLIC_WITH_MEMBERSHIP and idx < 2:
                    # collected before the rules applied and never refunded
                    move(FeeKind.MEMBERSHIP, Direction.COLLECT, Decimal("20000"), dt.date(2023, 11, 15) if joined > dt.date(2023, 11, 15) else joined,
                         "2023年收取的会员卡费")
                left_on = None
                if name == "阳江颐康护养院" and idx == 3:
                    left_on = months[-3] + dt.timedelta(days=5)  # left two months ago, refund still owed
                for m in months:
                    if m < month_start(joined) or (left_on and m > left_on):
                        continue
                    start = max(m + dt.timedelta(days=1), joined)
                    for kind, fee in monthly.items():
                        if fee and bal[kind] < fee and start <= today:
                            move(kind, Direction.COLLECT, fee * (ahead if kind == FeeKind.BED else 3), start,
                                 f"预收{ahead if kind == FeeKind.BED else 3}个月")
                    if name == GROWTH_HOME and m >= months[3] and idx % 2 == 0 and start <= today:
                        move(FeeKind.MEMBERSHIP, Direction.COLLECT, Decimal(rng.choice([30000, 50000, 80000])), start,
                             "“终身会员卡”会员费")
                    end = _month_end(m)
                    if end < today and not (left_on and end > left_on):
                        for kind, fee in monthly.items():
                            if fee and bal[kind] >= fee:
                                move(kind, Direction.CONSUME, fee, end, "按月结转")
                    if end < today:
                        key = (home.pk, m)
                        total = sum(bal.values(), ZERO)
                        month_end_totals[key] = month_end_totals.get(key, ZERO) + total
                        month_residents[key] = month_residents.get(key, 0) + (1 if total > 0 else 0)
                acc.bal_bed, acc.bal_care, acc.bal_meal = bal[FeeKind.BED], bal[FeeKind.CARE], bal[FeeKind.MEAL]
                acc.bal_deposit, acc.bal_membership = bal[FeeKind.DEPOSIT], bal[FeeKind.MEMBERSHIP]
                acc.left_on = left_on
                acc.save()
        PrepaidEntry.objects.bulk_create(entries, batch_size=2000)
        audit_bulk(PrepaidEntry, operation="demo", count=len(entries), division_code="4417",
                   params={"homes": len(homes), "accounts": accounts_made})

        # Monthly reports: the ledger's month-end totals, with a few gaps and one month not reported.
        gaps = {(FLAGGED_HOME, past[-2]): Decimal("-3000"), (GROWTH_HOME, past[-1]): Decimal("-20000")}
        reports = []
        for name, home in homes.items():
            for m in past:
                if name == CLOSING_HOME and m == past[-1]:
                    continue  # the closing home stopped reporting
                held = month_end_totals.get((home.pk, m), ZERO)
                reports.append(MonthlyReport(
                    home=home, month=m, reported_balance=held + gaps.get((name, m), ZERO), ledger_balance=held,
                    collected=sum((e.amount for e in entries if e.home_id == home.pk and e.direction == Direction.COLLECT
                                   and month_start(e.on) == m), ZERO),
                    residents=month_residents.get((home.pk, m), 0), division_code=home.division_code))
        MonthlyReport.objects.bulk_create(reports)

        # Custody statements: two reconciled (M-2, M-1), one waiting for confirmation with refused rows.
        city = users.get("city")
        uploader = users.get("jiangcheng") or city
        if city is not None and uploader is not None:
            from . import statements

            for m, when in ((past[-2], 40), (past[-1], 8)):
                imp = StatementImport.objects.create(filename=f"存管余额对账单-{m:%Y%m}.xlsx", uploaded_by=city,
                                                     division_code="4417", rows=len(homes), accepted=len(homes))
                StatementLine.objects.bulk_create([StatementLine(
                    statement=imp, row_no=i + 2, home=home, account_no=home.custody_account, month=m,
                    balance=month_end_totals.get((home.pk, m), ZERO), division_code=home.division_code)
                    for i, home in enumerate(homes.values())])
                statements.statement_confirm(by=city, imp=imp)
                StatementImport.objects.filter(pk=imp.pk).update(
                    decided_at=timezone.now() - dt.timedelta(days=when))
            ReconciliationCase.objects.filter(month=past[-2]).update(
                status=CaseStatus.CLOSED, closed_on=today - dt.timedelta(days=25), assignee=uploader,
                close_note="经核实，机构漏记一笔离院退费3000元，已补正台账并于次月报告中更正。")
            county = users.get("yangchun")
            if county is not None:
                ReconciliationCase.objects.filter(month=past[-1], home__institution__name=CLOSING_HOME).update(
                    status=CaseStatus.ASSIGNED, assignee=county)
            pending = StatementImport.objects.create(
                filename=f"江城区存管对账单-{past[-1]:%Y%m}（补充）.csv", uploaded_by=uploader, division_code="441702",
                rows=4, accepted=1, status=ImportStatus.PENDING, errors=[
                    {"row": 3, "column": "A", "field": "存管账号",
                     "reason": "账号80020000012345678不是辖区内已备案机构的存管账户"},
                    {"row": 4, "column": "B", "field": "余额日期", "reason": "日期“2026-13-01”不正确"},
                    {"row": 5, "column": "C", "field": "期末余额", "reason": "金额“约十万”格式不正确，应为数字，如 1200.50"},
                ])
            jc = homes.get(FLAGGED_HOME)
            if jc is not None:
                StatementLine.objects.create(statement=pending, row_no=2, home=jc, account_no=jc.custody_account,
                                             month=past[-1], balance=month_end_totals.get((jc.pk, past[-1]), ZERO),
                                             division_code=jc.division_code)

        # A fund-raising complaint about the growing home, from the supervision module's register.
        growth = homes.get(GROWTH_HOME)
        if growth is not None and city is not None:
            from yanglao.supervision import services as sv
            from yanglao.supervision.models import Target

            target = Target.objects.filter(institution=growth.institution).first()
            if target is not None:
                sv.complaint_create(by=city, category="fundraising", received_on=today - dt.timedelta(days=12),
                                    channel="12345热线", summary="家属反映该机构推销“终身会员卡”，称一次缴纳八万元可享受终身入住优惠并返利。",
                                    target=target, subject_name="", division_code=growth.division_code)

        # The flagged deposit's warning (raised when recorded, as services.entry_record does).
        if flagged is not None:
            home = homes[FLAGGED_HOME]
            saved = PrepaidEntry.objects.get(home=home, receipt_no=flagged.receipt_no)
            services.raise_warning(home=home, kind="limit", ref=f"entry:{saved.pk}", amount=saved.amount, day=saved.on,
                                   detail=f"{saved.account.person.name}：{saved.breach}")

        # The closing home: announced ten days ago, closing in twenty (short notice); two refunds already paid.
        closing = homes.get(CLOSING_HOME)
        if closing is not None:
            services.announce_closure(closing, announced_on=today - dt.timedelta(days=10),
                                      closing_on=today + dt.timedelta(days=20), note="租赁场地到期不再续租")
            paid = list(closing.refunds.select_related("account").order_by("pk")[:2])
            refund_entries = []
            for r in paid:
                acc = r.account
                for kind, field in (("bed", "bal_bed"), ("care", "bal_care"), ("meal", "bal_meal"),
                                    ("deposit", "bal_deposit"), ("membership", "bal_membership")):
                    held = getattr(acc, field)
                    if held > 0:
                        refund_entries.append(PrepaidEntry(
                            account=acc, home=closing, kind=kind, direction=Direction.REFUND, amount=held,
                            on=today - dt.timedelta(days=3), receipt_no=f"TF{r.pk:05d}-{kind}", note="停业退费",
                            division_code=closing.division_code))
                        setattr(acc, field, ZERO)
                acc.save()
                r.status, r.paid_on = RefundStatus.PAID, today - dt.timedelta(days=3)
                r.save()
            PrepaidEntry.objects.bulk_create(refund_entries)
        raised = risk.scan(today)
    return (f"预收费监管：备案机构 {len(homes)} 家，老年人账户 {accounts_made} 个，收支记录 {len(entries)} 条，"
            f"月度报告 {len(reports)} 份，风险预警 {raised} 条（另有事件预警）")
