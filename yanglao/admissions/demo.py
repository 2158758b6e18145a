"""Demo waiting lists (演示数据): applications to the public homes, with a 特困 applicant at the front."""

from __future__ import annotations

from django.db.models import Q

from yanglao.core.errors import DomainError
from yanglao.core.models import User
from yanglao.institutions.models import Institution
from yanglao.people.models import Person

from . import services
from .models import Application


def load_demo(*, seed: int) -> str:
    if Application.objects.exists():
        return "轮候演示数据已存在，未重复生成"
    made = 0
    for inst in Institution.objects.filter(accepts_public_admission=True):
        county = inst.division_code[:6]
        staff = User.objects.filter(role="county_staff", division_id=county).first()
        if staff is None:
            continue
        candidates = list(
            Person.objects.filter(division_code__startswith=county, status="active", residencies__isnull=True)
            .filter(Q(categories__category="tekun") | Q(categories__category="dibao") | Q(categories__category="veteran")
                    | Q(living_situation="alone"))
            .distinct().order_by("pk")[: 6 + (seed % 3)]
        )
        for person in candidates:
            try:
                services.application_create(by=staff, person=person, institution=inst, dementia_declared=False)
                made += 1
            except DomainError:
                continue
    return f"轮候申请 {made} 件"
