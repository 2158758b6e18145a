"""Programmes as data: rules and amount bands with dates; overlaps refused by the service and PostgreSQL."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from yanglao.benefits import services
from yanglao.benefits.models import AmountBand, EligibilityRule
from yanglao.core.errors import Forbidden, ValidationFailed

JAN = dt.date(2025, 1, 1)


def test_a_band_overlapping_another_in_age_and_time_is_refused_and_nothing_is_saved(city_admin, age_allowance):
    before = AmountBand.objects.count()
    with pytest.raises(ValidationFailed, match="重叠") as exc:
        services.band_add(by=city_admin, programme=age_allowance, valid_from=dt.date(2026, 1, 1), key_min=85,
                          key_max=94, amount="80", label="85–94岁", document_no="阳民〔2026〕9号")
    assert "key_min" in exc.value.details
    assert AmountBand.objects.count() == before


def test_adjacent_bands_and_later_bands_of_closed_ones_are_accepted(city_admin, age_allowance):
    band = AmountBand.objects.get(programme=age_allowance, key_min=80)
    new = services.band_supersede(by=city_admin, band=band, from_date=dt.date(2027, 1, 1), amount="60",
                                  document_no="阳民〔2026〕10号")
    band.refresh_from_db()
    assert band.valid_to == dt.date(2026, 12, 31) and new.amount == Decimal("60.00") and new.key_max == 89


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL only")
def test_postgresql_refuses_overlapping_bands_even_past_the_service(age_allowance):
    with pytest.raises(IntegrityError), transaction.atomic():
        AmountBand.objects.create(programme=age_allowance, valid_from=dt.date(2026, 1, 1), key_min=95, key_max=120,
                                  amount=Decimal("1"), label="x", document_no="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        EligibilityRule.objects.create(programme=age_allowance, valid_from=dt.date(2026, 1, 1))


def test_overlapping_rule_versions_are_refused(city_admin, age_allowance):
    with pytest.raises(ValidationFailed, match="重叠"):
        services.rule_add(by=city_admin, programme=age_allowance, valid_from=dt.date(2026, 1, 1), min_age=70)


def test_amounts_need_a_document_and_a_positive_value(city_admin, age_allowance):
    with pytest.raises(ValidationFailed):
        services.band_add(by=city_admin, programme=age_allowance, valid_from=JAN, key_min=120, amount="0",
                          label="x", document_no="x")
    with pytest.raises(ValidationFailed) as exc:
        services.band_add(by=city_admin, programme=age_allowance, valid_from=JAN, key_min=120, amount="5",
                          label="x", document_no="")
    assert "document_no" in exc.value.details


def test_approved_months_cannot_be_changed_retroactively(city_admin, city_checker, age_allowance, older, run_month):
    older("19400101")
    run = run_month(city_admin, age_allowance, dt.date(2026, 5, 1))
    services.run_approve(by=city_checker, run=run)
    band = AmountBand.objects.get(programme=age_allowance, key_min=80)
    with pytest.raises(ValidationFailed, match="不能追溯"):
        services.band_supersede(by=city_admin, band=band, from_date=dt.date(2026, 5, 1), amount="70",
                                document_no="x")


def test_only_the_city_configures_programmes(jiangcheng):
    with pytest.raises(Forbidden):
        services.programme_create(by=jiangcheng, code="x", name="x", kind="allowance", legal_basis="x")
