"""Demo exchanges (演示数据): runs that succeeded and runs with errors; the national system's batch of the
last quarter sent and this quarter's generated (a provider still without a credit code, so its row is held
back and listed); a returned list confirmed and one waiting; long-term care insurance with designated
providers, assessments on both scales, care plans, last month's settlement list confirmed (one person outside
the city, one bad row, one person already paid the care subsidy) and a person whose LTC home care keeps them
out of this month's care subsidy run, with the reason. Runs on the embedded SQLite too."""

from __future__ import annotations

import datetime as dt
import io
import random

from django.utils import timezone
from openpyxl import Workbook

from yanglao.core.crypto import decrypt
from yanglao.core.idnumber import check_digit
from yanglao.core.models import Organisation, User
from yanglao.core.validators import uscc_check_character

from . import services
from .models import LtcProvider, NationalBatch

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _uscc(rng: random.Random, division: str, kind: str = "52") -> str:
    first17 = kind + division[:6] + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    return first17 + uscc_check_character(first17)


def _xlsx(header: list[str], rows: list[tuple], title: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _provider_without_credit_code() -> str:
    """A home-care provider registered this month whose credit code is not recorded yet: its row fails the
    national layout, is kept out of the batch file and listed with the reason."""
    from yanglao.homecare.models import Provider

    org = Organisation.objects.create(name="阳西县织篢镇长者服务站", kind="provider", credit_code="",
                                      division_code="441721")
    Provider.objects.create(organisation=org, name=org.name, division_code="441721", contact_name="冯美玲",
                            phone="0662-5512345", daily_capacity=20, active=True)
    return org.name


def _plain_ids(person_ids: list[int]) -> dict[int, tuple[str, str]]:
    from yanglao.people.models import Person

    return {pk: (name, decrypt(enc)) for pk, name, enc in
            Person.objects.filter(pk__in=person_ids).values_list("pk", "name", "id_number_enc")}


def _outsider(rng: random.Random) -> str:
    first17 = f"440106{rng.randint(1938, 1955)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}{rng.randint(100, 999)}"
    return first17 + check_digit(first17)


def load_demo(*, seed: int) -> str:
    if LtcProvider.objects.exists() or NationalBatch.objects.exists():
        return "数据交换：演示数据已存在，跳过"
    from yanglao.benefits.engine import compute
    from yanglao.benefits.models import Entitlement, PaymentRun, Programme
    from yanglao.benefits.months import add_months
    from yanglao.benefits.services import run_preview
    from yanglao.institutions.models import Institution
    from yanglao.people.models import Person, PersonCategory

    rng = random.Random(seed + 20)
    city = User.objects.get(username="city")
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = add_months(this_month, -1)
    out: list[str] = []

    # --- national system: credit codes, last quarter's batch sent, this quarter's generated
    held = _provider_without_credit_code()
    q_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    prev_q = add_months(q_start, -3)
    prev = services.national_batch_create(by=city, period=f"{prev_q.year}Q{(prev_q.month + 2) // 3}", today=today)
    services.national_batch_mark_sent(by=city, batch=prev, note="已通过全国养老服务信息系统批量导入（演示）")
    cur = services.national_batch_create(by=city, period=f"{q_start.year}Q{(q_start.month + 2) // 3}", today=today)
    out.append(f"全国系统报送：上季度已报送 {prev.rows_ok} 行，本季度已生成 {cur.rows_ok} 行、未通过校验 {cur.rows_failed} 行"
               + f"（{held}缺统一社会信用代码，其行未写入）")

    # --- the national system's list read back: one confirmed, one waiting
    listed = list(PersonCategory.objects.filter(category__in=["tekun", "dibao"], valid_to__isnull=True,
                                                person__status="active").order_by("person_id")
                  .values_list("person_id", flat=True).distinct()[:40])
    plain = _plain_ids(listed)
    rows = [(name, idno, f"QG{idno[:6]}{i:06d}", (today - dt.timedelta(days=200 + i)).isoformat())
            for i, (name, idno) in enumerate(plain.values(), start=1)]
    first = services.national_return_import(
        by=city, filename="全国系统已登记老年人名单（第一批）.xlsx", list_name="全国系统已登记老年人（第一批）",
        content=_xlsx(["姓名", "公民身份号码", "老年人编号", "建档日期"], rows[:25], "全国养老服务信息系统 已登记人员"), today=today)
    services.national_return_confirm(by=city, batch=first)
    extra = [("周秀兰", _outsider(rng), "QG440106000001", "2025-12-01"), ("谭伟", "44170219440101123", "", "")]
    services.national_return_import(
        by=city, filename="全国系统已登记老年人名单（第二批）.xlsx", list_name="全国系统已登记老年人（第二批）",
        content=_xlsx(["姓名", "公民身份号码", "老年人编号", "建档日期"], rows[25:] + extra), today=today)
    out.append(f"全国系统回传名单 2 份（1 份已确认，{first.matched} 人登记）")

    # --- long-term care insurance
    homes = list(Institution.objects.order_by("pk")[:2])
    providers = [
        services.ltc_provider_add(by=city, data={
            "name": "阳江市康乐居家护理站（长护险定点）", "code": "H44170200001", "credit_code": _uscc(rng, "441702", "91"),
            "home_care": True, "institution_care": False, "institution": None,
            "valid_from": dt.date(2025, 1, 1), "valid_to": None, "division_code": "441702"}),
        services.ltc_provider_add(by=city, data={
            "name": "阳春市仁爱护理院（长护险定点）", "code": "H44178100002", "credit_code": _uscc(rng, "441781", "52"),
            "home_care": True, "institution_care": True, "institution": homes[1] if len(homes) > 1 else None,
            "valid_from": dt.date(2025, 7, 1), "valid_to": None, "division_code": "441781"}),
    ]
    if homes:
        services.ltc_provider_add(by=city, data={
            "name": f"{homes[0].name}（长护险定点）", "code": "H44170200003", "credit_code": homes[0].credit_code,
            "home_care": False, "institution_care": True, "institution": homes[0],
            "valid_from": dt.date(2025, 1, 1), "valid_to": None, "division_code": homes[0].division_code})
    huli = Programme.objects.filter(code="huli-butie").first()
    paid_last = []
    if huli is not None:
        services.ltc_offset_add(by=city, programme=huli, valid_from=dt.date(2025, 1, 1),
                                basis="阳医保〔2025〕演示1号：享受长护险居家护理待遇的，同期不再享受经济困难失能老年人护理补贴")
        paid_last = list(Entitlement.objects.filter(programme=huli, month=last_month, kind="regular",
                                                    run__status__in=("approved", "paid", "reconciled"))
                         .order_by("division_code", "person_id").values_list("person_id", flat=True)[:8])
    if len(paid_last) < 4:
        paid_last += list(Person.objects.filter(status="active", division_code__startswith="441702")
                          .exclude(pk__in=paid_last).order_by("pk").values_list("pk", flat=True)[:4 - len(paid_last)])
    people = {p.pk: p for p in Person.objects.filter(pk__in=paid_last)}
    order = [pk for pk in paid_last if pk in people]
    a, b, c = (people[pk] for pk in order[:3])  # a: home care from this month; b: home care last month; c: institution
    levels = [(a, 4, "home", this_month, providers[0]), (b, 3, "home", last_month, providers[0]),
              (c, 5, "institution", add_months(this_month, -4), providers[1])]
    for person, level, setting, start, provider in levels:
        items = {name: rng.choice([0, 5, 10]) for name in services.ITEM_NAMES}
        services.ltc_assessment_add(by=city, person=person, data={
            "assessed_on": start - dt.timedelta(days=20), "adl_score": 40 - 5 * (level - 3) * 2, "cognition_score": 9,
            "perception_score": 8, "items": items, "level": level, "agency": "阳江市长期护理保险失能评估中心（演示）",
            "document_no": f"阳长评〔{start.year}〕{rng.randint(100, 999)}号", "valid_until": add_months(start, 24)})
        services.ltc_benefit_add(by=city, person=person, data={
            "level": level, "setting": setting, "provider": provider if setting == "home" or provider.institution_care
            else None, "from_month": start, "status": "active", "document_no": f"阳医保长护〔{start.year}〕{person.pk}号"})
        services.ltc_plan_add(by=city, person=person, data={
            "provider": provider, "valid_from": start, "valid_to": None, "hours_per_month": 30 if setting == "home" else 120,
            "services": "协助进食、清洁照料、翻身拍背、压疮预防" if setting == "home" else "机构全日护理、康复训练"})
    # last month's settlement list: b (home, already paid the care subsidy), c (institution), one outside the
    # city, one bad row; confirmed
    ids = _plain_ids([b.pk, c.pk])
    rows = [(1, ids[b.pk][0], ids[b.pk][1], f"{last_month:%Y-%m}", "居家护理", "重度失能Ⅰ级", 30, "1200.00",
             providers[0].name, "阳江市"),
            (2, ids[c.pk][0], ids[c.pk][1], f"{last_month:%Y-%m}", "机构护理", "重度失能Ⅲ级", 30, "2100.00",
             providers[1].name, "阳江市"),
            (3, "周秀兰", _outsider(rng), f"{last_month:%Y-%m}", "居家护理", "重度失能Ⅱ级", 28, "1350.00",
             providers[0].name, "广州市天河区"),
            (4, "谭伟", "44170219440101123", f"{last_month:%Y-%m}", "居家护理", "重度失能Ⅰ级", 45, "1200.00",
             providers[0].name, "阳江市")]
    header = ["序号", "姓名", "公民身份号码", "费用月份", "待遇类型", "失能等级", "享受天数", "长护险基金支付", "护理机构", "参保地"]
    s = services.ltc_settlement_import(by=city, month=last_month, filename=f"长护险结算清单{last_month:%Y%m}.xlsx",
                                       content=_xlsx(header, rows, f"阳江市长期护理保险{last_month:%Y年%m月}结算清单"),
                                       today=today)
    services.ltc_settlement_confirm(by=city, settlement=s)
    out.append(f"长护险：定点机构 {LtcProvider.objects.count()} 家，{last_month:%Y年%m月}结算清单已确认"
               f"（非本市 {s.outside} 行、有误 {s.bad} 行、当月已发护理补贴 {s.already_paid} 人）")
    # this month's care subsidy run, recomputed: a and b are left out and the stopped list says why
    if huli is not None:
        run = PaymentRun.objects.filter(programme=huli, month=this_month, status="preview").first()
        if run is not None:
            run = run_preview(by=city, programme=huli, month=this_month)
            run = compute(run.pk, run.attempt)
            out.append(f"本月护理补贴批次重新计算：{run.people_count} 人，因长护险居家护理不发 "
                       f"{run.stopped.filter(reason=services.STOP_CODE).count()} 人")
    return "数据交换：" + "；".join(out)
