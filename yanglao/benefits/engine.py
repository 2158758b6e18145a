"""The monthly run, set-based: a handful of SQL statements per run, never a loop over people.

1. delete this run's own unapproved lines (a re-run or a crashed run starts clean);
2. regular lines: one `INSERT … SELECT … ON CONFLICT DO NOTHING` over the registry, with the
   programme's rule for the month compiled to a WHERE clause, the amount band joined, and the
   previous month's line joined to mark each line new / continued / changed;
3. back pay: the same statement for each earlier month (within the programme's window) that has
   an approved run, limited to people whose eligibility was recorded after that run was approved;
4. failed payments of earlier runs carried as lines (unique `carried_from`: never twice);
5. pending adjustment lines attached to this run;
6. who stopped since last month, with the reason (one INSERT … SELECT);
7. counts and totals per township (one INSERT … SELECT … GROUP BY).

Each step commits and reports progress on the run row, so the console can show a progress bar;
the run stays "computing" (not approvable, no payment file) until the last step. The constraints
make every step safe to repeat.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from yanglao.core.audit import audit_bulk

from . import notices
from .choices import BandBasis, EnrolmentMode, ReferenceDay, RunStatus
from .models import AmountBand, EligibilityRule, Entitlement, PaymentRun, Programme
from .months import add_months, month_end, month_label, years_before

LOCKED = ("approved", "paid", "reconciled")
LINE_COLUMNS = (
    "run_id, person_id, programme_id, month, kind, reason, amount, previous_amount, band_id, band_label, "
    "carried_from_id, corrects_id, note, division_code, created_at, updated_at, version"
)


class RunSuperseded(Exception):
    """The run was re-queued while this job was computing it: this job stops, the newer one finishes."""


@dataclass(frozen=True)
class Compiled:
    sql: str  # SELECT person_id, division_code, band_id, amount, band_label FROM … WHERE …
    params: list[Any]


@dataclass(frozen=True)
class Exclusion:
    """People another module says a programme must not pay for a month (e.g. long-term care insurance
    already pays their home care: exchanges.ltc), with the reason the run records for them."""

    code: str  # the stop reason of a person paid last month (RunChange.reason, at most 24 characters)
    sql: str  # SELECT person_id … : the people excluded
    params: list[Any]


# Functions (programme, month) -> Exclusion | None that other modules register from AppConfig.ready().
RUN_EXCLUSIONS: list[Callable[[Programme, dt.date], Exclusion | None]] = []


def register_run_exclusion(fn: Callable[[Programme, dt.date], Exclusion | None]) -> None:
    if fn not in RUN_EXCLUSIONS:
        RUN_EXCLUSIONS.append(fn)


def exclusions_for(programme: Programme, month: dt.date) -> list[Exclusion]:
    return [e for e in (fn(programme, month) for fn in RUN_EXCLUSIONS) if e is not None]


def reference_date(programme: Programme, month: dt.date) -> dt.date:
    return month_end(month) if programme.reference_day == ReferenceDay.LAST else month


def rule_for(programme: Programme, on: dt.date) -> EligibilityRule | None:
    return (
        EligibilityRule.objects.filter(programme=programme, valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("-valid_from")
        .first()
    )


def bands_for(programme: Programme, on: dt.date) -> list[AmountBand]:
    return list(
        AmountBand.objects.filter(programme=programme, valid_from__lte=on).exclude(valid_to__lt=on).order_by("key_min")
    )


def care_level_sql(on: dt.date) -> tuple[str, list[Any]]:
    """SELECT person_id, level … : the current approved GB/T 42195 level per person on `on`.

    From the assessment module's `current_levels(on)` (imported lazily); isolated here so the run
    depends on one function of that module only."""
    from yanglao.assessments.selectors import current_levels

    sql, params = current_levels(on).query.sql_with_params()
    return sql, list(params)


def compile_rule(programme: Programme, month: dt.date, *, only_people_sql: str = "",
                 only_people_params: list[Any] | None = None, apply_exclusions: bool = True) -> Compiled | None:
    """The eligible people of `programme` for `month` with their band, as one SELECT; None when the
    programme has no rule or no amount for that month."""
    ref = reference_date(programme, month)
    rule = rule_for(programme, ref)
    bands = bands_for(programme, ref)
    if rule is None or not bands:
        return None
    last = month_end(month)
    params: list[Any] = []
    joins: list[str] = []
    where: list[str] = []

    needs_level = programme.band_basis == BandBasis.CARE_LEVEL or rule.min_care_level is not None \
        or rule.max_care_level is not None
    if needs_level:
        level_sql, level_params = care_level_sql(ref)
        joins.append(f"JOIN ({level_sql}) cl ON cl.person_id = p.id")
        params += level_params

    # The band: one of the bands valid on the reference date, matched by age or care level.
    band_terms: list[str] = []
    for band in bands:
        if programme.band_basis == BandBasis.AGE:
            term = "(b.id = %s AND p.birth_date <= %s"
            band_params: list[Any] = [band.pk, years_before(ref, band.key_min)]
            if band.key_max is not None:
                term += " AND p.birth_date > %s"
                band_params.append(years_before(ref, band.key_max + 1))
            band_terms.append(term + ")")
            params_band = band_params
        elif programme.band_basis == BandBasis.CARE_LEVEL:
            term = "(b.id = %s AND cl.level >= %s"
            params_band = [band.pk, band.key_min]
            if band.key_max is not None:
                term += " AND cl.level <= %s"
                params_band.append(band.key_max)
            band_terms.append(term + ")")
        else:
            band_terms.append("(b.id = %s)")
            params_band = [band.pk]
        params += params_band
    joins.append(f"JOIN benefits_amountband b ON ({' OR '.join(band_terms)})")

    # Residence, alive and active: paid for the month of death or moving away, not after it.
    where.append("p.division_code LIKE %s")
    params.append((rule.residence_prefix or programme.division_code or "") + "%")
    where.append("(p.status = 'active' OR (p.status IN ('deceased', 'moved_away') AND p.status_date >= %s))")
    params.append(month)
    if rule.min_age is not None:
        where.append("p.birth_date <= %s")
        params.append(years_before(ref, rule.min_age))
    if rule.max_age is not None:
        where.append("p.birth_date > %s")
        params.append(years_before(ref, rule.max_age + 1))
    if rule.min_care_level is not None:
        where.append("cl.level >= %s")
        params.append(rule.min_care_level)
    if rule.max_care_level is not None:
        where.append("cl.level <= %s")
        params.append(rule.max_care_level)

    def category_exists(codes: list[str]) -> str:
        params.extend(codes)
        params.extend([last, month])
        marks = ", ".join(["%s"] * len(codes))
        return (
            "EXISTS (SELECT 1 FROM people_personcategory c WHERE c.person_id = p.id "
            f"AND c.category IN ({marks}) AND c.valid_from <= %s AND (c.valid_to IS NULL OR c.valid_to >= %s))"
        )

    if rule.required_categories:
        where.append(category_exists(list(rule.required_categories)))
    if rule.excluded_categories:
        where.append("NOT " + category_exists(list(rule.excluded_categories)))
    if rule.excluded_living_situations:
        codes = list(rule.excluded_living_situations)
        where.append(f"p.living_situation NOT IN ({', '.join(['%s'] * len(codes))})")
        params.extend(codes)
    if rule.excluded_categories_in_institution:
        where.append("NOT (p.living_situation = 'institution' AND "
                     + category_exists(list(rule.excluded_categories_in_institution)) + ")")
    # Suspended for this month: not paid (the suspension survives every later run).
    where.append(
        "NOT EXISTS (SELECT 1 FROM benefits_suspension s WHERE s.person_id = p.id AND s.programme_id = %s "
        "AND s.from_month <= %s AND (s.to_month IS NULL OR s.to_month >= %s) AND s.lifted_at IS NULL)"
    )
    params += [programme.pk, month, month]
    if programme.enrolment_mode == EnrolmentMode.APPLICATION:
        where.append(
            "EXISTS (SELECT 1 FROM benefits_enrolment en WHERE en.person_id = p.id AND en.programme_id = %s "
            "AND en.status = 'approved' AND en.from_month <= %s AND (en.to_month IS NULL OR en.to_month >= %s))"
        )
        params += [programme.pk, month, month]
    # Excluded by another module for this month (registered exclusions: RUN_EXCLUSIONS).
    for exclusion in exclusions_for(programme, month) if apply_exclusions else []:
        where.append(f"NOT EXISTS (SELECT 1 FROM ({exclusion.sql}) x WHERE x.person_id = p.id)")
        params += exclusion.params
    if only_people_sql:
        where.append(f"p.id IN ({only_people_sql})")
        params += only_people_params or []
    sql = (
        "SELECT p.id AS person_id, p.division_code AS division_code, b.id AS band_id, b.amount AS amount, "
        f"b.label AS band_label FROM people_person p {' '.join(joins)} WHERE {' AND '.join(where)}"
    )
    return Compiled(sql, params)


def _previous_lines_sql(programme_id: int, month: dt.date) -> tuple[str, list[Any]]:
    """The lines paying `month` in approved runs (what the person got for that month)."""
    return (
        "SELECT e.person_id, e.amount, e.band_label FROM benefits_entitlement e "
        "JOIN benefits_paymentrun r ON r.id = e.run_id "
        "WHERE e.programme_id = %s AND e.month = %s AND e.kind IN ('regular', 'back_pay') "
        "AND r.status IN ('approved', 'paid', 'reconciled')",
        [programme_id, month],
    )


def _execute(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return max(cur.rowcount, 0)


def insert_regular(run: PaymentRun, compiled: Compiled, now: dt.datetime) -> int:
    prev_sql, prev_params = _previous_lines_sql(run.programme_id, add_months(run.month, -1))
    sql = (
        f"INSERT INTO benefits_entitlement ({LINE_COLUMNS}) "
        "SELECT %s, el.person_id, %s, %s, 'regular', "
        "CASE WHEN prev.person_id IS NULL THEN 'new' WHEN prev.amount <> el.amount THEN 'changed' ELSE 'continued' END, "
        "el.amount, prev.amount, el.band_id, el.band_label, NULL, NULL, "
        "CASE WHEN prev.person_id IS NOT NULL AND prev.amount <> el.amount THEN prev.band_label ELSE '' END, "
        "el.division_code, %s, %s, 1 "
        f"FROM ({compiled.sql}) el LEFT JOIN ({prev_sql}) prev ON prev.person_id = el.person_id "
        "WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    return _execute(sql, [run.pk, run.programme_id, run.month, now, now, *compiled.params, *prev_params])


def insert_back_pay(run: PaymentRun, now: dt.datetime) -> int:
    """Months before this run that were paid by an approved run but missed people whose eligibility
    (enrolment approval, registration or category) was recorded after that run was approved."""
    programme = run.programme
    earliest = add_months(run.month, -programme.back_pay_months)
    earlier = list(
        PaymentRun.objects.filter(programme=programme, month__gte=earliest, month__lt=run.month, status__in=LOCKED)
        .values_list("month", "approved_at")
    )
    added = 0
    for month, approved_at in earlier:
        late = (
            "SELECT en.person_id FROM benefits_enrolment en WHERE en.programme_id = %s AND en.status = 'approved' "
            "AND en.approved_at > %s "
            "UNION SELECT c.person_id FROM people_personcategory c WHERE c.created_at > %s "
            "UNION SELECT pp.id FROM people_person pp WHERE pp.created_at > %s "
            # withheld months released (proof of life certified after the run)
            "UNION SELECT s.person_id FROM benefits_suspension s WHERE s.programme_id = %s AND s.lifted_at > %s"
        )
        compiled = compile_rule(programme, month, only_people_sql=late,
                                only_people_params=[programme.pk, approved_at, approved_at, approved_at,
                                                    programme.pk, approved_at])
        if compiled is None:
            continue
        sql = (
            f"INSERT INTO benefits_entitlement ({LINE_COLUMNS}) "
            "SELECT %s, el.person_id, %s, %s, 'back_pay', 'back_pay', el.amount, NULL, el.band_id, el.band_label, "
            "NULL, NULL, %s, el.division_code, %s, %s, 1 "
            f"FROM ({compiled.sql}) el WHERE 1 = 1 ON CONFLICT DO NOTHING"
        )
        added += _execute(sql, [run.pk, run.programme_id, month, f"补发{month_label(month)}", now, now,
                                *compiled.params])
    return added


def insert_carried(run: PaymentRun, now: dt.datetime) -> int:
    sql = (
        f"INSERT INTO benefits_entitlement ({LINE_COLUMNS}) "
        "SELECT %s, e.person_id, e.programme_id, e.month, 'carried', 'carried_failed', e.amount, NULL, e.band_id, "
        "e.band_label, e.id, NULL, res.reason, p.division_code, %s, %s, 1 "
        "FROM benefits_paymentresult res JOIN benefits_entitlement e ON e.id = res.line_id "
        "JOIN benefits_paymentrun r ON r.id = res.run_id JOIN people_person p ON p.id = e.person_id "
        "WHERE res.outcome = 'failed' AND e.programme_id = %s AND r.month < %s "
        "AND r.status IN ('approved', 'paid', 'reconciled') "
        # never for a month after a death or a move, nor a month the person is suspended for
        "AND NOT (p.status IN ('deceased', 'moved_away') AND p.status_date < e.month) "
        "AND NOT EXISTS (SELECT 1 FROM benefits_suspension s WHERE s.person_id = e.person_id "
        "AND s.programme_id = e.programme_id AND s.from_month <= e.month AND (s.to_month IS NULL OR s.to_month >= e.month) "
        "AND s.lifted_at IS NULL) ON CONFLICT DO NOTHING"
    )
    return _execute(sql, [run.pk, now, now, run.programme_id, run.month])


def attach_adjustments(run: PaymentRun) -> int:
    """Pending corrections join the run; a negative one (a deduction) only once it is signed by a
    second person, and only for a person the run pays this month (never a line on its own)."""
    from django.db.models import Q

    return Entitlement.objects.filter(programme_id=run.programme_id, kind="adjustment", run__isnull=True).filter(
        Q(amount__gt=0) | Q(signed_by__isnull=False, person__benefit_lines__run=run,
                            person__benefit_lines__kind="regular")
    ).update(run=run)


def insert_stopped(run: PaymentRun) -> int:
    prev_sql, prev_params = _previous_lines_sql(run.programme_id, add_months(run.month, -1))
    excluded, excluded_params = "", []
    for exclusion in exclusions_for(run.programme, run.month):
        excluded += (" (SELECT %s WHERE EXISTS (SELECT 1 FROM (" + exclusion.sql + ") x "
                     "WHERE x.person_id = p.id)),")
        excluded_params += [exclusion.code, *exclusion.params]
    sql = (
        "INSERT INTO benefits_runchange (run_id, person_id, previous_amount, reason, division_code) "
        "SELECT %s, prev.person_id, prev.amount, "
        "CASE WHEN p.status = 'deceased' THEN 'death' WHEN p.status = 'moved_away' THEN 'moved_away' "
        "WHEN p.status = 'merged' THEN 'merged' "
        "ELSE COALESCE((SELECT CASE s.reason WHEN 'other' THEN 'suspended' ELSE s.reason END "
        "  FROM benefits_suspension s WHERE s.person_id = p.id AND s.programme_id = %s AND s.from_month <= %s "
        "  AND (s.to_month IS NULL OR s.to_month >= %s) AND s.lifted_at IS NULL ORDER BY s.from_month DESC LIMIT 1), "
        + excluded +
        " (SELECT 'enrolment_ended' FROM benefits_enrolment en WHERE en.person_id = p.id AND en.programme_id = %s "
        "  AND en.status IN ('ended', 'approved') AND en.to_month IS NOT NULL AND en.to_month < %s LIMIT 1), "
        " 'ineligible') END, p.division_code "
        f"FROM ({prev_sql}) prev JOIN people_person p ON p.id = prev.person_id "
        "WHERE NOT EXISTS (SELECT 1 FROM benefits_entitlement cur WHERE cur.person_id = prev.person_id "
        "AND cur.programme_id = %s AND cur.month = %s AND cur.kind = 'regular') ON CONFLICT DO NOTHING"
    )
    return _execute(sql, [run.pk, run.programme_id, run.month, run.month, *excluded_params, run.programme_id,
                          run.month, *prev_params, run.programme_id, run.month])


def insert_summaries(run: PaymentRun) -> None:
    sql = (
        "INSERT INTO benefits_runsummary (run_id, division_code, people, lines, amount, new, changed, stopped, "
        "back_pay, carried) "
        "SELECT %s, d, COUNT(DISTINCT person_id), SUM(line), COALESCE(SUM(amount), 0), "
        "SUM(CASE WHEN reason = 'new' THEN 1 ELSE 0 END), SUM(CASE WHEN reason = 'changed' THEN 1 ELSE 0 END), "
        "SUM(stopped), SUM(CASE WHEN kind = 'back_pay' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN kind = 'carried' THEN 1 ELSE 0 END) FROM ("
        " SELECT substr(division_code, 1, 9) AS d, person_id, amount, reason, kind, 1 AS line, 0 AS stopped "
        " FROM benefits_entitlement WHERE run_id = %s "
        " UNION ALL SELECT substr(division_code, 1, 9), NULL, NULL, NULL, NULL, 0, 1 "
        " FROM benefits_runchange WHERE run_id = %s) x GROUP BY d"
    )
    _execute(sql, [run.pk, run.pk, run.pk])


def _progress(run: PaymentRun, attempt: int, progress: int, step: str, **fields: Any) -> None:
    updated = PaymentRun.objects.filter(pk=run.pk, attempt=attempt).update(progress=progress, step=step, **fields)
    if not updated:
        raise RunSuperseded


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def compute(run_id: int, attempt: int) -> PaymentRun:
    """Compute a run (the background job). Safe to repeat: it replaces the run's own lines."""
    run = PaymentRun.objects.select_related("programme", "prepared_by").get(pk=run_id)
    if run.attempt != attempt or run.is_locked or run.status == RunStatus.CANCELLED:
        return run
    started = time.monotonic()
    now = timezone.now()
    try:
        _progress(run, attempt, 2, "准备", status=RunStatus.COMPUTING, message="")
        with transaction.atomic():
            Entitlement.objects.filter(run=run, kind="adjustment").update(run=None)
            Entitlement.objects.filter(run=run).delete()
            run.stopped.all().delete()
            run.summaries.all().delete()
        compiled = compile_rule(run.programme, run.month)
        if compiled is None:
            raise ValueError(f"{month_label(run.month)}没有有效的享受条件或补贴标准，请先设置")
        _progress(run, attempt, 5, "生存认证：逾期未认证的暂停发放")
        from .lifecert import suspend_overdue

        suspend_overdue(run.programme, run.month)
        _progress(run, attempt, 10, "计算当月享受名单")
        regular = insert_regular(run, compiled, now)
        _progress(run, attempt, 60, "计算补发")
        back_pay = insert_back_pay(run, now)
        _progress(run, attempt, 70, "结转上期发放失败")
        carried = insert_carried(run, now)
        attach_adjustments(run)
        _progress(run, attempt, 80, "比对上月：停发名单")
        insert_stopped(run)
        _progress(run, attempt, 90, "按乡镇汇总")
        insert_summaries(run)
        totals = _totals(run)
        _progress(run, attempt, 100, "完成", status=RunStatus.PREVIEW, prepared_at=timezone.now(),
                  seconds=round(time.monotonic() - started, 3), **totals)
        audit_bulk(Entitlement, operation="run_preview", count=totals["line_count"], division_code=run.division_code,
                   params={"run": run.pk, "programme": run.programme.code, "month": run.month, "regular": regular,
                           "back_pay": back_pay, "carried": carried, "total": totals["total_amount"]})
        notices.run_ready(run)  # "待审核" to the approvers of the run's division (yanglao/notices)
    except RunSuperseded:
        pass
    except Exception as exc:  # the run shows why it failed; it can be re-run
        PaymentRun.objects.filter(pk=run.pk, attempt=attempt).update(status=RunStatus.FAILED, message=str(exc)[:2000])
        if not isinstance(exc, ValueError):
            raise
    run.refresh_from_db()
    return run


def _totals(run: PaymentRun) -> dict[str, Any]:
    from django.db.models import Count, Q, Sum

    s = run.summaries.aggregate(people=Sum("people"), lines=Sum("lines"), amount=Sum("amount"), new=Sum("new"),
                                changed=Sum("changed"), stopped=Sum("stopped"), back_pay=Sum("back_pay"),
                                carried=Sum("carried"))
    extra = Entitlement.objects.filter(run=run).aggregate(
        adjustments=Count("id", filter=Q(kind="adjustment")),
    )
    no_account = (
        Entitlement.objects.filter(run=run, person__bank_account__isnull=True).values("person_id").distinct().count()
    )
    return {
        "line_count": s["lines"] or 0, "people_count": s["people"] or 0, "total_amount": _money(s["amount"]),
        "new_count": s["new"] or 0, "changed_count": s["changed"] or 0, "stopped_count": s["stopped"] or 0,
        "back_pay_count": s["back_pay"] or 0, "carried_count": s["carried"] or 0,
        "adjustment_count": extra["adjustments"] or 0, "no_account_count": no_account,
    }
