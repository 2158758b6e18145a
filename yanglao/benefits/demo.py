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
from .models import BankAccount, Entitlement, Programme
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
    from .models import PaymentRun

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
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE benefits_entitlement")
    return (f"津贴补贴：演示项目 {len(programmes)} 个（金额均为演示数值），代发账户 {accounts} 个；"
            + "；".join(summary) + ("" if care_ok else "（评估模块未就绪，护理补贴未计算）")
            + "；复核账户 city2（市级，审核发放批次）")
