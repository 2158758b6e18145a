"""Proof of life (生存认证).

A programme may require each recipient to be certified alive: every N months since the last
certificate (`life_cert_every_months`), or by a fixed day each year (`life_cert_fixed_month/day`:
the deadline is the first such day after the last certificate). Before the first certificate the
clock starts at `life_cert_since`. Recipients are the people the programme paid last month.

- Reminders: the to-do "生存认证即将到期" counts recipients whose deadline falls within the
  programme's `life_cert_remind_days` (community workers see their community's).
- Suspension: a run suspends (reason 未按期生存认证, with the deadline in the note) every recipient
  whose deadline passed before the month it pays — one INSERT … SELECT, before the regular lines.
- Resumption: recording a certificate lifts the person's open proof-of-life suspensions; a lifted
  suspension stops no month, so the next run pays the withheld months as back pay (engine).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from yanglao.core.audit import audit_bulk, audit_context
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.models import User
from yanglao.core.scope import division_in_scope

from .choices import LifeCertMethod, SuspensionReason
from .models import LifeCertificate, Programme, Suspension
from .months import add_months

LAST_CERT = "(SELECT MAX(c.certified_on) FROM benefits_lifecertificate c WHERE c.person_id = x.person_id)"


def requires(programme: Programme) -> bool:
    return bool(programme.life_cert_since) and bool(
        programme.life_cert_every_months or (programme.life_cert_fixed_month and programme.life_cert_fixed_day))


def deadline_sql(programme: Programme) -> tuple[str, list[Any]]:
    """SQL for the person's deadline (rows aliased `x` with `person_id`), on PostgreSQL and on the embedded
    SQLite default (dates there are ISO text, so comparisons and ordering stay right)."""
    since = programme.life_cert_since
    m, d = programme.life_cert_fixed_month, programme.life_cert_fixed_day
    if connection.vendor != "postgresql":
        if programme.life_cert_every_months:
            return (f"date(COALESCE({LAST_CERT}, %s), '+' || %s || ' months')", [since, programme.life_cert_every_months])
        base = f"COALESCE({LAST_CERT}, date(%s, '-1 day'))"
        this_year = f"printf('%%04d-%%02d-%%02d', CAST(strftime('%%Y', {base}) AS INTEGER), %s, %s)"
        next_year = f"printf('%%04d-%%02d-%%02d', CAST(strftime('%%Y', {base}) AS INTEGER) + 1, %s, %s)"
        return (f"(CASE WHEN {this_year} > {base} THEN {this_year} ELSE {next_year} END)",
                [since, m, d, since, since, m, d, since, m, d])
    if programme.life_cert_every_months:
        return (f"(COALESCE({LAST_CERT}, %s::date) + make_interval(months => %s))::date",
                [since, programme.life_cert_every_months])
    base = f"COALESCE({LAST_CERT}, %s::date - 1)"
    this_year = f"make_date(extract(year FROM {base})::int, %s, %s)"
    next_year = f"make_date(extract(year FROM {base})::int + 1, %s, %s)"
    return (f"(CASE WHEN {this_year} > {base} THEN {this_year} ELSE {next_year} END)",
            [since, m, d, since, since, m, d, since, m, d])


def _as_date(value: Any) -> Any:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def recipients_sql(programme: Programme, month: dt.date) -> tuple[str, list[Any]]:
    """The people paid for `month` by an approved run of the programme."""
    return ("SELECT DISTINCT e.person_id, e.division_code FROM benefits_entitlement e "
            "JOIN benefits_paymentrun r ON r.id = e.run_id AND r.status IN ('approved', 'paid', 'reconciled') "
            "WHERE e.programme_id = %s AND e.month = %s AND e.kind IN ('regular', 'back_pay')",
            [programme.pk, month])


def suspend_overdue(programme: Programme, month: dt.date) -> int:
    """Suspend from `month` every recipient of last month whose deadline passed before `month`."""
    if not requires(programme):
        return 0
    rec_sql, rec_params = recipients_sql(programme, add_months(month, -1))
    dl_sql, dl_params = deadline_sql(programme)
    now = timezone.now()
    day = "to_char(y.deadline, 'YYYY-MM-DD')" if connection.vendor == "postgresql" else "y.deadline"
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO benefits_suspension (person_id, programme_id, reason, note, from_month, to_month, "
            "created_by_id, resumed_by_id, resume_note, lifted_at, document, division_code, created_at, updated_at, "
            f"version) SELECT y.person_id, %s, 'proof_of_life', '认证期限 ' || {day} || "
            "' 前未完成生存认证', %s, NULL, NULL, NULL, '', NULL, '', p.division_code, %s, %s, 1 FROM ("
            f"SELECT x.person_id, {dl_sql} AS deadline FROM ({rec_sql}) x) y "
            "JOIN people_person p ON p.id = y.person_id AND p.status = 'active' "
            "WHERE y.deadline < %s AND NOT EXISTS (SELECT 1 FROM benefits_suspension s WHERE s.person_id = y.person_id "
            "AND s.programme_id = %s AND s.lifted_at IS NULL AND (s.to_month IS NULL OR s.to_month >= %s))",
            [programme.pk, month, now, now, *dl_params, *rec_params, month, programme.pk, month])
        n = max(cur.rowcount, 0)
    if n:
        audit_bulk(Suspension, operation="proof_of_life_suspend", count=n, division_code=programme.division_code,
                   params={"programme": programme.code, "month": month})
    return n


def due_rows(programme: Programme, *, scope_prefix: str, until: dt.date, limit: int = 200) -> list[dict[str, Any]]:
    """Recipients of the latest approved run whose deadline is on or before `until` (overdue first)."""
    from .models import PaymentRun

    latest = (PaymentRun.objects.filter(programme=programme, status__in=["approved", "paid", "reconciled"])
              .order_by("-month").values_list("month", flat=True).first())
    if latest is None or not requires(programme):
        return []
    rec_sql, rec_params = recipients_sql(programme, latest)
    dl_sql, dl_params = deadline_sql(programme)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT y.person_id, y.deadline, y.last FROM (SELECT x.person_id, x.division_code, {dl_sql} AS deadline, "
            f"{LAST_CERT} AS last FROM ({rec_sql}) x) y JOIN people_person p ON p.id = y.person_id "
            "WHERE p.status = 'active' AND p.division_code LIKE %s AND y.deadline <= %s "
            "ORDER BY y.deadline, y.person_id LIMIT %s",
            [*dl_params, *rec_params, scope_prefix + "%", until, limit])
        return [{"person_id": pid, "deadline": _as_date(d), "last": _as_date(last)} for pid, d, last in cur.fetchall()]


def certify(*, by: User, person: Any, certified_on: dt.date, method: str, reference: str = "", note: str = "") -> LifeCertificate:
    """Record a certificate and lift the person's proof-of-life suspensions (withheld months are paid
    as back pay by the next run)."""
    if not by.can("benefits.certify"):
        raise Forbidden("您没有登记生存认证的权限")
    if not division_in_scope(by, person.division_code):
        raise Forbidden("该老年人不在您的管辖范围内")
    errors: dict[str, str] = {}
    if method not in LifeCertMethod.values:
        errors["method"] = "请选择认证方式"
    if method in (LifeCertMethod.BANK_FACE, LifeCertMethod.APP_FACE) and not reference.strip():
        errors["reference"] = "人脸识别认证须填写银行或APP的认证参考号"
    if certified_on > timezone.localdate():
        errors["certified_on"] = "认证日期不能晚于今天"
    if person.status != "active":
        errors["person"] = "该老年人档案状态不是在册（死亡或迁出），不能认证"
    if errors:
        raise ValidationFailed("生存认证信息有误：" + next(iter(errors.values())), details=errors)
    with audit_context(by), transaction.atomic():
        cert = LifeCertificate.objects.create(person=person, certified_on=certified_on, method=method,
                                              reference=reference.strip()[:64], note=note.strip()[:200],
                                              recorded_by=by, division_code=person.division_code)
        for s in Suspension.objects.select_for_update().filter(person=person, reason=SuspensionReason.PROOF_OF_LIFE,
                                                               lifted_at__isnull=True, to_month__isnull=True):
            s.lifted_at = timezone.now()
            s.to_month = s.from_month
            s.resumed_by = by
            s.resume_note = f"{certified_on:%Y-%m-%d} {cert.get_method_display()}认证，恢复发放并补发停发期间待遇"[:200]
            s.save(update_fields=["lifted_at", "to_month", "resumed_by", "resume_note"])
        return cert


def programme_requirement_set(*, by: User, programme: Programme, every_months: int | None, fixed_month: int | None,
                              fixed_day: int | None, since: dt.date | None, remind_days: int = 30) -> Programme:
    if not by.can("benefits.configure"):
        raise Forbidden()
    errors: dict[str, str] = {}
    if every_months and (fixed_month or fixed_day):
        errors["every_months"] = "按周期或按每年固定日期，二者选一"
    if (fixed_month or fixed_day) and not (fixed_month and fixed_day):
        errors["fixed_day"] = "请同时填写每年截止的月和日"
    if fixed_month and fixed_day:
        try:
            dt.date(2001, fixed_month, fixed_day)
        except ValueError:
            errors["fixed_day"] = "不存在的日期（2月请不超过28日）"
    if (every_months or fixed_month) and not since:
        errors["since"] = "请填写生存认证的起始日期"
    if errors:
        raise ValidationFailed("生存认证要求有误：" + next(iter(errors.values())), details=errors)
    with audit_context(by), transaction.atomic():
        programme.life_cert_every_months = every_months or None
        programme.life_cert_fixed_month = fixed_month or None
        programme.life_cert_fixed_day = fixed_day or None
        programme.life_cert_since = since if (every_months or fixed_month) else None
        programme.life_cert_remind_days = remind_days or 30
        programme.save()
    return programme
