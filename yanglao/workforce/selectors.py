"""Reads of the workforce: subsidies a caregiver qualifies for, training against the target, staffing
ratios of institutions against the norms, certificates expiring. Scoped by the caller's user."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from yanglao.core.scope import restrict

from .models import (
    Attendance,
    Caregiver,
    CaregiverRole,
    CaregiverStatus,
    SkillLevel,
    StaffingNorm,
    SubsidyKind,
    SubsidyRule,
    TrainingTarget,
)

EXPIRY_WARNING_DAYS = 30


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)


def rule_on(kind: str, on: dt.date, skill_level: int | None = None) -> SubsidyRule | None:
    return (SubsidyRule.objects.filter(kind=kind, skill_level=skill_level, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).order_by("-valid_from").first())


def subsidies_for(cg: Caregiver, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The subsidies the caregiver qualifies for on `on`, each with its rule, amount and the reason."""
    on = on or timezone.localdate()
    out: list[dict[str, Any]] = []
    if cg.status != CaregiverStatus.EMPLOYED or cg.role != CaregiverRole.CARER:
        return out
    months = months_between(cg.employed_since, on)
    for kind in (SubsidyKind.EMPLOYMENT, SubsidyKind.POST):
        rule = rule_on(kind, on)
        if rule is not None:
            out.append({"rule": rule, "eligible": months >= rule.min_service_months,
                        "note": f"已连续从业{months}个月" + (f"，须满{rule.min_service_months}个月" if rule.min_service_months else "")})
    if cg.skill_level:
        rule = rule_on(SubsidyKind.CERTIFICATION, on, cg.skill_level)
        if rule is not None:
            valid = cg.certificate_expires_on is None or cg.certificate_expires_on >= on
            out.append({"rule": rule, "eligible": valid, "note": cg.get_skill_level_display() + ("" if valid else "（证书已过期）")})
    return out


@dataclass
class TrainingFigures:
    year: int
    trained: int  # distinct people who completed a course ending in the year
    passed: int
    by_kind: list[dict[str, Any]]
    target: TrainingTarget | None
    by_level: list[dict[str, Any]] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        if self.target is None or not self.target.city_target:
            return None
        return round(100 * self.trained / self.target.city_target, 1)


def training_figures(user: Any, year: int | None = None) -> TrainingFigures:
    year = year or timezone.localdate().year
    done = restrict(Attendance.objects.filter(completed=True, course__ends_on__year=year), user)
    agg = done.aggregate(trained=Count("caregiver", distinct=True), passed=Count("caregiver", distinct=True, filter=Q(passed=True)))
    by_kind = list(done.values("course__kind").annotate(n=Count("caregiver", distinct=True)).order_by("course__kind"))
    labels = dict(__import__("yanglao.workforce.models", fromlist=["CourseKind"]).CourseKind.choices)
    for row in by_kind:
        row["label"] = labels.get(row["course__kind"], row["course__kind"])
    levels = dict(restrict(Caregiver.objects.filter(status=CaregiverStatus.EMPLOYED), user)
                  .values("skill_level").annotate(n=Count("pk")).values_list("skill_level", "n"))
    by_level = [{"level": lvl, "label": label, "n": levels.get(lvl, 0)} for lvl, label in SkillLevel.choices]
    return TrainingFigures(year=year, trained=agg["trained"], passed=agg["passed"], by_kind=by_kind,
                           target=TrainingTarget.objects.filter(year=year).first(), by_level=by_level)


def expiring(user: Any, on: dt.date | None = None) -> Any:
    """Employed caregivers whose skill certificate or health certificate has expired or expires within 30 days."""
    on = on or timezone.localdate()
    soon = on + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    return restrict(Caregiver.objects.filter(status=CaregiverStatus.EMPLOYED), user).filter(
        Q(certificate_expires_on__lte=soon) | Q(health_cert_expires_on__lte=soon) | Q(health_cert_no=""))


@dataclass
class Staffing:
    institution: Any
    residents: dict[int, int]  # care level (−1 = not assessed) → residents
    required: int
    carers: int

    @property
    def total_residents(self) -> int:
        return sum(self.residents.values())

    @property
    def below(self) -> bool:
        return self.carers < self.required

    @property
    def ratio(self) -> str:
        if not self.carers:
            return "—"
        return f"1:{self.total_residents / self.carers:.1f}"


def staffing(user: Any, on: dt.date | None = None) -> list[Staffing]:
    """Each institution in scope: current residents by care level (an unassessed resident counts as level 0),
    the carers the norms require (Σ residents_at_level ÷ residents_per_carer, rounded up) and the carers employed."""
    from yanglao.assessments.selectors import care_levels_for
    from yanglao.institutions.models import Institution, Residency

    on = on or timezone.localdate()
    norms = {n.care_level: n.residents_per_carer for n in StaffingNorm.objects.all()}
    homes = list(restrict(Institution.objects.all(), user).order_by("division_code", "name"))
    ids = [h.pk for h in homes]
    stays = list(Residency.objects.filter(institution_id__in=ids, discharged_on__isnull=True).values_list("institution_id", "person_id"))
    levels = care_levels_for([p for _, p in stays], on)
    carers = dict(Caregiver.objects.filter(institution_id__in=ids, status=CaregiverStatus.EMPLOYED, role=CaregiverRole.CARER)
                  .values("institution_id").annotate(n=Count("pk")).values_list("institution_id", "n"))
    by_home: dict[int, dict[int, int]] = {h: {} for h in ids}
    for home, person in stays:
        lvl = levels[person].level if person in levels else -1
        by_home[home][lvl] = by_home[home].get(lvl, 0) + 1
    out = []
    for h in homes:
        need = Decimal(0)
        for lvl, n in by_home[h.pk].items():
            per = norms.get(max(lvl, 0))
            if per:
                need += Decimal(n) / per
        out.append(Staffing(institution=h, residents=by_home[h.pk], required=math.ceil(need), carers=carers.get(h.pk, 0)))
    return out
