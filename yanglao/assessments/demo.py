"""Demo assessments, after the registry's people are seeded: set-based (bulk_create), a few seconds.

- approved GB/T 42195-2022 results for about 15% of active people, approved over the last
  fourteen months, so some are due for reassessment within 30 days and some are overdue;
- pending work for the demo assessors ``assessor1``/``assessor2`` (江城区): requested, scheduled,
  in progress and submitted (waiting for review by ``jiangcheng``);
- historical MZ/T 039-2013 results (level 0–3) for a few hundred people.
Safe to run again: it does nothing when demo assessments exist.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.demo import DEMO_PASSWORD
from yanglao.core.models import User
from yanglao.core.roles import Role
from yanglao.core.services import staff_create
from yanglao.people.models import Person

from .choices import Reason, RequestedVia, Scale, Status
from .models import Assessment
from .scale import ITEMS, LEVELS, RISK_EVENTS, TOTAL_MAX
from .scoring import score
from .selectors import valid_until_for

DEMO_NOTE = "演示数据"
SHARE_ASSESSED = 0.15
LEVEL_WEIGHTS = (10, 38, 27, 15, 10)  # levels 0..4
MZT_SOURCES = ("阳江市社会福利院", "江城区社会福利中心", "阳春市敬老院", "阳西县民政局评估组")
COUNTY_REVIEWERS = {"441702": "jiangcheng", "441704": "yangdong", "441721": "yangxi", "441781": "yangchun"}
COUNTY_NAMES = {"441702": "江城区", "441704": "阳东区", "441721": "阳西县", "441781": "阳春市"}


def random_items(rng: random.Random, total: int) -> dict[str, int]:
    """Item scores adding up to ``total`` (0–90), the deficit spread over the items at random."""
    items = {item.code: item.max_score for item in ITEMS}
    minimum = {item.code: item.min_score for item in ITEMS}
    for _ in range(TOTAL_MAX - total):
        code = rng.choice([c for c, v in items.items() if v > minimum[c]])
        items[code] -= 1
    return items


def _assessors() -> dict[str, tuple[User, User]]:
    pairs: dict[str, tuple[User, User]] = {}
    for county, name in COUNTY_NAMES.items():
        if county == "441702":
            a1, a2 = User.objects.filter(username="assessor1").first(), User.objects.filter(username="assessor2").first()
        else:
            a1 = a2 = None
        found = []
        for index, user in enumerate((a1, a2), start=1):
            if user is None:
                username = f"assessor-{county}-{index}" if county != "441702" else f"assessor{index}"
                user = User.objects.filter(username=username).first() or staff_create(
                    username=username, password=DEMO_PASSWORD, role=Role.ASSESSOR, division_code=county,
                    real_name=f"{name}评估员{index}", check_password=False)
            found.append(user)
        pairs[county] = (found[0], found[1])
    return pairs


def _reviewers() -> dict[str, User]:
    fallback = User.objects.filter(role__in=[Role.CITY_ADMIN, Role.COUNTY_STAFF]).order_by("pk").first()
    reviewers: dict[str, User] = {}
    for county, username in COUNTY_REVIEWERS.items():
        user = User.objects.filter(username=username).first() or fallback
        if user is not None:
            reviewers[county] = user
    return reviewers


def _result_fields(rng: random.Random) -> dict[str, object]:
    level = rng.choices(range(5), weights=LEVEL_WEIGHTS)[0]
    band = LEVELS[level]
    total = rng.randint(band.min_total, band.max_total)
    diagnoses: list[str] = []
    events: list[str] = []
    if level >= 1 and rng.random() < 0.08:
        diagnoses.append(rng.choice(["F00.1", "F01.1", "F03"]))
    if rng.random() < 0.05:
        events = [rng.choice(RISK_EVENTS).code for _ in range(2)]
    if rng.random() < 0.3:
        diagnoses.append(rng.choice(["I10", "E11.9", "I63.9", "J44.9", "M17.9"]))
    items = random_items(rng, total)
    result = score(items, diagnoses=diagnoses, risk_events_30d=events)
    return {
        "items": items, "diagnoses": diagnoses, "risk_events": events, "total": result.total,
        "indicators": result.indicators, "base_level": result.base_level, "level": result.level,
        "rules_applied": [r.as_dict() for r in result.rules_applied],
    }


def _pick(rng: random.Random, pool: Sequence[tuple[int, str, str]], n: int) -> list[tuple[int, str, str]]:
    return rng.sample(list(pool), min(n, len(pool)))


def load_demo(*, seed: int) -> str:
    if Assessment.objects.filter(request_note=DEMO_NOTE).exists():
        return "能力评估演示数据：已存在，跳过"
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    people = list(Person.objects.filter(status="active").order_by("pk").values_list("pk", "division_code", "address"))
    if not people:
        return "能力评估演示数据：没有在册老年人，跳过"
    assessors, reviewers = _assessors(), _reviewers()
    rng.shuffle(people)
    n_results = int(len(people) * SHARE_ASSESSED)
    assessed, rest = people[:n_results], people[n_results:]

    rows: list[Assessment] = []
    for pk, division, address in assessed:
        county = division[:6]
        if county not in assessors or county not in reviewers:
            continue
        a1, a2 = assessors[county]
        # Approved over the last 14 months: ~1/7 overdue, ~1/14 due within 30 days.
        approved_on = today - dt.timedelta(days=rng.randint(0, 425))
        assessed_on = approved_on - dt.timedelta(days=rng.randint(1, 10))
        approved_at = timezone.make_aware(dt.datetime.combine(approved_on, dt.time(10, rng.randint(0, 59))))
        reason = Reason.FIRST if rng.random() < 0.7 else rng.choice([Reason.PERIODIC, Reason.ADMISSION,
                                                                     Reason.CONDITION_CHANGE])
        rows.append(Assessment(
            person_id=pk, division_code=division, scale=Scale.GBT42195,
            status=Status.PUBLISHED if rng.random() < 0.8 else Status.APPROVED, reason=reason,
            requested_via=RequestedVia.STAFF, requested_by=reviewers[county], request_note=DEMO_NOTE,
            assessor_1=a1, assessor_2=a2, scheduled_on=assessed_on, place=address, assessed_on=assessed_on,
            submitted_at=approved_at - dt.timedelta(days=1), reviewer=reviewers[county], reviewed_at=approved_at,
            approved_at=approved_at, published_at=approved_at, valid_from=approved_on,
            valid_until=valid_until_for(approved_on), **_result_fields(rng),
        ))

    # Work in hand for the demo assessors (江城区), on people without a result.
    a1, a2 = assessors["441702"]
    jiangcheng = [p for p in rest if p[1].startswith("441702")]
    pending = _pick(rng, jiangcheng, 16)
    for index, (pk, division, address) in enumerate(pending):
        status = [Status.REQUESTED, Status.SCHEDULED, Status.SCHEDULED, Status.IN_PROGRESS, Status.SUBMITTED][index % 5]
        fields: dict[str, object] = {}
        if status != Status.REQUESTED:
            fields |= {"assessor_1": a1 if index % 2 else a2, "assessor_2": a2 if index % 2 else a1,
                       "scheduled_on": today + dt.timedelta(days=index % 7), "place": address}
        if status == Status.IN_PROGRESS:
            fields["items"] = {item.code: item.max_score for item in ITEMS[:8]}
        if status == Status.SUBMITTED:
            fields |= _result_fields(rng) | {"assessed_on": today - dt.timedelta(days=1),
                                             "submitted_at": now - dt.timedelta(hours=20)}
        rows.append(Assessment(
            person_id=pk, division_code=division, status=status, reason=Reason.FIRST,
            requested_via=RequestedVia.PERSON_FAMILY if index % 3 == 0 else RequestedVia.STAFF,
            requested_by=reviewers.get("441702"), request_note=DEMO_NOTE, **fields))

    # Historical MZ/T 039-2013 results (never a care level).
    taken = {p[0] for p in pending}
    historical = _pick(rng, [p for p in people if p[0] not in taken], max(50, len(people) // 40))
    for pk, division, _address in historical:
        day = dt.date(rng.randint(2016, 2021), rng.randint(1, 12), rng.randint(1, 28))
        rows.append(Assessment(
            person_id=pk, division_code=division, scale=Scale.MZT039, status=Status.IMPORTED,
            mzt_level=rng.choices(range(4), weights=(30, 35, 20, 15))[0], assessed_on=day, valid_from=day,
            source=rng.choice(MZT_SOURCES), request_note=DEMO_NOTE))

    with transaction.atomic():
        Assessment.objects.bulk_create(rows, batch_size=2000)
        audit_bulk(Assessment, operation="demo_seed", count=len(rows), division_code="4417",
                   params={"seed": seed, "results": n_results, "pending": len(pending), "mzt039": len(historical)})
    due = sum(1 for r in rows if r.valid_until and today <= r.valid_until <= today + dt.timedelta(days=30))
    overdue = sum(1 for r in rows if r.valid_until and r.valid_until < today)
    bulk = _demo_bulk_job()
    return (f"能力评估演示数据：评估结果 {n_results} 条（30天内到期 {due}，已过期 {overdue}），"
            f"待办 {len(pending)} 条（评估员 assessor1/assessor2），MZ/T 039 历史结果 {len(historical)} 条{bulk}")


def _demo_bulk_job() -> str:
    """One finished bulk job for the demo (批量操作 → 发起复评 by the township account ``nanen``, six overdue
    results of its township), so /bulk/ and a result page have something to show. Runs the job here."""
    from yanglao.core.bulkactions import bulk_job_run, bulk_job_start, bulk_list, select

    user = User.objects.filter(username="nanen", is_active=True).first()
    blist = bulk_list("assessments.due")
    if user is None or blist is None:
        return ""
    action = blist.action("reassess")
    assert action is not None
    picked = list(blist.search(user, QueryDict("only=overdue")).filter(has_open_request=False)
                  .values_list("pk", flat=True)[:6])
    if not picked:
        return ""
    selection = select(user, blist, scope="ids", ids=[str(pk) for pk in picked], query="only=overdue")
    job = bulk_job_start(by=user, blist=blist, action=action, selection=selection, comment="演示：逾期未复评人员集中复评")
    job = bulk_job_run(job.pk)
    return f"；批量发起复评 {job.total} 条（nanen，成功 {job.done} 条）"
