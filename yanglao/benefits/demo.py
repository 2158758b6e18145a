"""Demo programmes for Yangjiang — every amount here is a DEMO VALUE (演示数值), not policy.

Called by `yanglao load_demo` after people and assessments exist. Creates the four programmes, bank
accounts for the people they pay, one approved and reconciled run for last month and a previewed
run for this month. Safe to run again (existing programmes are left alone)."""

from __future__ import annotations

import datetime as dt
import io
import random

from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from yanglao.core.audit import audit_bulk
from yanglao.core.crypto import Sealer
from yanglao.core.models import User
from yanglao.core.roles import Role

from . import payfiles, services
from .engine import compute
from .models import BankAccount, Entitlement, PaymentRun, Programme, Recovery
from .months import add_months, month_start

DEMO = "（演示数值）"
START = dt.date(2024, 1, 1)
BANKS = ["广东阳江农村商业银行", "中国农业银行阳江分行", "中国邮政储蓄银行阳江市分行", "中国工商银行阳江分行"]


def _checker() -> User:
    """A second city account, so that runs can be approved by someone other than their preparer."""
    user = User.objects.filter(username="city2").first()
    if user:
        return user
    from yanglao.core.demo import DEMO_PASSWORD
    from yanglao.core.services import staff_create

    return staff_create(username="city2", password=DEMO_PASSWORD, role=Role.CITY_ADMIN, division_code="4417",
                        organisation=None, real_name="周慧敏（市民政局 复核）")


def _programmes(by: User) -> list[Programme]:
    doc = "阳民〔2024〕演示1号"
    gaoling = services.programme_create(
        by=by, code="gaoling", name="高龄津贴" + DEMO, kind="allowance", legal_basis=doc, issuing_unit="阳江市民政局（演示）",
        band_basis="age", description="80周岁及以上本市户籍老年人按月发放。金额为演示数值，以正式文件为准。", is_demo=True,
        payment_summary="高龄津贴")
    services.rule_add(by=by, programme=gaoling, valid_from=START, min_age=80, document_no=doc)
    for lo, hi, amount, label in ((80, 89, "50", "80–89岁"), (90, 99, "100", "90–99岁"), (100, None, "300", "100岁及以上")):
        services.band_add(by=by, programme=gaoling, valid_from=START, key_min=lo, key_max=hi, amount=amount,
                          label=label, document_no=doc)

    doc = "阳民〔2024〕演示2号"
    fuwu = services.programme_create(
        by=by, code="fuwu-butie", name="经济困难高龄老年人服务补贴" + DEMO, kind="subsidy", legal_basis=doc,
        issuing_unit="阳江市民政局（演示）", band_basis="flat", is_demo=True, payment_summary="高龄服务补贴",
        description="80周岁及以上特困、低保、低保边缘和经济困难老年人；集中供养（入住机构）的特困人员不享受。")
    services.rule_add(by=by, programme=fuwu, valid_from=START, min_age=80,
                      required_categories=["tekun", "dibao", "dibao_edge", "economic_hardship"],
                      excluded_categories_in_institution=["tekun"], document_no=doc)
    services.band_add(by=by, programme=fuwu, valid_from=START, amount="100", label="统一标准", document_no=doc)

    doc = "阳民〔2024〕演示3号"
    huli = services.programme_create(
        by=by, code="huli-butie", name="经济困难失能老年人护理补贴" + DEMO, kind="subsidy", legal_basis=doc,
        issuing_unit="阳江市民政局（演示）", band_basis="care_level", is_demo=True, payment_summary="护理补贴",
        description="经能力评估为2级及以上的经济困难老年人，按等级发放。")
    services.rule_add(by=by, programme=huli, valid_from=START, min_age=60, min_care_level=2,
                      required_categories=["tekun", "dibao", "dibao_edge", "economic_hardship"], document_no=doc)
    for level, amount, label in ((2, "100", "2级 中度受损"), (3, "200", "3级 重度受损"), (4, "300", "4级 完全丧失")):
        services.band_add(by=by, programme=huli, valid_from=START, key_min=level, key_max=level, amount=amount,
                          label=label, document_no=doc)

    doc = "阳民〔2024〕演示4号"
    baoxian = services.programme_create(
        by=by, code="yiwai-baoxian", name="老年人意外伤害保险名单" + DEMO, kind="insurance_list", legal_basis=doc,
        issuing_unit="阳江市民政局（演示）", band_basis="flat", is_demo=True, payment_summary="意外险保费",
        description="政府为特困、低保老年人统一投保；金额为政府代缴的月保费（演示数值），名单报保险公司。")
    services.rule_add(by=by, programme=baoxian, valid_from=START, min_age=60, required_categories=["tekun", "dibao"],
                      document_no=doc)
    services.band_add(by=by, programme=baoxian, valid_from=START, amount="2.50", label="月保费", document_no=doc)
    return [gaoling, fuwu, huli, baoxian]


def _bank_accounts(seed: int) -> int:
    """An account for most people aged 60+ (about 1 in 25 has none, to show the warning)."""
    rng = random.Random(seed)
    sealer = Sealer()
    have = set(BankAccount.objects.values_list("person_id", flat=True))
    from yanglao.people.models import Person

    rows = []
    for pk, name, division in Person.objects.filter(status="active").values_list("pk", "name", "division_code"):
        if pk in have or rng.random() < 0.04:
            continue
        number = "622848" + "".join(rng.choice("0123456789") for _ in range(13))
        rows.append(BankAccount(person_id=pk, bank_name=rng.choice(BANKS), account_no_enc=sealer.encrypt(number),
                                account_no_hash=sealer.hash(number, purpose=services.ACCOUNT_PURPOSE),
                                account_no_masked=services.mask_account(number), holder_name=name,
                                division_code=division))
    BankAccount.objects.bulk_create(rows, batch_size=2000)
    audit_bulk(BankAccount, operation="demo", count=len(rows), division_code="4417", params={"seed": seed})
    return len(rows)


def _reconcile(by: User, run_id: int, seed: int) -> None:

    run = PaymentRun.objects.get(pk=run_id)
    payfiles.payment_xlsx(by=by, run=run)[0].close()
    run = payfiles.run_mark_paid(by=by, run=run, confirmed=True)  # the file went to the bank
    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("结果")
    ws.append(["明细编号", "金额", "结果", "失败原因", "银行流水号"])
    # lines held back from the file (no account…) were recorded as not paid when it went to the bank
    for line_id, amount, has_account in Entitlement.objects.filter(run=run, amount__gt=0, result__isnull=True
                                                                   ).values_list("id", "amount", "person__bank_account__id"):
        if has_account is None:
            ws.append([line_id, float(amount), "失败", "未登记代发账户", ""])
        elif rng.random() < 0.005:
            ws.append([line_id, float(amount), "失败", rng.choice(["账户已冻结", "户名与账号不符", "账户已销户"]), ""])
        else:
            ws.append([line_id, float(amount), "成功", "", f"YJ{run.month:%Y%m}{line_id:08d}"])
    out = io.BytesIO()
    wb.save(out)
    payfiles.reconcile_import(by=by, run=run, filename=f"结果-{run.pk}.xlsx", content=out.getvalue())


def load_demo(*, seed: int) -> str:
    if Programme.objects.filter(code="gaoling").exists():
        return "津贴补贴：演示项目已存在，跳过"
    city = User.objects.get(username="city")
    checker = _checker()
    programmes = _programmes(city)
    accounts = _bank_accounts(seed)
    this_month = month_start(timezone.localdate())
    last_month = add_months(this_month, -1)
    care_ok = True
    summary = []
    # 高龄津贴 requires proof of life; its month before last is paid too, so last month's run suspends
    # those who missed it (audit demo below)
    uncertified = _life_cert_setup(city, programmes[0], seed)
    before = services.run_preview(by=city, programme=programmes[0], month=add_months(last_month, -1))
    before = compute(before.pk, before.attempt)
    if before.status == "preview":
        services.run_approve(by=checker, run=before)
    for programme in programmes:
        try:
            run = services.run_preview(by=city, programme=programme, month=last_month)
            run = compute(run.pk, run.attempt)
        except ImportError:  # the assessment module is not installed: no care-level programme runs
            care_ok = False
            continue
        if run.status != "preview":
            summary.append(f"{programme.name}：{run.message}")
            continue
        services.run_approve(by=checker, run=run)
        if run.line_count:
            _reconcile(city, run.pk, seed)
        current = services.run_preview(by=city, programme=programme, month=this_month)
        current = compute(current.pk, current.attempt)
        summary.append(f"{programme.code} 上月 {run.people_count} 人/本月 {current.people_count} 人")
    summary.append(_insurer_statement_demo(city, programmes[3], last_month))
    if connection.vendor == "postgresql":  # data matching and recoveries are set-based PostgreSQL statements
        summary.append(_audit_demo(city, checker, programmes, uncertified, last_month, this_month, seed))
    else:
        summary.append("数据比对与追回演示需要 PostgreSQL（嵌入式演示库中略过）")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE benefits_entitlement")
    return (f"津贴补贴：演示项目 {len(programmes)} 个（金额均为演示数值），代发账户 {accounts} 个；"
            + "；".join(summary) + ("" if care_ok else "（评估模块未就绪，护理补贴未计算）")
            + "；复核账户 city2（市级，审核发放批次）")


def _insurer_statement_demo(city: User, programme: Programme, month: dt.date) -> str:
    """The insurer's statement for last month's insured list, checked: most people as listed, one premium
    that differs, two on the list the insurer left out, one insured who is not on it, a number nobody has,
    and a row with a wrong check digit."""
    import csv
    from decimal import Decimal

    from yanglao.core.crypto import decrypt
    from yanglao.core.idnumber import check_digit
    from yanglao.people.models import Person

    from . import insurance

    run = PaymentRun.objects.filter(programme=programme, month=month, status__in=["approved", "paid", "reconciled"]).first()
    if run is None:
        return "承保清单核对演示：上月保险名单未审核，跳过"
    lines = list(Entitlement.objects.filter(run=run, kind="regular").order_by("person_id")
                 .values_list("person__name", "person__id_number_enc", "amount"))
    if len(lines) < 6:
        return "承保清单核对演示：投保人数不足，跳过"
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([f"中国人民财产保险股份有限公司阳江市分公司 {month:%Y年%m月} 老年人意外伤害保险承保清单（演示）"])
    w.writerow(["序号", "被保险人姓名", "被保险人身份证号码", "保险费（元）"])
    n = 0
    for i, (name, enc, amount) in enumerate(lines[2:]):  # the first two left out: 漏保
        n += 1
        w.writerow([n, name, decrypt(enc), f"{amount + (Decimal('0.50') if i == 0 else 0):.2f}"])
    outsider = Person.objects.filter(status="active").exclude(
        pk__in=Entitlement.objects.filter(run=run).values("person_id")).order_by("pk").first()
    if outsider is not None:
        n += 1
        w.writerow([n, outsider.name, decrypt(outsider.id_number_enc), f"{lines[0][2]:.2f}"])
    first17 = "44170219390101" + "993"
    w.writerow([n + 1, "查无此人", first17 + check_digit(first17), f"{lines[0][2]:.2f}"])
    idno = decrypt(lines[0][1])
    w.writerow([n + 2, "号码有误", idno[:-1] + ("0" if idno[-1] != "0" else "1"), f"{lines[0][2]:.2f}"])
    st = insurance.statement_import(by=city, run=run, filename=f"承保清单{month:%Y%m}.csv",
                                    content=out.getvalue().encode("gbk"), insurer="中国人民财产保险股份有限公司阳江市分公司（演示）")
    return (f"承保清单核对：一致 {st.matched} 人，保费不符 {st.premium_differs} 人，漏保 {st.not_insured} 人，"
            f"多保 {st.not_listed} 人，有误 {st.bad} 行")


# --------------------------------------------------------------------------- audit demo

LIFE_SINCE = dt.date(2025, 9, 1)


def _life_cert_setup(city: User, gaoling: Programme, seed: int) -> list[int]:
    """Proof of life every 12 months for 高龄津贴; certificates for everyone aged 79+ (one set-based
    INSERT: bank face checks, community visits, app checks spread over the year, a few due within the
    month), except three people of 北门社区 who missed it. Returns those three."""
    from . import lifecert

    lifecert.programme_requirement_set(by=city, programme=gaoling, every_months=12, fixed_month=None, fixed_day=None,
                                       since=LIFE_SINCE, remind_days=30)
    from yanglao.people.models import Person

    cutoff = dt.date(timezone.localdate().year - 79, 1, 1)
    old = dt.date(timezone.localdate().year - 82, 1, 1)  # surely 80+ in every month shown
    missed = list(Person.objects.filter(status="active", division_code="441702001001", birth_date__lte=old)
                  .order_by("pk").values_list("pk", flat=True)[:3])
    if len(missed) < 3:  # a small demo may have nobody that old in 北门社区: the nearest in 江城区
        missed += list(Person.objects.filter(status="active", division_code__startswith="441702", birth_date__lte=old)
                       .exclude(pk__in=missed).order_by("division_code", "pk").values_list("pk", flat=True)[:3 - len(missed)])
    # Everyone else 79+ was certified at some point over the past year (portable: the embedded SQLite demo too).
    from .models import LifeCertificate

    methods = ["visit", "bank_face", "app_face", "video"]
    eligible = (Person.objects.filter(status="active", birth_date__lte=cutoff).exclude(pk__in=missed)
                .order_by("pk").values_list("pk", "division_code"))
    certificates = [
        LifeCertificate(
            person_id=pk,
            certified_on=(dt.date(2025, 12, 1) + dt.timedelta(days=pk % 25) if pk % 40 == 0
                          else dt.date(2026, 1, 5) + dt.timedelta(days=pk % 300)),
            method=methods[pk % 4], reference=f"YJ{pk:010d}" if pk % 4 in (1, 2) else "", note="演示",
            recorded_by=city, division_code=division)
        for pk, division in eligible.iterator()
    ]
    LifeCertificate.objects.bulk_create(certificates, batch_size=2000)
    n = len(certificates)
    audit_bulk(Programme, operation="demo_life_certificates", count=n, division_code="4417", params={"seed": seed})
    return missed


def _death_list(people: list[tuple[str, str, dt.date]]) -> bytes:
    """The public-security bureau's list as it arrives: a title row, a serial column, dates as text."""
    wb = Workbook()
    ws = wb.active
    ws.title = "死亡人员"
    ws.append(["阳江市公安局 户籍注销（死亡）人员名单（演示）"])
    ws.append(["序号", "姓名", "公民身份号码", "死亡日期", "注销派出所"])
    for i, (name, idno, day) in enumerate(people, start=1):
        ws.append([i, name, idno, f"{day:%Y年%m月%d日}", "城南派出所"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _audit_demo(city: User, checker: User, programmes: list[Programme], missed: list[int], last_month: dt.date,
                this_month: dt.date, seed: int) -> str:
    """Last month's death list: six people still paid, confirmed; their recoveries in every state; one
    of the three who missed proof of life certified after a visit (back pay in this month's run)."""
    from yanglao.core.crypto import decrypt
    from yanglao.core.idnumber import check_digit
    from yanglao.people.models import Person

    from . import lifecert, matching, recoveries

    gaoling = programmes[0]
    rng = random.Random(seed)
    two_before = add_months(last_month, -1)
    # six people paid last month, two per county for three counties, not among those without proof of life
    chosen: list[Person] = []
    for county in ("441702", "441704", "441781"):
        ids = list(Entitlement.objects.filter(run__programme=gaoling, run__month=last_month, kind="regular",
                                              division_code__startswith=county).exclude(person_id__in=missed)
                   .order_by("person_id").values_list("person_id", flat=True)[:2])
        chosen += list(Person.objects.filter(pk__in=ids).order_by("pk"))
    if len(chosen) < 6:
        return "审计演示：已发放人员不足，跳过"
    rows = []
    for i, p in enumerate(chosen):
        died = (two_before - dt.timedelta(days=10 + i)) if i % 2 else (two_before + dt.timedelta(days=3 + i))
        rows.append((p.name, decrypt(p.id_number_enc), died))
    first17 = "44010619400101" + "552"
    rows.append(("外市人员", first17 + check_digit(first17), two_before))  # another city's ID: a bad row
    first17 = "44170219400101" + "991"
    rows.append(("查无此人", first17 + check_digit(first17), two_before))  # not in the registry
    batch = matching.match_import(by=city, kind="death", filename="2026年10月死亡人员名单.xlsx",
                                  content=_death_list(rows), source_unit="阳江市公安局（演示）",
                                  document_no=f"阳公户〔{last_month.year}〕{last_month.month}号（演示）")
    matching.match_confirm(by=city, batch=batch)
    recs = list(Recovery.objects.filter(source__batch=batch).order_by("pk"))
    today = timezone.localdate()
    # every state: open, partly, recovered, written off (asked by city, approved by city2), write-off asked
    if len(recs) >= 5:
        recoveries.repayment_record(by=city, recovery=recs[1], amount=recs[1].amount / 2, paid_on=today,
                                    reference="阳财缴〔2026〕0012")
        recoveries.repayment_record(by=city, recovery=recs[2], amount=recs[2].amount, paid_on=today,
                                    reference="阳财缴〔2026〕0013")
        recoveries.write_off_request(by=city, recovery=recs[3], reason="当事人无遗产、无继承人，经社区核实无法追回（演示）")
        recoveries.write_off_approve(by=checker, recovery=recs[3])
        recoveries.write_off_request(by=city, recovery=recs[4], reason="家属已外出务工，暂无法联系（演示）")
    # a proof-of-life resumption: one of the three certified by a community visit
    beimen = User.objects.filter(username="beimen").first() or city
    resumed = 0
    if missed:
        person = Person.objects.get(pk=missed[0])
        if not person.division_code.startswith(beimen.scope_prefix or ""):
            beimen = city
        lifecert.certify(by=beimen, person=person, certified_on=today - dt.timedelta(days=rng.randint(2, 6)),
                         method="visit", note="社区工作人员上门见到本人（演示）")
        resumed = 1
    # accident insurance: two claims against last month's insured list, one paid
    from . import insurance

    insured = list(Entitlement.objects.filter(run__programme=programmes[3], run__month=last_month, kind="regular",
                                              person__status="active").order_by("person_id")
                   .values_list("person_id", flat=True)[:2])
    for n, pid in enumerate(insured):
        claim = insurance.claim_record(by=city, person=Person.objects.get(pk=pid), programme=programmes[3],
                                       accident_date=last_month + dt.timedelta(days=5 + 7 * n),
                                       description=["在家中浴室滑倒，右腕骨折", "过马路时被电动车碰倒，软组织挫伤"][n],
                                       amount_claimed=["3200.00", "860.00"][n], insurer_reference=f"PICC-YJ-2026-{n + 101}")
        if n == 0:
            insurance.claim_settle(by=city, claim=claim, amount_paid="3000.00")
    # this month's previews again: the dead are stopped, the certified person paid with back pay
    for programme in programmes:
        current = PaymentRun.objects.filter(programme=programme, month=this_month).exclude(status="cancelled").first()
        if current is not None and current.status == "preview":
            current = services.run_preview(by=city, programme=programme, month=this_month)
            compute(current.pk, current.attempt)
    return (f"审计演示：死亡名单 {batch.rows} 行（确认 {batch.changes} 人，追回 {len(recs)} 笔），"
            f"生存认证停发 {len(missed)} 人、恢复 {resumed} 人")
