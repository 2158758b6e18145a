"""Money written twice at once: the same receipt posted by two clerks counts once; two refunds of the whole
balance at once leave it at zero, never below. Needs PostgreSQL (row locks)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from tests.conftest import needs_postgres
from yanglao.core.errors import DomainError
from yanglao.prepaid import services
from yanglao.prepaid.models import PrepaidAccount, PrepaidEntry

from .conftest import TODAY, collect

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except DomainError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_the_same_receipt_posted_twice_at_once_counts_once(jiangcheng, home, make_resident):
    acc = make_resident(home)
    results = _race(*[lambda: collect(jiangcheng, acc, "bed", "2000", "RACE-1")] * 2)
    assert sum(isinstance(r, DomainError) for r in results) == 1
    acc.refresh_from_db()
    assert acc.bal_bed == Decimal("2000.00")
    assert PrepaidEntry.objects.filter(receipt_no="RACE-1").count() == 1


def test_two_refunds_of_the_whole_balance_at_once_refund_it_once(jiangcheng, home, make_resident):
    acc = make_resident(home)
    collect(jiangcheng, acc, "deposit", "5000", "DEP-1")

    def refund(n):
        return lambda: services.entry_record(by=jiangcheng, account=acc, kind="deposit", direction="refund",
                                             amount="5000", on=TODAY, receipt_no=f"TF-{n}")

    results = _race(refund(1), refund(2))
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert PrepaidAccount.objects.get(pk=acc.pk).bal_deposit == Decimal("0.00")


def test_two_collections_at_once_cannot_pass_the_limit_together(jiangcheng, home, make_resident):
    acc = make_resident(home, bed_fee="1000")  # deposit cap 12,000
    results = _race(lambda: collect(jiangcheng, acc, "deposit", "7000", "L-1"),
                    lambda: collect(jiangcheng, acc, "deposit", "7000", "L-2"))
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert PrepaidAccount.objects.get(pk=acc.pk).bal_deposit == Decimal("7000.00")
