"""Reads, always scoped to the user. Programmes and runs are city-wide configuration and batches
(visible to anyone with benefits.view); every figure and every line about people is cut to the
user's jurisdiction (division-code prefix)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from yanglao.core.models import Division
from yanglao.core.scope import restrict

from .models import (
    BankAccount,
    Enrolment,
    Entitlement,
    PaymentRun,
    Programme,
    RunChange,
    RunSummary,
    Suspension,
)

LOCKED = ("approved", "paid", "reconciled")


def programmes_for(user: Any) -> QuerySet[Programme]:
    if not user.can("benefits.view"):
        return Programme.objects.none()
    return Programme.objects.all()


def runs_for(user: Any, programme: Programme | None = None) -> QuerySet[PaymentRun]:
    if not user.can("benefits.view"):
        return PaymentRun.objects.none()
    qs = PaymentRun.objects.select_related("programme", "prepared_by", "approved_by")
    return qs.filter(programme=programme) if programme else qs


def lines_for(user: Any) -> QuerySet[Entitlement]:
    if not user.can("benefits.view"):
        return Entitlement.objects.none()
    return restrict(Entitlement.objects.select_related("person", "programme", "run"), user)


def stopped_for(user: Any, run: PaymentRun) -> QuerySet[RunChange]:
    return restrict(RunChange.objects.filter(run=run).select_related("person"), user)


def enrolments_for(user: Any) -> QuerySet[Enrolment]:
    if not user.can("benefits.view"):
        return Enrolment.objects.none()
    return restrict(Enrolment.objects.select_related("person", "programme", "applied_by", "approved_by"), user)


def suspensions_for(user: Any) -> QuerySet[Suspension]:
    if not user.can("benefits.view"):
        return Suspension.objects.none()
    return restrict(Suspension.objects.select_related("person", "programme"), user)


def bank_accounts_for(user: Any) -> QuerySet[BankAccount]:
    if not user.can("benefits.view"):
        return BankAccount.objects.none()
    return restrict(BankAccount.objects.select_related("person"), user)


@dataclass
class Row:
    code: str
    name: str
    people: int = 0
    lines: int = 0
    amount: Decimal = Decimal("0")
    new: int = 0
    changed: int = 0
    stopped: int = 0
    back_pay: int = 0
    carried: int = 0
    townships: list[Row] = field(default_factory=list)

    def add(self, other: Any) -> None:
        for f in ("people", "lines", "new", "changed", "stopped", "back_pay", "carried"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        self.amount += Decimal(str(other.amount))


def _names(codes: set[str]) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name"))


def run_breakdown(user: Any, run: PaymentRun) -> tuple[Row, list[Row]]:
    """The run's figures in the user's jurisdiction: a total row and counties with their townships."""
    rows = list(restrict(RunSummary.objects.filter(run=run), user).order_by("division_code"))
    names = _names({r.division_code for r in rows} | {r.division_code[:6] for r in rows})
    total = Row(code=user.scope_prefix or "", name="合计")
    counties: dict[str, Row] = {}
    for r in rows:
        county = counties.setdefault(r.division_code[:6], Row(code=r.division_code[:6],
                                                              name=names.get(r.division_code[:6], r.division_code[:6])))
        township = Row(code=r.division_code, name=names.get(r.division_code, r.division_code))
        township.add(r)
        county.townships.append(township)
        county.add(r)
        total.add(r)
    return total, list(counties.values())


def month_over_month(user: Any, programme: Programme, *, months: int = 12, by: str = "county") -> dict[str, Any]:
    """People and amounts per month (approved runs and the latest preview) per county or township."""
    runs = list(PaymentRun.objects.filter(programme=programme).exclude(status__in=["cancelled", "failed", "queued",
                                                                                   "computing"])
                .order_by("-month")[:months])
    runs.reverse()
    width = 6 if by == "county" else 9
    data = (restrict(RunSummary.objects.filter(run__in=runs), user)
            .values("run_id", "division_code").annotate(people=Sum("people"), amount=Sum("amount")))
    cells: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for d in data:
        code = d["division_code"][:width]
        cell = cells[code].setdefault(d["run_id"], {"people": 0, "amount": Decimal("0")})
        cell["people"] += d["people"]
        cell["amount"] += Decimal(str(d["amount"]))
    names = _names(set(cells))
    table = []
    for code in sorted(cells):
        table.append({"code": code, "name": names.get(code, code),
                      "cells": [cells[code].get(r.pk, {"people": 0, "amount": Decimal("0")}) for r in runs]})
    totals = [{"people": sum(row["cells"][i]["people"] for row in table),
               "amount": sum((row["cells"][i]["amount"] for row in table), Decimal("0"))} for i in range(len(runs))]
    return {"runs": runs, "rows": table, "totals": totals, "by": by}


def person_payments(user: Any, person_id: int) -> list[Entitlement]:
    """Every line paid (or to be paid) to a person, newest first, with the bank's result."""
    return list(lines_for(user).filter(person_id=person_id).select_related("run", "programme", "result")
                .order_by("-month", "-id")[:200])


def reference_month(today: dt.date) -> dt.date:
    return today.replace(day=1)


def public_enrolment_lookup(*, reference: str, factor: str) -> dict[str, object] | None:
    """The status of one's own subsidy application, for the public lookup: the public reference printed on
    the acceptance receipt and a second factor (date of birth or the ID number's last four). Shows the
    programme, the status and the months, the name masked; None whenever anything does not match, whether
    the reference exists or not (core.publicref)."""
    from yanglao.core.publicref import factor_matches, mask_name, normalise

    from .models import Enrolment

    ref = normalise(reference)
    enrolment = (Enrolment.objects.select_related("person", "programme").filter(public_ref=ref).first()
                 if ref else None)
    person = enrolment.person if enrolment is not None else None
    if not factor_matches(factor=factor, birth_date=person.birth_date if person else None,
                          id_last4=person.id_last4 if person else ""):
        return None
    assert enrolment is not None and person is not None
    return {
        "name": mask_name(person.name),
        "programme": enrolment.programme.name,
        "status": enrolment.get_status_display(),
        "status_code": enrolment.status,
        "applied_on": enrolment.created_at.date(),
        "from_month": enrolment.from_month,
        "to_month": enrolment.to_month,
    }
