"""Reading the visits: rates by area, who was missed and why, a worker's list, what is overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from yanglao.core.divisions import division_short_name
from yanglao.core.scope import division_in_scope, restrict

from . import plans
from .models import REFERRAL_OPEN_STATES, MissedReason, Referral, Visit, Visitor, VisitStatus

# code length of each level: county 6, township 9, community 12
CHILD_LENGTH = {4: 6, 6: 9, 9: 12, 12: 12}


@dataclass(frozen=True)
class RateRow:
    code: str
    name: str
    due: int
    visited: int

    @property
    def missed(self) -> int:
        return self.due - self.visited

    @property
    def rate(self) -> float | None:
        return self.visited / self.due if self.due else None

    @property
    def rate_text(self) -> str:
        r = self.rate
        return "—" if r is None else f"{r * 100:.1f}%"


def visits_for(user: Any) -> QuerySet[Visit]:
    return restrict(Visit.objects.all(), user)


def rate_rows(user: Any, month: dt.date, within: str) -> tuple[RateRow, list[RateRow]]:
    """The month's visit rate of `within` and of each of its children (county → townships → communities):
    people with at least one recorded (valid) visit ÷ people with a visit due. One grouped query."""
    length = CHILD_LENGTH.get(len(within), 12)
    areas: dict[str, list[int]] = {}
    if division_in_scope(user, within or "-") and user.can("visits.view"):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT substr(division_code, 1, %s) AS area, count(*), sum(visited) FROM (SELECT person_id, "
                "max(division_code) AS division_code, max(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS visited "
                "FROM visits_visit WHERE month = %s AND division_code LIKE %s GROUP BY person_id) x "
                "GROUP BY 1 ORDER BY 1", [length, month, within + "%"])
            for area, due, visited in cur.fetchall():
                areas[area] = [int(due), int(visited or 0)]
    children = [RateRow(code, division_short_name(code), d, v) for code, (d, v) in sorted(areas.items())]
    total = RateRow(within, division_short_name(within) if within else "", sum(r.due for r in children),
                    sum(r.visited for r in children))
    return total, children


MISSED_PENDING = "pending"
MISSED_OVERDUE = "overdue"


def missed_people(user: Any, month: dt.date, within: str) -> QuerySet[Visit]:
    """People due in the month with no recorded visit: one row per person (their last visit of the
    month, carrying the reason). A planned visit past its date counts as 逾期未记录; a month not over
    yet shows who is still open."""
    done = Visit.objects.filter(person_id=OuterRef("person_id"), month=month, status=VisitStatus.DONE)
    later = Visit.objects.filter(person_id=OuterRef("person_id"), month=month, seq__gt=OuterRef("seq"))
    return (visits_for(user).filter(month=month, division_code__startswith=within)
            .filter(~Exists(done), ~Exists(later))
            .select_related("person", "visitor").order_by("division_code", "person__name", "id"))


def missed_reason_text(visit: Visit, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if visit.status == VisitStatus.MISSED:
        label = str(MissedReason(visit.missed_reason).label) if visit.missed_reason in MissedReason.values else ""
        return f"{label}：{visit.missed_note}" if visit.missed_note else label
    if visit.due_date < today:
        return "逾期未记录（未登记原因）"
    return "本月尚未探访"


def missed_workbook(user: Any, month: dt.date, within: str) -> tuple[bytes, int]:
    """The missed list of `missed_people` as an .xlsx (streamed, write-only) and its row count."""
    import io

    from openpyxl import Workbook

    from yanglao.core.cells import sheet_row
    from yanglao.core.divisions import division_short_name

    today = timezone.localdate()
    rows = list(missed_people(user, month, within).iterator(chunk_size=2000))
    names = {code: division_short_name(code) for code in {v.division_code for v in rows}}
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{month:%Y年%m月}未探访名单")
    sheet.append(["姓名", "年龄", "村（社区）", "社区代码", "探访等级", "探访人员", "应探访日期", "状态", "原因"])
    for v in rows:
        sheet_row(sheet, [v.person.name, v.person.age_on(today), names.get(v.division_code, ""), v.division_code,
                      v.tier_name, v.visitor.name if v.visitor else "未分配", f"{v.due_date:%Y-%m-%d}",
                      str(v.get_status_display()), missed_reason_text(v, today)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), len(rows)


def missed_reason_counts(user: Any, month: dt.date, within: str) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    today = timezone.localdate()
    for v in missed_people(user, month, within).select_related(None).only("status", "missed_reason", "due_date", "missed_note"):
        key = (str(MissedReason(v.missed_reason).label) if v.status == VisitStatus.MISSED and v.missed_reason
               else missed_reason_text(v, today))
        counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def my_visitors(user: Any) -> QuerySet[Visitor]:
    return Visitor.objects.filter(user=user, active=True)


def worker_list(user: Any, *, month: dt.date | None = None) -> QuerySet[Visit]:
    """A worker's open visits of the month (and anything overdue from before), soonest first."""
    today = timezone.localdate()
    month = month or today.replace(day=1)
    return (restrict(Visit.objects.filter(visitor__user=user, status=VisitStatus.PLANNED), user)
            .filter(Q(month=month) | Q(due_date__lt=today))
            .select_related("person", "visitor").order_by("due_date", "id"))


def overdue(qs: QuerySet[Visit]) -> QuerySet[Visit]:
    now = timezone.now()
    today = timezone.localdate()
    return qs.filter(status=VisitStatus.PLANNED).filter(Q(due_by__lt=now) | Q(due_by__isnull=True, due_date__lt=today))


def overdue_for_worker(user: Any) -> QuerySet[Visit]:
    return overdue(restrict(Visit.objects.filter(visitor__user=user), user))


def overdue_for_supervisor(user: Any) -> QuerySet[Visit]:
    return overdue(restrict(Visit.objects.filter(visitor__supervisor=user), user))


def unassigned(user: Any, month: dt.date) -> QuerySet[Visit]:
    return visits_for(user).filter(month=month, visitor__isnull=True, status=VisitStatus.PLANNED)


def referrals_for(user: Any) -> QuerySet[Referral]:
    return restrict(Referral.objects.select_related("person", "record", "opened_by", "linked_assessment",
                                                    "linked_order__item", "linked_enrolment__programme"), user)


def open_referrals(user: Any) -> QuerySet[Referral]:
    return referrals_for(user).filter(status__in=REFERRAL_OPEN_STATES)


def last_month() -> dt.date:
    return plans.add_months(timezone.localdate().replace(day=1), -1)
