"""Reads of the time bank: balances derived from the movements, statements, the ledger check and
recognition (正向激励) by community. Lists are scoped by the caller with `restrict`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from yanglao.core.scope import restrict

from .models import Account, Member, MemberKind, ServiceRequest, ServiceStatus, Transfer, TransferKind


def derived_balances() -> dict[int, int]:
    """Every account's balance computed from the movements alone (credits − debits), one query."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT account_id, SUM(amount) FROM (
                   SELECT credit_id AS account_id, minutes AS amount FROM timebank_transfer
                   UNION ALL
                   SELECT debit_id, -minutes FROM timebank_transfer) AS entries
               GROUP BY account_id"""
        )
        return {int(a): int(s) for a, s in cur.fetchall()}


@dataclass
class LedgerCheck:
    accounts: int
    movements: int
    total: int  # the sum of every entry of every movement: always 0
    mismatches: list[tuple[int, str, int, int]]  # (account, name, cached, derived)

    @property
    def ok(self) -> bool:
        return self.total == 0 and not self.mismatches


def ledger_check() -> LedgerCheck:
    """Every movement's two entries sum to zero, so all balances together sum to zero; each cached
    balance equals the one derived from the movements."""
    derived = derived_balances()
    mismatches = []
    accounts = list(Account.objects.select_related("member"))
    for account in accounts:
        d = derived.get(account.pk, 0)
        if d != account.balance_minutes:
            mismatches.append((account.pk, str(account), account.balance_minutes, d))
    return LedgerCheck(accounts=len(accounts), movements=Transfer.objects.count(), total=sum(derived.values()),
                       mismatches=mismatches)


def statement(account: Account, *, limit: int | None = None) -> list[dict[str, Any]]:
    """The account's movements, newest first, each with its signed amount and the balance after it."""
    rows = list(Transfer.objects.filter(Q(debit=account) | Q(credit=account))
                .select_related("debit__member", "credit__member", "service").order_by("at", "id"))
    balance = 0
    out = []
    for t in rows:
        amount = t.minutes if t.credit_id == account.pk else -t.minutes
        balance += amount
        other = t.debit if amount > 0 else t.credit
        out.append({"t": t, "amount": amount, "balance": balance, "other": other})
    out.reverse()
    return out[:limit] if limit else out


def mask_name(name: str) -> str:
    """张*明 / 李* / 欧阳**: the first and last character of a name, the middle starred."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def earned_by_member(since: dt.datetime | None = None, *, members: Any = None) -> Any:
    """Members ranked by the minutes deposited for their services (teams: their team's deposits)."""
    deposits = Q(account__credits__kind=TransferKind.DEPOSIT)
    if since is not None:
        deposits &= Q(account__credits__at__gte=since)
    qs = (members if members is not None else Member.objects.all()).filter(kind__in=[MemberKind.VOLUNTEER, MemberKind.TEAM])
    return (qs.annotate(earned=Sum("account__credits__minutes", filter=deposits),
                        n_services=Count("account__credits", filter=deposits))
            .filter(earned__gt=0).order_by("-earned", "pk"))


def leaderboard(*, division_prefix: str = "", year: int | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """The public recognition list: masked names, community, hours — nothing else."""
    year = year or timezone.localdate().year
    since = timezone.make_aware(dt.datetime(year, 1, 1))
    qs = earned_by_member(since, members=Member.objects.filter(division_code__startswith=division_prefix))
    return [{"name": m.name if m.kind == MemberKind.TEAM else mask_name(m.name), "kind": m.get_kind_display(),
             "division_code": m.division_code, "minutes": m.earned, "services": m.n_services} for m in qs[:limit]]


def by_community(user: Any, *, year: int | None = None) -> list[dict[str, Any]]:
    """Per community: members, services verified and minutes deposited this year (scoped)."""
    year = year or timezone.localdate().year
    rows = (restrict(ServiceRequest.objects.filter(status=ServiceStatus.VERIFIED, verified_at__year=year), user)
            .values("division_code").annotate(n=Count("pk"), minutes=Sum("minutes_deposited")).order_by("-minutes"))
    return list(rows)


def public_lookup(*, reference: str, factor: str) -> Member | None:
    """A member's own account, found only when the public reference (on the member card) and the second
    factor (date of birth or the ID number's last four, compared in constant time) both match; None
    otherwise, whether the reference exists or not (core.publicref)."""
    from yanglao.core.publicref import factor_matches, normalise

    ref = normalise(reference)
    member = Member.objects.filter(public_ref=ref).select_related("account").first() if ref else None
    ok = factor_matches(factor=factor, birth_date=member.birth_date if member else None,
                        id_last4=member.id_last4 if member else "")
    return member if ok else None
