"""Demo time bank (演示数据): volunteers, teams, verifying organisations and older people in a few communities
of each county; services over the last eight months in every state; gifts, redemptions, donations and grants."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Count
from django.utils import timezone

from yanglao.core.divisions import division_short_name
from yanglao.core.errors import DomainError
from yanglao.core.idnumber import check_digit
from yanglao.core.models import User
from yanglao.people.models import Person

from . import services
from .defaults import ensure_default_scheme
from .models import Member, ServiceRequest, ServiceType, Transfer

SURNAMES = "陈李黄林梁张吴王刘杨何冯关谭莫邓叶郑许周"
GIVEN = ["志明", "丽华", "建国", "秀英", "晓红", "国强", "美玲", "伟东", "海燕", "少芬", "家豪", "嘉欣", "文杰", "玉兰",
         "振华", "慧敏", "子健", "桂芳", "永康", "雪梅"]
TEAMS = ["青年志愿服务队", "巾帼志愿服务队", "党员先锋志愿队"]
NOTES = {"chat": "陪老人聊天、读报", "meal": "送午餐上门", "clean": "打扫卫生、整理房间", "errand": "代购药品和日用品",
         "escort": "陪同到社区卫生服务中心复诊", "culture": "教用智能手机视频通话", "other": "协助办理高龄津贴年审"}


def _id_number(rng: random.Random, county: str, birth: dt.date) -> str:
    first17 = f"{county}{birth:%Y%m%d}{rng.randint(100, 999)}"
    return first17 + check_digit(first17)


def _when(base: dt.datetime, days: int, hours: int = 0) -> dt.datetime:
    return base + dt.timedelta(days=days, hours=hours)


def load_demo(*, seed: int) -> str:
    if Member.objects.exists():
        return "时间银行演示数据已存在，未重复生成"
    ensure_default_scheme()
    rng = random.Random(seed + 12)
    now = timezone.now()
    made = {"members": 0, "requests": 0}
    counties = list(User.objects.filter(role="county_staff", username__in=["jiangcheng", "yangdong", "yangxi", "yangchun"])
                    .order_by("division_id"))
    for c_index, staff in enumerate(counties):
        county = staff.division_id
        communities = [row["division_code"] for row in Person.objects.filter(division_code__startswith=county, status="active")
                       .values("division_code").annotate(n=Count("pk")).order_by("-n", "division_code")[: 3 if c_index else 4]]
        if county == "441702" and "441702001001" not in communities:
            communities[0] = "441702001001"  # 北门社区, where the community worker `beimen` works
        for k, community in enumerate(communities):
            place = division_short_name(community)
            org, _ = services.member_create(by=staff, data={"kind": "organisation", "name": f"{place}居委会",
                                                            "division_code": community})
            team, _ = services.member_create(by=staff, data={"kind": "team", "name": f"{place}{TEAMS[k % 3]}",
                                                             "division_code": community})
            volunteers = []
            for i in range(6):
                age = rng.choice([22, 28, 35, 41, 47, 52, 58, 61, 63, 66])
                birth = dt.date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                trained = i != 5  # one in six still waits for training
                try:
                    v, _ = services.member_create(by=staff, data={
                        "kind": "volunteer", "name": name, "id_number": _id_number(rng, county, birth),
                        "division_code": community, "team": team if i % 2 == 0 else None,
                        "training_done_on": dt.date(2026, rng.randint(1, 4), rng.randint(1, 28)) if trained else None,
                        "training_hours": 8 if trained else 0,
                        "joined_on": dt.date(2026, rng.randint(1, 3), rng.randint(1, 28))})
                except DomainError:
                    continue
                if i != 4:  # one not yet identity-checked
                    services.member_check_identity(by=staff, member=v, on=v.joined_on)
                volunteers.append(v)
                made["members"] += 1
            ready = [v for v in volunteers if v.identity_checked_on and v.training_done_on]
            elders = []
            for person in Person.objects.filter(division_code=community, status="active").order_by("pk")[:5]:
                try:
                    e, _ = services.member_create(by=staff, data={"kind": "elder", "person": person})
                except DomainError:
                    continue
                services.member_check_identity(by=staff, member=e)
                elders.append(e)
                made["members"] += 1
            if not ready or not elders:
                continue
            # a volunteer's mother among the older people: hours may be given to her
            young = [v for v in ready if (v.age or 0) < 60]
            if young:
                services.relative_add(by=staff, member=young[0], relative=elders[-1], relation="父母", document="户口簿")
            # services over eight months, every state
            for n in range(14):
                e, v = elders[n % len(elders)], ready[n % len(ready)]
                base = now - dt.timedelta(days=rng.randint(5, 240))
                st = rng.choice(ServiceType.values)
                req = services.request_create(by=staff, elder=e, service_type=st, scheduled_on=(base + dt.timedelta(days=2)).date(),
                                              description=NOTES[st])
                state = ["open", "taken", "done", "disputed", "rejected", "cancelled"][n] if n < 6 else "verified"
                fields = {"requested_at": base}
                if state == "cancelled":
                    services.request_cancel(by=staff, req=req, reason="老人住院，暂不需要")
                elif state != "open":
                    services.request_take(by=staff, req=req, volunteer=v, for_team=bool(v.team_id and n % 4 == 0))
                    fields["taken_at"] = _when(base, 1)
                    if state != "taken":
                        minutes = rng.choice([30, 45, 60, 90, 120, 150])
                        services.request_done(by=staff, req=req, minutes=minutes)
                        fields["done_at"] = _when(base, 2, 3)
                        if state == "verified":
                            org_confirms = n % 3 == 0
                            services.request_verify(by=staff, req=req, verified_by="organisation" if org_confirms else "elder",
                                                    verifier=org if org_confirms else None)
                            fields["verified_at"] = _when(base, 3)
                            Transfer.objects.filter(service=req).update(at=_when(base, 3))
                        elif state in ("disputed", "rejected"):
                            services.request_dispute(by=staff, req=req, reason="老人反映服务时长与实际不符")
                            if state == "rejected":
                                services.request_resolve(by=staff, req=req, minutes=0, resolution="经社区核实，当日未上门服务")
                                fields["verified_at"] = _when(base, 5)
                ServiceRequest.objects.filter(pk=req.pk).update(**fields)
                made["requests"] += 1
            # the ledger's other movements
            for v in ready:
                v.refresh_from_db()
                balance = v.account.balance_minutes
                if balance >= 60 and (v.age or 0) >= 60:
                    services.redeem(by=staff, member=v, minutes=60, memo="兑换助洁服务")
                elif balance >= 30 and young and v.pk == young[0].pk:
                    services.gift(by=staff, member=v, relative=elders[-1], minutes=30)
            team.refresh_from_db()
            if team.account.balance_minutes:
                services.donate(by=staff, member=team, minutes=team.account.balance_minutes)
            fund = services.system_account("fund")
            fund.refresh_from_db()
            if fund.balance_minutes >= 60:
                services.grant(by=staff, elder=elders[0], minutes=60, reason="特困独居老人")
                elders[0].refresh_from_db()
                services.redeem(by=staff, member=elders[0], minutes=30, memo="兑换陪同就医")
    check = __import__("yanglao.timebank.selectors", fromlist=["ledger_check"]).ledger_check()
    return (f"时间银行会员 {made['members']} 人、服务需求 {made['requests']} 件、流水 {check.movements} 笔"
            f"（{'账平' if check.ok else '账不平'}）")
