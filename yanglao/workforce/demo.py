"""Demo workforce (演示数据): carers and managers of every demo institution at every skill level, with
certificates valid, expiring and expired and a few without health certificates; some who left; courses over
two years with attendance; one home left short of carers so the staffing page has something to flag."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from yanglao.core.errors import DomainError
from yanglao.core.idnumber import check_digit
from yanglao.core.models import User
from yanglao.institutions.models import Institution

from . import services
from .defaults import ensure_defaults
from .models import Caregiver, CourseKind

SURNAMES = "陈李黄林梁张吴王刘杨何冯关谭莫邓叶郑许周"
GIVEN = ["秀珍", "丽娟", "美华", "少玲", "桂英", "凤娇", "志强", "建华", "小燕", "金凤", "玉梅", "月娥"]
HELD_IN = ["4417", "441702", "4417", "441781", "441702", "4417", "441704", "4417"]  # city-wide and county courses
LEVEL_MIX = [0, 5, 5, 5, 4, 4, 4, 3, 3, 2, 0, 5, 1]
COURSES = [
    ("养老护理员岗前培训（第一期）", CourseKind.INDUCTION, "阳江市技师学院", dt.date(2025, 3, 10), 5, 40),
    ("养老护理员职业技能等级认定培训（五级）", CourseKind.LEVEL, "阳江职业技术学院", dt.date(2025, 9, 1), 20, 80),
    ("养老机构院长及管理人员培训", CourseKind.MANAGER, "广东省民政职业技术学校", dt.date(2025, 11, 17), 3, 24),
    ("失智老人照护技能提升培训", CourseKind.SKILL, "阳江市人民医院", dt.date(2026, 3, 16), 4, 32),
    ("养老护理员岗前培训（第二期）", CourseKind.INDUCTION, "阳江市技师学院", dt.date(2026, 5, 11), 5, 40),
    ("养老护理员职业技能等级认定培训（四级）", CourseKind.LEVEL, "阳江职业技术学院", dt.date(2026, 7, 6), 20, 120),
    ("消防安全与应急处置培训", CourseKind.SKILL, "阳江市消防救援支队", dt.date(2026, 9, 22), 1, 8),
    ("养老护理员岗前培训（第三期）", CourseKind.INDUCTION, "阳春市职业技术学校", dt.date(2026, 12, 7), 5, 40),
]


def _id_number(rng: random.Random, county: str, age: int) -> str:
    first17 = f"{county}{2026 - age}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    return first17 + check_digit(first17)


def load_demo(*, seed: int) -> str:
    if Caregiver.objects.exists():
        return "养老人才演示数据已存在，未重复生成"
    ensure_defaults()
    rng = random.Random(seed + 11)
    today = timezone.localdate()
    city = User.objects.filter(role="city_admin", username="city").first()
    if city is None:
        return "未找到市级管理员，跳过养老人才演示数据"
    homes = list(Institution.objects.order_by("pk"))
    made = 0
    cert_seq = 0
    for h_index, home in enumerate(homes):
        residents = home.residencies.filter(discharged_on__isnull=True).count()
        n = max(2, residents // 4) if h_index % 4 else max(1, residents // 12)  # every fourth home is short of carers
        for i in range(min(n, 14) + 1):
            level = LEVEL_MIX[(i + h_index) % len(LEVEL_MIX)]
            since = today - dt.timedelta(days=rng.randint(60, 2400))
            data = {"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "id_number": _id_number(rng, home.division_code[:6], rng.randint(24, 58)),
                    "role": "manager" if i == 0 else "carer", "institution": home, "employed_since": since, "skill_level": level}
            if level:
                cert_seq += 1
                issued = since + dt.timedelta(days=rng.randint(30, 300))
                issued = min(issued, today - dt.timedelta(days=10))
                expires = issued + dt.timedelta(days=365 * 3)
                if cert_seq % 9 == 0:
                    expires = today + dt.timedelta(days=rng.randint(3, 25))  # expiring soon
                if cert_seq % 11 == 0:
                    expires = today - dt.timedelta(days=rng.randint(5, 90))  # expired
                data |= {"certificate_no": f"S{4417}{issued:%Y}{cert_seq:06d}", "certificate_issued_on": issued,
                         "certificate_expires_on": expires}
            if (i + h_index) % 7 != 3:
                data |= {"health_cert_no": f"JK{home.pk:03d}{i:03d}{rng.randint(1000, 9999)}",
                         "health_cert_expires_on": today + dt.timedelta(days=rng.choice([-12, 20, 120, 200, 300, 340]))}
            try:
                cg = services.caregiver_create(by=city, data=data)
            except DomainError:
                continue
            made += 1
            if i == 1 and h_index % 3 == 0:
                services.caregiver_leave(by=city, caregiver=cg, on=today - dt.timedelta(days=rng.randint(5, 40)))
    carers = list(Caregiver.objects.filter(status="employed").order_by("pk"))
    for c_index, (title, kind, provider, start, days, hours) in enumerate(COURSES):
        course = services.course_create(by=city, data={
            "title": title, "kind": kind, "provider": provider, "starts_on": start, "ends_on": start + dt.timedelta(days=days),
            "hours": hours, "places": 40, "division_code": HELD_IN[c_index % len(HELD_IN)]})
        if start > today:
            continue  # a course still to come: no attendance yet
        group = [c for j, c in enumerate(carers) if (j + c_index) % 3 == 0 and c.division_code.startswith(course.division_code)][:30]
        for j, cg in enumerate(group):
            completed = j % 10 != 7
            services.attendance_record(by=city, course=course, caregiver=cg, completed=completed,
                                       passed=completed and j % 6 != 5)
    return f"养老护理员和管理人员 {made} 人、培训班 {len(COURSES)} 期"
