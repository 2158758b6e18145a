"""A person, programme and month is paid once, whichever run (or area) would pay it (issue 18 item 8:
the shape of the operating-subsidy double payment, checked on every benefit money path)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from yanglao.benefits import services
from yanglao.benefits.models import Entitlement, PaymentRun

MAY = dt.date(2026, 5, 1)
JUNE = dt.date(2026, 6, 1)
JULY = dt.date(2026, 7, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_may(city_admin, city_checker, age_allowance, older, run_month):
    older("19400101")
    older("19300101")
    run = run_month(city_admin, age_allowance, MAY)
    services.run_approve(by=city_checker, run=run)
    run.refresh_from_db()
    return run


def test_a_county_run_beside_the_city_run_of_a_programme_and_month_is_refused_by_the_database(
        city_admin, jiangcheng, age_allowance, approved_may):
    # Runs are per programme, not per area: a second live run of the month, whatever its area, cannot exist.
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRun.objects.create(programme=age_allowance, month=MAY, status="preview", prepared_by=jiangcheng,
                                  division_code="441702")


def test_a_person_month_paid_by_one_run_cannot_be_paid_regular_or_back_pay_by_another(
        city_admin, age_allowance, approved_may, run_month):
    line = Entitlement.objects.filter(run=approved_may).first()
    june = run_month(city_admin, age_allowance, JUNE)
    for kind in ("regular", "back_pay"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Entitlement.objects.create(run=june, person=line.person, programme=age_allowance, month=MAY, kind=kind,
                                       reason=kind if kind == "back_pay" else "new", amount=Decimal("50"),
                                       division_code="441702")
    assert not Entitlement.objects.filter(run=june, month=MAY).exists()  # the engine found nothing to back-pay


def test_a_month_paid_in_a_cancelled_run_is_paid_once_by_its_replacement(
        city_admin, city_checker, age_allowance, older, run_month):
    older("19400101")
    first = run_month(city_admin, age_allowance, MAY)
    services.run_cancel(by=city_admin, run=first)
    second = run_month(city_admin, age_allowance, MAY)
    services.run_approve(by=city_checker, run=second)
    run_month(city_admin, age_allowance, JUNE)
    assert Entitlement.objects.filter(month=MAY, kind__in=["regular", "back_pay"]).count() == 1


def test_an_adjustment_is_paid_by_one_approved_run_only(city_admin, city_checker, age_allowance, approved_may,
                                                         run_month):
    line = Entitlement.objects.filter(run=approved_may).first()
    adjustment = services.adjustment_add(by=city_admin, line=line, amount="20", note="补差额")
    june = run_month(city_admin, age_allowance, JUNE)
    services.run_approve(by=city_checker, run=june)
    july = run_month(city_admin, age_allowance, JULY)
    adjustment.refresh_from_db()
    assert adjustment.run_id == june.pk
    assert not Entitlement.objects.filter(run=july, kind="adjustment").exists()


def test_marking_a_run_paid_through_the_api_needs_a_confirmation_and_happens_once(city_admin, approved_may):
    import json

    from yanglao.core.testing import api_client

    api = api_client(city_admin)
    url = f"/api/v1/benefits/runs/{approved_may.pk}/mark-paid/"
    assert api.get(url).status_code == 405
    assert api.post(url, data=json.dumps({"confirm": False}), content_type="application/json").status_code == 400
    assert PaymentRun.objects.get(pk=approved_may.pk).status == "approved"
    got = api.post(url, data=json.dumps({"confirm": True}), content_type="application/json")
    assert got.status_code == 200 and got.json()["status"] == "paid"
    assert api.post(url, data=json.dumps({"confirm": True}), content_type="application/json").status_code == 409
