"""Demo visits (演示数据): visitors in every community with people due, the plans of the last three months
and this one, records with realistic findings, missed visits with their reasons, overdue visits,
referrals open, in hand, closed and cancelled, consents (one refusal) and a visit after a major change.
Sign in as `beimen` (the worker's list), `nanen` (last month's rate and who was missed) or `jiangcheng`."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.models import User
from yanglao.people.models import Person

from . import plans, services
from .defaults import ensure_default_tiers
from .models import (
    MissedReason,
    Referral,
    ReferralKind,
    ReferralStatus,
    Visit,
    VisitConsent,
    Visitor,
    VisitRecord,
)

SURNAMES = "陈林黄李梁吴张何冯郑谢罗许关莫"
GIVEN = ["秀兰", "志强", "美玲", "国华", "丽娟", "建军", "小红", "伟明", "慧敏", "海燕", "文杰", "春梅"]
HEALTH = ["身体状况稳定，血压控制良好", "腿脚不便，需拄拐行走", "近期感冒已好转", "糖尿病按时服药，血糖偏高",
          "听力下降，交流需大声", "精神状态好，能自理", "夜间睡眠差，偶有头晕"]
ECONOMIC = ["低保金按月到账，生活基本有保障", "子女每月寄生活费", "靠养老金生活，收入较低", "经济状况一般，无负债"]
SAFETY = ["门锁完好，家中无安全隐患", "燃气灶软管老化，已提醒更换", "卫生间地面湿滑，建议加装扶手", "电线老化，插座松动"]
LIVING = ["独居一楼，室内整洁", "与老伴同住，房屋为自有住房", "房屋较旧，通风采光一般", "室内杂物较多"]
NEEDS = ["希望有人代购药品", "需要助餐服务", "希望定期上门理发", "想了解高龄津贴申领", "无特别需求", "需要陪同就医"]
REFERRALS = [
    (ReferralKind.SERVICE_ORDER, "申请每周两次助餐上门服务"),
    (ReferralKind.SUBSIDY, "符合低保边缘条件，协助申请经济困难老年人补贴"),
    (ReferralKind.ASSESSMENT, "行动明显不便，申请老年人能力评估"),
    (ReferralKind.EMERGENCY, "家中燃气软管漏气，需立即处置"),
    (ReferralKind.SERVICE_ORDER, "卫生间加装扶手（适老化改造）"),
]
MISSED = [(MissedReason.HOSPITAL, "在市人民医院住院"), (MissedReason.AWAY, "到广州随子女暂住"),
          (MissedReason.NOT_HOME, "两次上门均不在家"), (MissedReason.UNREACHABLE, "电话无人接听"),
          (MissedReason.REFUSED, "家属表示不需要"), (MissedReason.WORKER_ABSENT, "探访人员病假")]


def _supervisor(code: str, users: dict[str, User]) -> User | None:
    township = next((u for u in users.values() if u.role == "township_staff" and code.startswith(u.scope_prefix or "-")), None)
    return township or next((u for u in users.values() if u.role == "county_staff" and code.startswith(u.scope_prefix or "-")), None)


def load_demo(*, seed: int) -> str:
    if Visit.objects.exists():
        return "探访演示数据已存在，未重复生成"
    ensure_default_tiers()
    rng = random.Random(seed)
    users = {u.username: u for u in User.objects.filter(role__in=["township_staff", "county_staff", "community_worker"])}
    beimen = users.get("beimen")
    nanen = users.get("nanen")
    county_staff = users.get("jiangcheng") or next((u for u in users.values() if u.role == "county_staff"), None)
    if county_staff is None:
        return "探访演示数据：缺少县级演示账号，跳过"
    communities = list(Person.objects.filter(status="active", living_situation__in=["alone", "empty_nest", "left_behind"])
                       .values_list("division_code", flat=True).distinct().order_by("division_code"))
    visitors: list[Visitor] = []
    for code in communities:
        sup = _supervisor(code, users)
        visitors.append(Visitor(name=rng.choice(SURNAMES) + rng.choice(GIVEN), kind="community_worker", division_code=code,
                                supervisor=sup, phone_masked=f"139******{rng.randint(10, 99)}"))
        if rng.random() < 0.35:
            visitors.append(Visitor(name=rng.choice(SURNAMES) + rng.choice(GIVEN), kind=rng.choice(["volunteer", "social_worker"]),
                                    division_code=code, supervisor=sup))
    with transaction.atomic():
        Visitor.objects.bulk_create(visitors)
        if beimen is not None:  # the demo community worker visits 北门社区 with a volunteer and a social worker
            Visitor.objects.filter(division_code=beimen.scope_prefix, kind="community_worker").update(user=beimen, name="何晓敏")
            Visitor.objects.create(name="李志强", kind="volunteer", division_code=beimen.scope_prefix, supervisor=nanen)
            Visitor.objects.create(name="梁慧敏", kind="social_worker", division_code=beimen.scope_prefix, supervisor=nanen)
        audit_bulk(Visitor, operation="demo", count=len(visitors), division_code="4417")

    today = timezone.localdate()
    this_month = today.replace(day=1)
    months = [plans.add_months(this_month, -k) for k in (3, 2, 1, 0)]
    # consents: most agree, one refuses (and drops out of the plans generated after it)
    sample = list(Person.objects.filter(status="active", living_situation="alone").order_by("pk")[:40])
    recorder = beimen or county_staff
    for i, p in enumerate(sample[:12]):
        VisitConsent.objects.create(person=p, agreed=i != 5, recorded_on=months[0] + dt.timedelta(days=i),
                                    recorded_by=recorder, signed_by=p.name if i % 3 else "其子", division_code=p.division_code,
                                    note="" if i != 5 else "本人表示由女儿照顾，不需要探访")
    for m in months:
        plans.generate("4417", m)
    visits = list(Visit.objects.filter(month__in=months).select_related("visitor").order_by("id"))
    records: list[VisitRecord] = []
    done_ids: list[int] = []
    missed: dict[tuple[str, str], list[int]] = {}
    now = timezone.now()
    for v in visits:
        current = v.month == this_month
        if current and v.due_date >= today:
            continue  # still to come this month
        r = rng.random()
        done_share = 0.80 if not current else 0.65
        if r < done_share:
            day = v.due_date - dt.timedelta(days=rng.randint(0, 6))
            day = max(day, v.month)
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.choice([0, 15, 30, 45]))))
            records.append(VisitRecord(
                visit_id=v.pk, person_id=v.person_id, visitor_id=v.visitor_id, recorded_by=v.visitor.user
                if v.visitor and v.visitor.user else (nanen or county_staff), method=rng.choices(
                    ["home", "phone", "video", "remote"], weights=[70, 20, 6, 4])[0], visited_at=min(at, now),
                health=rng.choice(HEALTH), economic=rng.choice(ECONOMIC), safety=rng.choice(SAFETY),
                living_conditions=rng.choice(LIVING), needs=rng.choice(NEEDS),
                risks=rng.sample(["fall", "fire_gas", "no_care", "illness"], k=rng.choice([0, 0, 0, 1, 2])),
                division_code=v.division_code))
            done_ids.append(v.pk)
        elif r < done_share + 0.12:
            missed.setdefault(rng.choice(MISSED), []).append(v.pk)
        # the rest stay planned past their date: overdue, counted as 逾期未记录
    with transaction.atomic():
        VisitRecord.objects.bulk_create(records, batch_size=2000)
        for i in range(0, len(done_ids), 5000):
            Visit.objects.filter(pk__in=done_ids[i:i + 5000]).update(status="done")
        for (reason, note), ids in missed.items():
            for i in range(0, len(ids), 5000):
                Visit.objects.filter(pk__in=ids[i:i + 5000]).update(status="missed", missed_reason=reason, missed_note=note)
        audit_bulk(VisitRecord, operation="demo", count=len(records), division_code="4417")

    # referrals in every state, from records of 南恩街道 first (what nanen and beimen see)
    recs = list(VisitRecord.objects.filter(division_code__startswith="441702001").order_by("visited_at")[:10]) or \
        list(VisitRecord.objects.order_by("visited_at")[:10])
    handler = nanen or county_staff
    states = [ReferralStatus.CLOSED, ReferralStatus.CLOSED, ReferralStatus.CANCELLED, ReferralStatus.ACCEPTED,
              ReferralStatus.OPEN, ReferralStatus.OPEN, ReferralStatus.ACCEPTED, ReferralStatus.OPEN]
    outcomes = {ReferralStatus.CLOSED: "已派单，服务商已上门服务并回访", ReferralStatus.CANCELLED: "老人已随子女到外地居住，撤销"}
    made_refs = 0
    for rec, state in zip(recs, states, strict=False):
        kind, text = REFERRALS[made_refs % len(REFERRALS)]
        opened = rec.visited_at
        due = timezone.localtime(opened).date() + dt.timedelta(days=services.REFERRAL_DAYS[kind])
        Referral.objects.create(
            record=rec, person_id=rec.person_id, kind=kind, description=text, status=state, due_date=due,
            opened_by=rec.recorded_by, handled_by=handler if state != ReferralStatus.OPEN else None,
            accepted_at=opened + dt.timedelta(days=1) if state != ReferralStatus.OPEN else None,
            closed_at=opened + dt.timedelta(days=3) if state in outcomes else None, outcome=outcomes.get(state, ""),
            division_code=rec.division_code)
        made_refs += 1
    _accept_demo_referrals(handler)

    # the worker's phone list: one visit due today and one after a major change (within 24 hours)
    if beimen is not None:
        mine = Visit.objects.filter(visitor__user=beimen, month=this_month, status="planned", due_date__gte=today)
        first = mine.order_by("id").first()
        if first is not None:
            Visit.objects.filter(pk=first.pk).update(due_date=today)
        person = Person.objects.filter(division_code=beimen.scope_prefix, status="active", living_situation="alone").first()
        if person is not None:
            services.report_major_change(by=beimen, person=person, note="昨日出院回家，独自居住，需确认服药和饮食")
    return (f"探访人员 {Visitor.objects.count()} 名；探访计划 {Visit.objects.count()} 项（{len(months)} 个月）；"
            f"探访记录 {len(records)} 条；转介 {made_refs} 件")


def _accept_demo_referrals(handler: Any) -> None:
    """One service-order and one subsidy referral accepted through the service, so the demo shows the home-care
    order and the application they filed (the other open ones stay 待受理)."""
    from yanglao.benefits.models import Programme
    from yanglao.core.errors import DomainError
    from yanglao.homecare.models import ServiceItem

    if handler is None or not handler.can("visits.plan"):
        return
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    item = ServiceItem.objects.filter(published=True, valid_from__lte=tomorrow).order_by("code").first()
    programme = Programme.objects.filter(enrolment_mode="application", status="active").order_by("code").first()
    choices = {ReferralKind.SERVICE_ORDER: {"item": item, "service_date": tomorrow},
               ReferralKind.SUBSIDY: {"programme": programme, "from_month": timezone.localdate().replace(day=1)}}
    for kind, data in choices.items():
        ref = Referral.objects.filter(kind=kind, status=ReferralStatus.OPEN).order_by("id").first()
        if ref is None or None in data.values():
            continue
        try:
            services.referral_accept(by=handler, referral=ref, data=data)
        except DomainError:  # e.g. the person already has an application in that programme: leave it open
            continue
