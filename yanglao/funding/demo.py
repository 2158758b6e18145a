"""Demo funding (演示数值): 2021 to this year for 市本级 and the four counties — lottery-fund totals, budget lines by
source and purpose, spending records spread over the months with voucher numbers (a few with a scanned voucher),
shares mostly above the 55 % floor and some below it (阳春市 2021, 阳西县 2022, 市本级 2023, 阳东区 2025), and
the year's figures in every state: earlier years approved, 2025 approved, reported, returned and still open,
this year being filled in. Written through the services (so the audit trail and every check apply); runs on
SQLite too."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from yanglao.core.models import User

from . import services
from .models import Spending
from .streams import platform_amounts

CITY = "4417"
LEVELS = [(CITY, "city", "市本级"), ("441702", "jiangcheng", "江城区"), ("441704", "yangdong", "阳东区"),
          ("441721", "yangxi", "阳西县"), ("441781", "yangchun", "阳春市")]
# lottery funds received (万元) by level, before a yearly growth
RECEIVED = {CITY: 1180, "441702": 420, "441704": 310, "441721": 260, "441781": 380}
# (level, year) whose lottery spending on elderly care stays below 55 %
BELOW = {("441781", 2021): Decimal("0.52"), ("441721", 2022): Decimal("0.48"), (CITY, 2023): Decimal("0.53"),
         ("441704", 2025): Decimal("0.51")}
PAYEES = {"institution": ["阳江市江城区社会福利中心", "阳江颐康护养院", "阳东区社会福利院", "阳春市港澳长者之家", "阳西县中心敬老院"],
          "homecare": ["南恩街道综合养老服务中心", "北门社区长者饭堂", "阳东区东城镇日间照料中心", "阳春市春城街道居家养老服务站"],
          "purchase": ["阳江市康乐居家养老服务中心", "阳江市颐和社会工作服务中心", "阳西县乐龄居家养老服务中心"],
          "allowance": ["阳江市农村商业银行（代发）", "中国邮政储蓄银行阳江分行（代发）"],
          "training": ["阳江职业技术学院", "阳江市技工学校"],
          "informatization": ["阳江市智慧养老信息平台运维单位"],
          "other": ["阳江市老年人体育协会"]}
SUMMARIES = {"institution": "养老机构运营补贴", "homecare": "居家社区养老服务设施运营", "purchase": "政府购买居家养老服务",
             "allowance": "高龄津贴补发", "training": "养老护理员培训", "informatization": "智慧养老平台运维",
             "other": "敬老月活动经费"}
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _wan(n: float) -> Decimal:
    return (Decimal(str(n)) * 10000).quantize(Decimal("0.01"))


def _split(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    out = [(total * Decimal(str(w / sum(weights)))).quantize(Decimal("0.01")) for w in weights]
    out[-1] += total - sum(out)
    return [a for a in out if a > 0]


def load_demo(*, seed: int) -> str:
    if Spending.objects.exists():
        return "资金保障演示数据已存在，未重复生成"
    users = {u.username: u for u in User.objects.filter(username__in=[lv[1] for lv in LEVELS] + ["city2"])}
    if "city" not in users or "city2" not in users:
        return "未找到市级管理员，跳过资金保障演示数据"
    rng = random.Random(seed + 18)
    today = timezone.localdate()
    years = list(range(2021, today.year + 1))
    made = 0
    for code, username, _name in LEVELS:
        by = users.get(username) or users["city"]
        platform_lottery: dict[int, Decimal] = {}
        for a in platform_amounts(prefix=code, year=None) if code != CITY else []:
            if a.source == "lottery":
                platform_lottery[a.year] = platform_lottery.get(a.year, Decimal("0")) + a.amount
        for year in years:
            last_month = today.month if year == today.year else 12
            growth = 1 + 0.06 * (year - 2021)
            received = _wan(RECEIVED[code] * growth * rng.uniform(0.95, 1.05))
            services.lottery_save(by=by, data={"year": year, "division_code": code, "received": received,
                                               "document_no": f"粤财社〔{year}〕{rng.randint(10, 90)}号"
                                               if code == CITY else f"阳财社〔{year}〕{rng.randint(5, 60)}号",
                                               "note": "本级留成及省级下达（演示数值）"})
            # budgets: general budget for every purpose, lottery for institutions and home care, transfers
            scale = 3.2 if code == CITY else 1.0
            lines = [("general", "allowance", 900 * scale), ("general", "homecare", 260 * scale),
                     ("general", "purchase", 180 * scale), ("general", "informatization", 40 * scale),
                     ("lottery", "institution", RECEIVED[code] * growth * 0.42),
                     ("lottery", "homecare", RECEIVED[code] * growth * 0.2),
                     ("province", "institution", 150 * scale), ("central", "training", 30 * scale),
                     ("social", "other", 12 * scale)]
            doc = f"阳财预〔{year}〕{rng.randint(1, 30)}号"
            for source, purpose, wan in lines:
                services.budget_save(by=by, data={"year": year, "division_code": code, "source": source,
                                                  "purpose": purpose, "amount": _wan(round(wan * growth, 2)),
                                                  "document_no": doc, "note": "年初预算（演示数值）"})
            # lottery spending: the share wanted, less what the platform already paid from lottery funds
            target = BELOW.get((code, year), Decimal(str(round(rng.uniform(0.58, 0.72), 2))))
            if year == today.year:
                target = (target * Decimal(last_month) / 12).quantize(Decimal("0.01"))  # the year is not over
            lottery_manual = max(received * target - platform_lottery.get(year, Decimal("0")), Decimal("0"))
            plan = [("lottery", "institution", lottery_manual * Decimal("0.6")),
                    ("lottery", "homecare", lottery_manual * Decimal("0.4")),
                    ("general", "purchase", _wan(120 * scale * growth)), ("general", "informatization", _wan(25 * scale)),
                    ("province", "institution", _wan(110 * scale * growth)), ("central", "training", _wan(18 * scale)),
                    ("social", "other", _wan(6 * scale))]
            seq = 0
            for source, purpose, total in plan:
                total = total.quantize(Decimal("0.01"))
                if total <= 0:
                    continue
                for amount in _split(total, rng.randint(2, 4), rng):
                    seq += 1
                    month = rng.randint(1, last_month)
                    day = rng.randint(1, 28)
                    paid_on = dt.date(year, month, day)
                    if paid_on > today:
                        paid_on = today - dt.timedelta(days=rng.randint(1, 20))
                    s = services.spending_save(by=by, data={
                        "paid_on": paid_on, "voucher_no": f"记-{paid_on:%Y%m}-{code[-2:]}{seq:03d}",
                        "division_code": code, "source": source, "purpose": purpose, "amount": amount,
                        "payee": rng.choice(PAYEES[purpose]), "summary": f"{year}年{SUMMARIES[purpose]}（演示数值）",
                        "document_no": f"阳民〔{year}〕{rng.randint(10, 99)}号"})
                    made += 1
                    if seq % 7 == 1:
                        services.attachment_add(by=by, spending=s, filename=f"凭证{s.voucher_no}.pdf", content=PDF)
    _states(users, years, today)
    return f"已生成资金保障演示数据：{len(years)} 个年度、{len(LEVELS)} 个级次、{made} 笔支出"


def _states(users: dict[str, User], years: list[int], today: dt.date) -> None:
    city, city2 = users["city"], users["city2"]
    for code, username, _name in LEVELS:
        by = users.get(username) or city
        checker = city2 if by.pk == city.pk else city
        for year in years:
            if year == today.year:
                continue  # this year is still being filled in
            if year < today.year - 1:
                fy = services.year_submit(by=by, year=year, division_code=code)
                services.year_approve(by=checker, year_row=fy, comment="数据核实无误")
                continue
            # last year, every state
            if code in (CITY, "441781"):
                fy = services.year_submit(by=by, year=year, division_code=code)
                if code == CITY:
                    services.year_approve(by=checker, year_row=fy, comment="数据核实无误")
            elif code == "441702":
                services.year_submit(by=by, year=year, division_code=code, comment="请审定")
            elif code == "441704":
                fy = services.year_submit(by=by, year=year, division_code=code)
                services.year_return(by=city, year_row=fy,
                                     comment="福彩公益金用于养老比例低于55%，请核实是否漏登支出")
            # 阳西县 last year: still being filled in (填报中)
