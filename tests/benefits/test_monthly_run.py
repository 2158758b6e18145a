"""The monthly run: who is paid what, set-based, idempotent, with the preview's differences."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from yanglao.benefits import services
from yanglao.benefits.models import Entitlement, PaymentRun, RunChange, RunSummary
from yanglao.core.errors import Conflict, Forbidden
from yanglao.people import services as people_services
from yanglao.people.validation import CategoryInput

MAY = dt.date(2026, 5, 1)
JUNE = dt.date(2026, 6, 1)


def lines(run):
    return {e.person_id: e for e in Entitlement.objects.filter(run=run)}


def approve(run, by):
    return services.run_approve(by=by, run=run)


def test_it_pays_each_age_band_its_amount_on_the_reference_date(city_admin, age_allowance, older, run_month):
    p79 = older("19460502")  # 80 on 2 May 2026: not yet 80 on 1 May
    p80 = older("19460501")  # 80 on 1 May 2026
    p95 = older("19310101")
    p100 = older("19260101")
    run = run_month(city_admin, age_allowance, MAY)
    assert run.status == "preview", run.message
    got = lines(run)
    assert p79.pk not in got
    assert got[p80.pk].amount == Decimal("50.00") and got[p80.pk].band_label == "80–89岁"
    assert got[p95.pk].amount == Decimal("100.00")
    assert got[p100.pk].amount == Decimal("300.00")
    assert run.people_count == 3 and run.total_amount == Decimal("450.00") and run.new_count == 3
    summary = RunSummary.objects.get(run=run)
    assert summary.division_code == "441702001" and summary.amount == Decimal("450.00")


def test_rerunning_a_preview_never_duplicates_or_loses_a_line(city_admin, age_allowance, older, run_month):
    for birth in ("19400101", "19300101", "19410101"):
        older(birth)
    first = run_month(city_admin, age_allowance, MAY)
    ids_before = set(Entitlement.objects.filter(run=first).values_list("person_id", "amount"))
    again = run_month(city_admin, age_allowance, MAY)
    assert again.pk == first.pk and again.attempt == 2
    assert set(Entitlement.objects.filter(run=again).values_list("person_id", "amount")) == ids_before
    assert Entitlement.objects.count() == 3 and RunSummary.objects.filter(run=again).count() == 1


def test_the_database_refuses_a_second_entitlement_for_the_same_person_programme_and_month(
        city_admin, age_allowance, older, run_month):
    older("19400101")
    run = run_month(city_admin, age_allowance, MAY)
    line = Entitlement.objects.get(run=run)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.create(run=run, person=line.person, programme=line.programme, month=MAY,
                                   kind="back_pay", reason="back_pay", amount=Decimal("50"),
                                   division_code=line.division_code)


def test_the_database_refuses_a_month_that_is_not_the_first_day(city_admin, age_allowance, older):
    p = older("19400101")
    with pytest.raises(IntegrityError), transaction.atomic():
        Entitlement.objects.create(person=p, programme=age_allowance, month=dt.date(2026, 5, 2), kind="regular",
                                   reason="new", amount=Decimal("50"), division_code=p.division_code)


def test_approving_ones_own_run_is_refused_and_changes_nothing(city_admin, age_allowance, older, run_month):
    older("19400101")
    run = run_month(city_admin, age_allowance, MAY)
    with pytest.raises(Forbidden, match="不能审核自己编制"):
        approve(run, city_admin)
    run.refresh_from_db()
    assert run.status == "preview" and run.approved_by is None


def test_the_database_refuses_a_run_approved_by_its_preparer(city_admin, age_allowance, older, run_month):
    run = run_month(city_admin, age_allowance, MAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRun.objects.filter(pk=run.pk).update(status="approved", approved_by=city_admin)


def test_a_colleague_approves_and_the_month_can_then_not_be_recomputed_or_approved_again(
        city_admin, city_checker, age_allowance, older, run_month):
    older("19400101")
    run = run_month(city_admin, age_allowance, MAY)
    approve(run, city_checker)
    run.refresh_from_db()
    assert run.status == "approved" and run.approved_by == city_checker
    with pytest.raises(Conflict, match="已审核"):
        services.run_preview(by=city_admin, programme=age_allowance, month=MAY)
    with pytest.raises(Conflict, match="已审核"):
        approve(run, city_checker)
    assert PaymentRun.objects.count() == 1 and Entitlement.objects.count() == 1


def test_it_stops_the_month_after_death_and_says_why(city_admin, city_checker, jiangcheng, age_allowance, older,
                                                      run_month):
    p = older("19400101")
    alive = older("19400202")
    people_services.person_set_status(by=jiangcheng, person=p, status="deceased", on=dt.date(2026, 5, 20))
    may = run_month(city_admin, age_allowance, MAY)
    assert p.pk in lines(may)  # paid for the month of death
    approve(may, city_checker)
    june = run_month(city_admin, age_allowance, JUNE)
    assert set(lines(june)) == {alive.pk}
    stop = RunChange.objects.get(run=june)
    assert stop.person_id == p.pk and stop.reason == "death" and stop.previous_amount == Decimal("50.00")
    assert june.stopped_count == 1 and lines(june)[alive.pk].reason == "continued"


def test_a_band_change_is_shown_with_the_previous_amount(city_admin, city_checker, age_allowance, older, run_month):
    p = older("19360601")  # 89 in May, 90 on 1 June
    may = run_month(city_admin, age_allowance, MAY)
    approve(may, city_checker)
    june = run_month(city_admin, age_allowance, JUNE)
    line = lines(june)[p.pk]
    assert (line.reason, line.amount, line.previous_amount, line.note) == ("changed", Decimal("100.00"),
                                                                           Decimal("50.00"), "80–89岁")
    assert june.changed_count == 1


def test_a_suspension_survives_every_later_run_until_resumed(city_admin, city_checker, jiangcheng, age_allowance,
                                                             older, run_month):
    p = older("19400101")
    s = services.suspension_create(by=jiangcheng, person=p, programme=age_allowance, reason="imprisonment",
                                   from_month=JUNE)
    may = run_month(city_admin, age_allowance, MAY)
    assert p.pk in lines(may)
    approve(may, city_checker)
    june = run_month(city_admin, age_allowance, JUNE)
    assert p.pk not in lines(june)
    assert RunChange.objects.get(run=june).reason == "imprisonment"
    approve(june, city_checker)
    july = run_month(city_admin, age_allowance, dt.date(2026, 7, 1))
    assert p.pk not in lines(july)
    services.run_cancel(by=city_admin, run=july)
    services.suspension_resume(by=jiangcheng, suspension=s, from_month=dt.date(2026, 7, 1))
    july = run_month(city_admin, age_allowance, dt.date(2026, 7, 1))
    assert lines(july)[p.pk].reason == "new"


def test_tekun_people_in_an_institution_are_excluded_when_the_rule_says_so(city_admin, jiangcheng, older, run_month):
    p = services.programme_create(by=city_admin, code="fuwu", name="经济困难高龄老年人服务补贴", kind="subsidy",
                                  legal_basis="阳民〔2025〕2号", band_basis="flat")
    services.rule_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), min_age=80,
                      required_categories=["tekun", "dibao"], excluded_categories_in_institution=["tekun"])
    services.band_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), amount="200", label="统一标准",
                      document_no="阳民〔2025〕2号")
    at_home = older("19400101")
    in_care = older("19400102", living_situation="institution")
    dibao_in_care = older("19400103", living_situation="institution")
    older("19400104")  # no category
    for person, code in ((at_home, "tekun"), (in_care, "tekun"), (dibao_in_care, "dibao")):
        people_services.category_add(by=jiangcheng, person=person,
                                     item=CategoryInput(category=code, valid_from=dt.date(2024, 1, 1)))
    run = run_month(city_admin, p, MAY)
    assert set(lines(run)) == {at_home.pk, dibao_in_care.pk}


def test_a_run_without_rules_for_the_month_is_refused(city_admin, age_allowance):
    from yanglao.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="没有有效的享受条件"):
        services.run_preview(by=city_admin, programme=age_allowance, month=dt.date(2024, 12, 1))
    assert PaymentRun.objects.count() == 0


def test_county_staff_cannot_prepare_or_approve_a_run(jiangcheng, city_admin, age_allowance, run_month):
    with pytest.raises(Forbidden):
        services.run_preview(by=jiangcheng, programme=age_allowance, month=MAY)
    run = run_month(city_admin, age_allowance, MAY)
    with pytest.raises(Forbidden):
        approve(run, jiangcheng)
