"""Demo data: adaptation projects in every state, device loans (out, overdue, returned) and family care beds
with service records, spread over the last six months (演示数据)."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from django.db.models import Q
from django.utils import timezone

from yanglao.core.errors import DomainError
from yanglao.core.models import Organisation, OrganisationKind, User
from yanglao.institutions.models import Institution
from yanglao.people.models import Person

from . import services
from .defaults import ensure_defaults
from .models import AdaptationItem, CareBed, CareService, Device, LoanKind, PhotoKind, Project, ProjectStatus

CONTRACTORS = [
    ("阳江市安居适老装饰工程有限公司", "441702001"),
    ("阳春市顺康建筑装饰有限公司", "441781001"),
    ("阳东区惠民家居改造服务部", "441704001"),
]

NEEDS = [
    "独居，卫生间无扶手，地面湿滑，夜间如厕曾跌倒一次；建议安装扶手、防滑处理和感应夜灯。",
    "下肢无力，起身困难，蹲便器使用不便；建议蹲改坐并加装助力扶手。",
    "患高血压，独居，子女在外务工；建议安装一键紧急呼叫器和烟雾报警器。",
    "轮椅出行，门槛高差约8厘米；建议门槛坡道处理、走道扶手。",
    "使用燃气灶，记忆力下降，曾忘关火；建议安装燃气泄漏报警器和烟雾报警器。",
]
PLANS = [
    [("grab-bar-bath", 2), ("anti-slip-floor", 6), ("night-light", 3)],
    [("squat-to-seat", 1), ("grab-bar-toilet", 1), ("shower-chair", 1)],
    [("emergency-call", 1), ("smoke-alarm", 2), ("night-light", 2)],
    [("threshold-ramp", 2), ("corridor-rail", 5), ("grab-bar-bath", 1)],
    [("gas-alarm", 1), ("smoke-alarm", 1), ("lever-tap", 1), ("fall-sensor", 1)],
]
CARERS = ["梁玉兰", "陈国华", "林少梅", "黄丽珍", "冯志强", "关美玲"]
NOTES = ["协助洗澡、更换衣物，皮肤完好", "测量血压 138/86，血糖正常", "协助下床活动30分钟", "整理房间、清洗衣物",
         "陪同到社区卫生服务中心复诊", "聊天、读报，情绪稳定"]


def _png(rng: random.Random, label_colour: tuple[int, int, int]) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (236, 239, 244))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 170, 320, 240), fill=(200, 196, 188))  # floor
    draw.rectangle((60, 60, 70, 170), fill=label_colour)  # a rail
    draw.rectangle((60, 100, 200, 108), fill=label_colour)
    draw.ellipse((220 + rng.randint(0, 40), 40, 270 + rng.randint(0, 40), 90), fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _at(obj: Any, **fields: Any) -> None:
    """Put the demo record's dates in the past (the services date their steps today)."""
    type(obj).objects.filter(pk=obj.pk).update(**fields)


def load_demo(*, seed: int) -> str:
    ensure_defaults()  # transactional tests flush the migration's data
    if Project.objects.exists():
        return "适老化改造演示数据已存在，未重复生成"
    rng = random.Random(seed)
    today = timezone.localdate()
    contractors = [Organisation.objects.get_or_create(name=name, defaults={"kind": OrganisationKind.OTHER,
                                                                            "division_code": code})[0]
                   for name, code in CONTRACTORS]
    items = {i.code: i for i in AdaptationItem.objects.all()}
    counties = sorted({u.division_id for u in User.objects.filter(role="county_staff") if u.division_id})
    made = {"projects": 0, "loans": 0, "beds": 0, "records": 0}
    used: set[int] = set()
    for county in counties:
        staff = User.objects.filter(role="county_staff", division_id=county).first()
        active = Person.objects.filter(division_code__startswith=county, status="active")
        people = list(active.filter(Q(categories__isnull=False) | Q(living_situation="alone")).distinct().order_by("pk")[:40])
        people += list(active.exclude(pk__in=[p.pk for p in people]).order_by("pk")[: 40 - len(people)])
        if staff is None or len(people) < 3:
            continue
        # Jiangcheng (the demo's home county) gets every state twice, the others one of each.
        states = list(ProjectStatus.values) * (2 if county == "441702" else 1) + [ProjectStatus.AWAITING]
        for n, target in enumerate(states):
            person = people[n % len(people)]
            if person.pk in used:
                continue
            used.add(person.pk)
            try:
                _project(rng, staff, person, target, n, items, contractors, today)
                made["projects"] += 1
            except DomainError:
                continue
        made["loans"] += _loans(rng, staff, people[len(states):len(states) + 8], today)
        beds, records = _beds(rng, staff, people[len(states) + 8:len(states) + 14], county, today)
        made["beds"] += beds
        made["records"] += records
    return (f"适老化改造项目 {made['projects']} 个，器具借用 {made['loans']} 笔，家庭照护床位 {made['beds']} 张"
            f"（服务记录 {made['records']} 条）")


def _project(rng: random.Random, staff: User, person: Person, target: str, n: int, items: dict[str, AdaptationItem],
             contractors: list[Organisation], today: dt.date) -> Project:
    applied = today - dt.timedelta(days=15 + (n * 23) % 170)
    p = services.project_apply(by=staff, person=person, address=person.address or "阳江市江城区北门路1号",
                               request="申请居家适老化改造（社区代为申报）", applied_on=applied)
    if target == ProjectStatus.APPLIED:
        return p
    plan = PLANS[n % len(PLANS)]
    assessed = applied + dt.timedelta(days=5)
    services.project_assess(by=staff, project=p, needs=NEEDS[n % len(NEEDS)], assessor_name="阳江市康复评估中心 刘医生",
                            assessed_on=assessed,
                            lines=[services.LineInput(items[c], q) for c, q in plan if c in items])
    services.photo_add(by=staff, project=p, content=_png(rng, (150, 150, 150)), filename="改造前-卫生间.png",
                       kind=PhotoKind.BEFORE, caption="改造前")
    if target == ProjectStatus.REJECTED:
        return services.project_reject(by=staff, project=p, comment="经核实，申请人已随子女迁居市外，不符合改造条件")
    if target == ProjectStatus.ASSESSED:
        return p
    started = assessed + dt.timedelta(days=7)
    p = services.project_start(by=staff, project=p, contractor=contractors[n % len(contractors)], started_on=started)
    if target == ProjectStatus.CONSTRUCTION:
        return p
    services.photo_add(by=staff, project=p, content=_png(rng, (29, 111, 214)), filename="改造后-扶手.png",
                       kind=PhotoKind.AFTER, caption="扶手已安装")
    completed = min(started + dt.timedelta(days=6), today)
    p = services.project_complete(by=staff, project=p, note="已按评估方案全部完成", completed_on=completed)
    if target == ProjectStatus.AWAITING:
        return p
    p = services.project_accept(by=staff, project=p, comment="现场核验：扶手牢固，防滑处理到位，老人及家属满意")
    _at(p, accepted_on=min(completed + dt.timedelta(days=4), today))
    return p


def _loans(rng: random.Random, staff: User, people: list[Person], today: dt.date) -> int:
    devices = list(Device.objects.filter(active=True))
    made = 0
    for n, person in enumerate(people):
        device = devices[n % len(devices)]
        issued = today - dt.timedelta(days=20 + n * 19)
        kind = LoanKind.RENTAL if device.rent_fen else LoanKind.LOAN
        due = issued + dt.timedelta(days=90 if n % 3 else 30)  # some fall overdue
        try:
            loan = services.loan_issue(by=staff, person=person, device=device, kind=kind, issued_on=issued, due_on=due,
                                       note="社区代办")
        except DomainError:
            continue
        made += 1
        if n % 3 == 2:
            services.loan_return(by=staff, loan=loan, returned_on=min(due, today), note="器具完好")
    return made


def _beds(rng: random.Random, staff: User, people: list[Person], county: str, today: dt.date) -> tuple[int, int]:
    homes = list(Institution.objects.filter(division_code__startswith=county).order_by("pk"))
    if not homes:
        return 0, 0
    operator_home = next((h for h in homes if h.operator_id), homes[0])
    beds = records = 0
    first = (today.replace(day=1) - dt.timedelta(days=100)).replace(day=1)
    for n, person in enumerate(people):
        home = operator_home if n % 2 == 0 else homes[n % len(homes)]
        chosen = [CareService.CARE, CareService.HEALTH, CareService.BATH, CareService.NURSING, CareService.COMFORT]
        agreed = chosen[: 2 + n % 3]
        try:
            bed = services.care_bed_register(by=staff, person=person, institution=home, services=agreed,
                                             visits_per_month=[8, 4, 12, 6][n % 4], started_on=first)
        except DomainError:
            continue
        beds += 1
        carer_user = User.objects.filter(role="institution_operator", organisation_id=home.operator_id).first()
        day = first
        while day <= today:
            # Most beds are served as agreed; every third one falls short this month.
            short = n % 3 == 1 and day.month == today.month
            if rng.random() < (0.12 if short else 0.3):
                if carer_user is not None:
                    services.service_record(by=carer_user, bed=bed, served_on=day, service=rng.choice(agreed),
                                            minutes=rng.choice([30, 45, 60, 90]), carer=rng.choice(CARERS),
                                            note=rng.choice(NOTES))
                else:
                    _record_without_account(bed, day, rng, agreed, staff)
                records += 1
            day += dt.timedelta(days=1)
        if n == len(people) - 1 and n > 2:
            services.care_bed_end(by=staff, bed=bed, ended_on=today - dt.timedelta(days=3), reason="老人入住养老机构")
    return beds, records


def _record_without_account(bed: CareBed, day: dt.date, rng: random.Random, agreed: list[str], staff: User) -> None:
    """Homes without a demo account: their records are created as the home's staff would have logged them."""
    from .models import ServiceRecord

    ServiceRecord.objects.create(bed=bed, served_on=day, service=rng.choice(agreed), minutes=rng.choice([30, 45, 60]),
                                 carer=rng.choice(CARERS), note=rng.choice(NOTES), recorded_by=staff,
                                 division_code=bed.division_code)

