"""Demo data of home and community care — prices, subsidies and facilities are DEMO VALUES (演示数值).

The catalogue with subsidy rules, three providers with staff, areas and contracts (the demo account
`provider` is 康乐's carer), home points for the people of 南恩街道, hotline calls, service plans, orders over
the last four months in every state, settlements (approved, awaiting the second signature), complaints,
facilities across 江城区 and meals at 北门长者饭堂. Safe to run again (skips when the catalogue exists)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from yanglao.core.models import Division, Organisation, OrganisationKind, User
from yanglao.people.models import Person, PersonCategory

from . import services
from .models import Facility, ServiceItem, ServiceOrder, Settlement

DOC = "阳民〔2026〕演示9号"
# code, name, kind, unit, price (yuan), content, published
ITEMS = [
    ("ZC-01", "长者午餐", "meal", "meal", "12", "长者饭堂堂食或送餐上门，一荤一素一汤", True),
    ("ZJ-01", "居家清洁", "cleaning", "hour", "30", "室内清扫、整理、清洗衣物", True),
    ("ZY-01", "上门助浴", "bathing", "visit", "80", "上门协助洗浴、更衣，含助浴设备", True),
    ("ZYI-01", "陪同就医", "medical", "visit", "50", "陪同就诊、取药、代办挂号", True),
    ("ZX-01", "助行陪护", "mobility", "visit", "40", "陪同外出、散步、购物", True),
    ("ZJI-01", "紧急援助上门", "emergency", "visit", "60", "呼叫后30分钟内上门处置", True),
    ("KF-01", "康复护理", "rehab", "visit", "90", "肢体康复训练、压疮护理、健康监测", True),
    ("JS-01", "精神慰藉", "comfort", "hour", "25", "聊天陪伴、读报、心理疏导", True),
    ("KF-02", "中医理疗（试点）", "rehab", "visit", "120", "艾灸、推拿（试点项目，未公开）", False),
]
# item code -> [(category or "", min care level or None, subsidy yuan)]
RULES = {
    "ZC-01": [("tekun", None, "8"), ("dibao", None, "6"), ("", 3, "5")],
    "ZJ-01": [("tekun", None, "30"), ("dibao", None, "20"), ("", 2, "15")],
    "ZY-01": [("tekun", None, "70"), ("dibao", None, "50"), ("", 3, "40")],
    "ZYI-01": [("tekun", None, "40"), ("dibao", None, "30")],
    "ZX-01": [("tekun", None, "30")],
    "ZJI-01": [("", None, "60")],
    "KF-01": [("tekun", None, "80"), ("", 3, "60")],
    "JS-01": [("tekun", None, "25"), ("dibao", None, "20")],
}
PROVIDERS = [
    # organisation name, registered in, areas, capacity, contact, discount per item (fen)
    ("阳江市康乐居家养老服务中心", "441702002", ["441702001", "441702002"], 60, "关国栋", 500),
    ("阳江市颐康护理服务有限公司", "441702001", ["441702001"], 30, "陈少华", 0),
    ("阳东区东城镇邻里互助服务社", "441704100", ["441704"], 40, "黄志明", 300),
]
STAFF = [("关国栋", "3"), ("林小燕", "4"), ("冯美玲", "5"), ("何志强", "4"), ("陈丽君", "5"), ("梁秋霞", "2")]
WORK = {"meal": "送餐上门，老人已用餐", "cleaning": "清扫客厅、卧室，清洗衣物被褥", "bathing": "协助洗浴、更衣，检查皮肤无异常",
        "medical": "陪同到阳江市人民医院复诊、取药", "mobility": "陪同到市场买菜、散步", "emergency": "上门查看，协助起身，已告知家属",
        "rehab": "下肢康复训练30分钟，测量血压", "comfort": "聊天读报，老人情绪良好"}
RATERS = ["本人", "儿子", "女儿", "老伴", "儿媳"]
HOME = (21.858, 111.982)


def _months(today: dt.date, n: int) -> list[dt.date]:
    first = today.replace(day=1)
    out = [first]
    for _ in range(n - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        out.append(first)
    return sorted(out)


def _programme(by: User) -> object:
    from yanglao.benefits.models import Programme

    found = Programme.objects.filter(code="fuwu-butie").first()
    if found:
        return found
    return Programme.objects.create(code="jujia-fuwu", name="居家养老服务补贴（演示数值）", kind="subsidy",
                                    legal_basis=DOC, issuing_unit="阳江市民政局（演示）", is_demo=True)


def _aware(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def load_demo(*, seed: int) -> str:
    if ServiceItem.objects.exists():
        return "居家社区养老：演示数据已存在，跳过"
    rng = random.Random(seed)
    today = timezone.localdate()
    county = User.objects.get(username="jiangcheng")
    checker = User.objects.get(username="city")
    township = User.objects.filter(username="nanen").first() or county
    programme = _programme(county)

    items = {}
    for code, name, kind, unit, price, content, published in ITEMS:
        item = services.item_create(by=county, data={"code": code, "name": name, "kind": kind, "unit": unit,
                                                      "price_fen": int(Decimal(price) * 100), "content": content,
                                                      "valid_from": dt.date(2026, 1, 1), "document_no": DOC})
        if published:
            services.item_publish(by=county, item=item, published=True)
        items[code] = item
        for category, level, subsidy in RULES.get(code, []):
            services.rule_create(by=county, item=item, data={
                "programme": programme, "category": category, "min_care_level": level,
                "subsidy_fen": int(Decimal(subsidy) * 100), "valid_from": dt.date(2026, 1, 1),
                "note": "演示数值"})

    providers = []
    for name, division, areas, capacity, contact, discount in PROVIDERS:
        org = Organisation.objects.filter(name=name).first() or Organisation.objects.create(
            name=name, kind=OrganisationKind.PROVIDER, division_code=division)
        by = checker if not division.startswith("441702") else county
        provider = services.provider_create(by=by, name=name, division_code=division, areas=areas,
                                            contact_name=contact, phone="0662-33" + f"{rng.randint(10000, 99999)}",
                                            daily_capacity=capacity, organisation=org)
        for item in items.values():
            services.contract_create(by=by, provider=provider, item=item, price_fen=item.price_fen - discount
                                     if item.price_fen > discount else item.price_fen,
                                     valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31),
                                     document_no=f"{division[:6]}-JJ-2026-{len(providers) + 1:03d}",
                                     division_code=division[:6])
        providers.append(provider)
    kangle = providers[0]
    carer_user = User.objects.filter(username="provider").first()
    if carer_user and carer_user.organisation_id != kangle.organisation_id:
        carer_user = None
    carers = []
    for i, (name, level) in enumerate(STAFF):
        target = kangle if i < 4 else providers[1]
        carers.append(services.staff_add(by=county, provider=target, name=name, skill_level=level,
                                         phone=f"139{rng.randint(10000000, 99999999)}",
                                         certificate_no=f"S44170{rng.randint(1000000, 9999999)}",
                                         user=carer_user if i == 0 else None))

    # People of 南恩街道 with a home point (and a few 特困/低保 among them if the registry has none).
    people = list(Person.objects.filter(division_code__startswith="441702001", status="active").order_by("pk")[:40])
    if not people:
        return "居家社区养老：南恩街道没有老年人档案，未生成工单"
    for person in people:
        services.home_set(by=county, person=person, latitude=Decimal(str(round(HOME[0] + rng.uniform(-0.01, 0.01), 6))),
                          longitude=Decimal(str(round(HOME[1] + rng.uniform(-0.01, 0.01), 6))))
    for person in people[:8]:
        if not PersonCategory.objects.filter(person=person, category__in=["tekun", "dibao"]).exists():
            PersonCategory.objects.create(person=person, category="tekun" if person.pk % 2 else "dibao",
                                          valid_from=dt.date(2025, 1, 1), division_code=person.division_code,
                                          issuing_unit="南恩街道办事处（演示）")

    orders = _orders(rng, today, county, township, carer_user, kangle, providers[1], carers, people, items)
    settled = _settlements(today, county, checker, providers)
    _plans_calls_complaints(rng, today, township, people, items, orders)
    facilities = _facilities(rng, county, items["ZC-01"])
    meals = _meals(rng, today, township, facilities, people)
    return (f"居家社区养老：服务项目 {len(items)} 项，服务商 {len(providers)} 家，工单 {ServiceOrder.objects.count()} 张，"
            f"结算单 {settled} 张，设施 {len(facilities)} 个，就餐 {meals} 人次")


def _orders(rng: random.Random, today: dt.date, county: User, township: User, carer_user: User | None,
            kangle: object, second: object, carers: list, people: list, items: dict) -> list[ServiceOrder]:
    """About 25 orders a month over four months: past months completed or rated (a few cancelled), this
    month in every state; some check-ins flagged far from home."""
    made: list[ServiceOrder] = []
    codes = [c for c, *_rest, published in ITEMS if published]
    months = _months(today, 4)
    for month in months:
        current = month == today.replace(day=1)
        last_day = today if current else (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        for n in range(12 if not current else 20):
            person = people[n % len(people)]
            item = items[rng.choice(codes)]
            day = month + dt.timedelta(days=rng.randint(0, (last_day - month).days))
            order = services.order_create(by=township, person=person, item=item, service_date=day,
                                          quantity=2 if item.unit == "hour" else 1, note="")
            made.append(order)
            state = _target_state(rng, current, n)
            if state == "requested":
                continue
            if state == "cancelled":
                services.order_cancel(by=township, order=order, reason="老人住院，暂不需要")
                continue
            provider = kangle if (carer_user is not None and n % 4) else second
            order = services.order_dispatch(by=township, order=order, provider=provider)
            if state == "dispatched" or carer_user is None and provider is kangle:
                continue
            org_user = carer_user if provider is kangle else _provider_user(second)
            carer = next(c for c in carers if c.provider_id == provider.pk)
            order = services.order_accept(by=org_user, order=order, carer=carer)
            if state == "accepted":
                continue
            home = order.person.homecare_profile
            far = n % 7 == 3
            lat = home.latitude + (Decimal("0.012") if far else Decimal(str(round(rng.uniform(-0.0005, 0.0005), 6))))
            start = _aware(day, rng.choice([8, 9, 10, 14, 15]), rng.choice([0, 10, 20, 30]))
            order = services.order_check_in(by=org_user, order=order, latitude=lat, longitude=home.longitude, at=start)
            if state == "in_service":
                continue
            order = services.order_check_out(by=org_user, order=order, latitude=home.latitude, longitude=home.longitude,
                                             work_done=WORK[item.kind], at=start + dt.timedelta(minutes=rng.choice([45, 60, 90, 120])))
            if state == "rated":
                services.order_rate(by=township, order=order, rating=rng.choice([5, 5, 5, 4, 4, 3]),
                                    comment=rng.choice(["服务很周到", "准时，态度好", "", "希望固定同一位护理员"]),
                                    rated_by=rng.choice(RATERS))
    # When the steps happened, as a real month would show them (the services stamped "now").
    for order in ServiceOrder.objects.exclude(status="requested"):
        fields = {"created_at": _aware(order.service_date - dt.timedelta(days=2), 9, 30)}
        if order.dispatched_at:
            fields["dispatched_at"] = _aware(order.service_date - dt.timedelta(days=2), 10, 15)
        if order.accepted_at:
            fields["accepted_at"] = _aware(order.service_date - dt.timedelta(days=1), 16, 40)
        if order.rated_at and order.check_out_at:
            fields["rated_at"] = order.check_out_at + dt.timedelta(hours=3)
        ServiceOrder.objects.filter(pk=order.pk).update(**fields)
    return made


def _provider_user(provider: object) -> User:
    """A carer account for the second provider (not a login demo account: its orders are worked in the demo)."""
    from yanglao.core.roles import Role

    user = User.objects.filter(organisation_id=provider.organisation_id).first()  # type: ignore[attr-defined]
    if user:
        return user
    user = User(username="provider-yikang", role=Role.SERVICE_PROVIDER, organisation_id=provider.organisation_id,  # type: ignore[attr-defined]
                real_name="陈少华（颐康护理）", is_active=True)
    user.set_unusable_password()
    user.save()
    return user


def _target_state(rng: random.Random, current: bool, n: int) -> str:
    if not current:
        return "cancelled" if n % 11 == 7 else ("rated" if n % 3 else "completed")
    return ["requested", "dispatched", "accepted", "in_service", "completed", "rated", "cancelled", "rated",
            "completed", "dispatched"][n % 10]


def _settlements(today: dt.date, county: User, checker: User, providers: list) -> int:
    months = _months(today, 4)[:-1]  # the past three months
    made = 0
    for i, month in enumerate(months):
        for provider in providers[:2]:
            try:
                s = services.settlement_prepare(by=county, provider=provider, month=month)
            except Exception:  # noqa: BLE001 - no completed orders that month for this provider
                continue
            made += 1
            if i < len(months) - 1:  # the latest month waits for the second signature
                services.settlement_approve(by=checker, settlement=s, comment="经核对工单与签到记录，同意结算")
                Settlement.objects.filter(pk=s.pk).update(
                    prepared_at=_aware((month.replace(day=28) + dt.timedelta(days=6)), 10, 0),
                    approved_at=_aware((month.replace(day=28) + dt.timedelta(days=9)), 15, 30))
    return made


def _plans_calls_complaints(rng: random.Random, today: dt.date, township: User, people: list, items: dict,
                            orders: list) -> None:
    for person, code, weekday in ((people[0], "ZJ-01", 1), (people[1], "ZJ-01", 3), (people[2], "JS-01", 4)):
        services.plan_create(by=township, person=person, item=items[code], weekday=weekday,
                             valid_from=today.replace(day=1), quantity=2)
    services.plans_generate(by=township, week_start=today)
    calls = [("黄小明", "儿子", "母亲行动不便，想预约上门助浴", "已登记助浴工单，由康乐服务中心上门", "ZY-01"),
             ("陈阿姨", "本人", "咨询长者饭堂开放时间和补贴", "告知北门长者饭堂11:00-12:30开放，特困老人每餐补贴8元", None),
             ("李志强", "女婿", "岳父独居，想每周安排一次清洁", "已建立每周二居家清洁服务计划", None),
             ("吴婆婆", "本人", "反映护理员迟到", "已转服务商核实，登记投诉", None)]
    for i, (name, relation, asked, done, code) in enumerate(calls):
        person = people[i + 3]
        call = services.call_record(by=township, caller_name=name, caller_relation=relation,
                                    caller_phone=f"138{rng.randint(10000000, 99999999)}", asked=asked,
                                    action_taken=done, person=person,
                                    taken_at=_aware(today - dt.timedelta(days=3 - min(i, 3)), 9 + i, 12))
        if code:
            services.order_create(by=township, person=person, item=items[code], service_date=today, note=asked,
                                  call=call)
    done = [o for o in ServiceOrder.objects.filter(status__in=["completed", "rated"]).order_by("-service_date")[:2]]
    for i, order in enumerate(done):
        c = services.complaint_create(by=township, order=order, complainant="吴婆婆" if i == 0 else "黄小明",
                                      content="护理员迟到近一小时，事先没有电话告知" if i == 0 else "清洁不够仔细，厨房未清理")
        if i == 1:
            services.complaint_follow_up(by=township, complaint=c, note="服务商已重新上门清理厨房，家属确认满意", closes=True)


def _facilities(rng: random.Random, county: User, meal_item: ServiceItem) -> list[Facility]:
    """江城区: a comprehensive centre in most streets and towns, day-care centres in many urban communities,
    长者饭堂, and mutual-aid homes in some villages."""
    made = []
    townships = list(Division.objects.filter(parent_id="441702", level=4).order_by("code"))
    for t_index, township in enumerate(townships):
        communities = list(Division.objects.filter(parent_id=township.code, level=5).order_by("code"))
        if not communities:
            continue
        short = township.name.replace("街道办事处", "街道").replace("人民政府", "")
        if t_index % 4 != 3:  # every fourth township still lacks its centre
            urban = [c for c in communities if c.urban_rural == "urban"] or communities
            made.append(services.facility_save(by=county, served=[c.code for c in communities[:4]], data={
                "name": f"{short}综合养老服务中心", "kind": "centre",
                "functions": ["full_care", "day_care", "home_visit", "guidance"] if t_index % 2 == 0
                else ["day_care", "home_visit", "guidance"],
                "division_code": urban[0].code, "address": f"{short}中心路{rng.randint(1, 99)}号",
                "latitude": Decimal("21.86"), "longitude": Decimal("111.98"), "hours": "周一至周日 8:00-18:00",
                "capacity": 80, "beds": 30 if t_index % 2 == 0 else 0, "operator_name": "阳江市康乐居家养老服务中心",
                "operator": None, "meal_item": None}))
        for c_index, community in enumerate(communities):
            name = community.short_name
            if t_index > 5:
                continue  # day-care centres and mutual-aid homes recorded in the first six townships so far
            if community.urban_rural == "urban" and c_index % 3 != 2:
                made.append(services.facility_save(by=county, served=[], data={
                    "name": f"{name}日间照料中心", "kind": "day_care", "functions": ["day_care", "meals"],
                    "division_code": community.code, "address": f"{name}居委会一楼", "latitude": None,
                    "longitude": None, "hours": "周一至周五 8:00-17:30", "capacity": 20, "beds": 0,
                    "operator_name": "阳江市颐康护理服务有限公司", "operator": None, "meal_item": None}))
            elif community.urban_rural == "rural" and c_index % 2 == 0:
                made.append(services.facility_save(by=county, served=[], data={
                    "name": f"{name}农村互助幸福院", "kind": "mutual_aid", "functions": ["day_care"] if c_index % 4 == 0 else [],
                    "division_code": community.code, "address": f"{name}村委会旁", "latitude": None, "longitude": None,
                    "hours": "8:00-17:00", "capacity": 15, "beds": 0, "operator_name": f"{name}村民委员会",
                    "operator": None, "meal_item": None}))
    made.append(services.facility_save(by=county, served=["441702001002", "441702001003"], data={
        "name": "北门长者饭堂", "kind": "canteen", "functions": ["meals"], "division_code": "441702001001",
        "address": "北门路32号", "latitude": Decimal("21.8587"), "longitude": Decimal("111.9815"),
        "hours": "午餐 11:00-12:30，晚餐 17:00-18:00", "capacity": 60, "beds": 0,
        "operator_name": "阳江市康乐居家养老服务中心", "operator": None, "meal_item": meal_item}))
    made.append(services.facility_save(by=county, served=[], data={
        "name": "南恩助餐点（送餐）", "kind": "meal_point", "functions": ["meals"], "division_code": "441702001002",
        "address": "南恩路8号", "latitude": None, "longitude": None, "hours": "11:00-12:00", "capacity": 30, "beds": 0,
        "operator_name": "阳江市康乐居家养老服务中心", "operator": None, "meal_item": meal_item}))
    return made


def _meals(rng: random.Random, today: dt.date, township: User, facilities: list[Facility], people: list) -> int:
    canteens = [f for f in facilities if f.meal_item_id]
    diners = people[:6]
    for person in diners:
        services.meal_topup(by=township, person=person, amount_fen=50000)
    n = 0
    for back in range(20, -1, -1):
        day = today - dt.timedelta(days=back)
        if day.weekday() == 6:
            continue
        for person in diners:
            if rng.random() < 0.45:
                continue
            facility = canteens[0] if rng.random() < 0.8 else canteens[-1]
            services.meal_serve(by=township, facility=facility, person=person, day=day, meal="lunch",
                                pay_method="balance" if rng.random() < 0.7 else "cash",
                                delivered=facility.kind == "meal_point")
            n += 1
    return n
