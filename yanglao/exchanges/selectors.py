"""Reads of the exchanges module, scoped to the user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Max, Q, QuerySet

from yanglao.core.scope import restrict

from .models import Exchange, ExchangeRun, LtcOffset
from .services import LTC_HOME_SQL


def runs_for(user: Any, exchange: Exchange | None = None) -> QuerySet[ExchangeRun]:
    qs = restrict(ExchangeRun.objects.select_related("exchange", "by"), user)
    return qs.filter(exchange=exchange) if exchange is not None else qs


def exchanges_with_last_run(user: Any) -> list[tuple[Exchange, ExchangeRun | None]]:
    """Every configured exchange with its latest run the user may see (one query for the runs)."""
    exchanges = list(Exchange.objects.all())
    latest: dict[int, ExchangeRun] = {}
    ids = (restrict(ExchangeRun.objects.all(), user).order_by().values("exchange_id").annotate(last=Max("pk"))
           .values_list("last", flat=True))
    for run in ExchangeRun.objects.filter(pk__in=list(ids)).select_related("by"):
        latest[run.exchange_id] = run
    return [(ex, latest.get(ex.pk)) for ex in exchanges]


@dataclass(frozen=True)
class Offset:
    person_id: int
    name: str
    id_masked: str
    division_code: str
    amount: Decimal


def ltc_offsets(user: Any, month: dt.date) -> list[tuple[Any, list[Offset]]]:
    """For each programme an LTC offset rule names: the people its rule would pay for `month` whom
    long-term care insurance pays for home care that month (so the run leaves them out), in scope."""
    from yanglao.benefits.engine import compile_rule

    out = []
    prefix = user.scope_prefix or ""
    rules = LtcOffset.objects.filter(valid_from__lte=month).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month)) \
        .select_related("programme")
    seen = set()
    for rule in rules:
        if rule.programme_id in seen:
            continue
        seen.add(rule.programme_id)
        compiled = compile_rule(rule.programme, month, only_people_sql=LTC_HOME_SQL,
                                only_people_params=[month, month, month], apply_exclusions=False)
        if compiled is None:
            out.append((rule.programme, []))
            continue
        sql = (f"SELECT el.person_id, p.name, p.id_number_masked, p.division_code, el.amount FROM ({compiled.sql}) el "
               "JOIN people_person p ON p.id = el.person_id WHERE p.division_code LIKE %s ORDER BY p.division_code, p.id")
        with connection.cursor() as cur:
            cur.execute(sql, [*compiled.params, prefix + "%"])
            rows = [Offset(r[0], r[1], r[2], r[3], Decimal(str(r[4])).quantize(Decimal("0.01"))) for r in cur.fetchall()]
        out.append((rule.programme, rows))
    return out
