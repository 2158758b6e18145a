"""Family care beds: registered for a person and served by an institution; its staff log visits; the monthly
count per bed and per county against the agreed frequency, beds below it flagged."""

import datetime as dt

import pytest

from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.roles import Role
from yanglao.core.scope import restrict
from yanglao.core.testing import make_user
from yanglao.homeadapt import selectors, services, workbench
from yanglao.homeadapt.models import CareBed, ServiceRecord


def _bed(jiangcheng, person, home, visits=4, services_=("care", "bath"), started=None):
    started = started or dt.date.today().replace(day=1) - dt.timedelta(days=40)
    return services.care_bed_register(by=jiangcheng, person=person, institution=home, services=list(services_),
                                      visits_per_month=visits, started_on=started)


def _visits(operator, bed, days, service="care"):
    for day in days:
        services.service_record(by=operator, bed=bed, served_on=day, service=service, minutes=60, carer="梁玉兰")


def test_the_monthly_count_per_bed_and_per_county_flags_beds_below_their_agreed_visits(jiangcheng, new_person, home,
                                                                                       operator, today):
    month = today.replace(day=1)
    full = _bed(jiangcheng, new_person(), home, visits=2)
    short = _bed(jiangcheng, new_person(), home, visits=4)
    _visits(operator, full, [month, today])
    _visits(operator, short, [month])
    _visits(operator, short, [month - dt.timedelta(days=3)] * 5)  # last month's visits do not count
    rows = {b.pk: b for b in selectors.beds_in_month(jiangcheng, month)}
    assert (rows[full.pk].done, rows[short.pk].done) == (2, 1)
    [county] = selectors.county_figures(jiangcheng, month)
    assert (county.name, county.beds, county.agreed, county.done, county.below) == ("江城区", 2, 6, 3, 1)
    last = selectors.county_figures(jiangcheng, (month - dt.timedelta(days=1)).replace(day=1))[0]
    assert last.done == 5 and last.below == 1  # the full bed had no visit last month
    todo = workbench.todo_beds_below(jiangcheng)
    assert todo.count == 1 and "below=1" in todo.link


def test_the_institution_operator_sees_and_serves_only_its_own_beds(jiangcheng, new_person, home, operator, today):
    from yanglao.core.models import Organisation, OrganisationKind
    from yanglao.institutions.models import Institution

    other_org = Organisation.objects.create(name="阳江颐康护养院", kind=OrganisationKind.INSTITUTION, division_code="441702002")
    other_home = Institution.objects.create(name="阳江颐康护养院", ownership="private_nonprofit", operator=other_org,
                                            division_code="441702002001", address="x", capacity=10)
    mine = _bed(jiangcheng, new_person(), home)
    theirs = _bed(jiangcheng, new_person(), other_home)
    assert list(restrict(CareBed.objects.all(), operator)) == [mine]
    with pytest.raises(ValidationFailed, match="服务机构登记"):
        services.service_record(by=operator, bed=theirs, served_on=today, service="care", minutes=60, carer="梁玉兰")
    with pytest.raises(ValidationFailed, match="服务机构登记"):
        services.service_record(by=jiangcheng, bed=mine, served_on=today, service="care", minutes=60, carer="梁玉兰")
    _visits(operator, mine, [today])
    assert restrict(ServiceRecord.objects.all(), operator).count() == 1


def test_a_visit_outside_the_agreement_or_the_beds_dates_is_refused(jiangcheng, new_person, home, operator, today):
    bed = _bed(jiangcheng, new_person(), home, started=today - dt.timedelta(days=10))
    with pytest.raises(ValidationFailed, match="不在该床位约定的服务内容中"):
        _visits(operator, bed, [today], service="medical")
    with pytest.raises(ValidationFailed, match="晚于今天"):
        _visits(operator, bed, [today + dt.timedelta(days=1)])
    with pytest.raises(ValidationFailed, match="不在床位服务期内"):
        _visits(operator, bed, [today - dt.timedelta(days=11)])
    with pytest.raises(ValidationFailed, match="5 到 600"):
        services.service_record(by=operator, bed=bed, served_on=today, service="care", minutes=2, carer="梁玉兰")


def test_a_person_has_one_care_bed_in_service_and_bad_agreements_are_refused(jiangcheng, new_person, home, today):
    person = new_person()
    bed = _bed(jiangcheng, person, home)
    with pytest.raises(Conflict, match="已有服务中的家庭照护床位"):
        _bed(jiangcheng, person, home)
    with pytest.raises(ValidationFailed, match="1 到 62"):
        _bed(jiangcheng, new_person(), home, visits=0)
    with pytest.raises(ValidationFailed, match="约定的服务内容"):
        _bed(jiangcheng, new_person(), home, services_=())
    services.care_bed_end(by=jiangcheng, bed=bed, ended_on=today, reason="入住养老机构")
    with pytest.raises(Conflict, match="已撤床"):
        services.care_bed_end(by=jiangcheng, bed=bed, ended_on=today, reason="再次")
    assert _bed(jiangcheng, person, home).status == "active"  # a new bed once the old one ended


def test_beds_are_scoped_to_the_county(jiangcheng, yangxi, new_person, home):
    _bed(jiangcheng, new_person(), home)
    assert not selectors.beds_in_month(yangxi, dt.date.today()).exists()
    assert selectors.county_figures(yangxi, dt.date.today()) == []
    township = make_user(Role.TOWNSHIP_STAFF, "441702001")
    assert selectors.beds_in_month(township, dt.date.today()).count() == 1
