"""Caregivers with skill levels and certificates, training against the target, subsidies as dated rules,
and staffing ratios against the norms."""

import datetime as dt

import pytest

from tests.conftest import make_id
from tests.institutions.conftest import give_care_level
from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.scope import restrict
from yanglao.institutions import services as inst_services
from yanglao.institutions.models import Residency
from yanglao.workforce import selectors, services
from yanglao.workforce.defaults import ensure_defaults
from yanglao.workforce.models import Caregiver, SubsidyRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def config(db):
    ensure_defaults()


@pytest.fixture
def home(jiangcheng):
    return inst_services.institution_create(by=jiangcheng, data={
        "name": "北门颐养院", "ownership": "private", "division_code": "441702001001", "address": "北门路1号", "capacity": 60})


@pytest.fixture
def carer(jiangcheng, home, config):
    counter = {"n": 0}

    def create(**data):
        counter["n"] += 1
        payload = {"name": "梁秀珍", "id_number": make_id(birth="19800101", seq=f"{counter['n']:03d}"), "role": "carer",
                   "institution": home, "employed_since": dt.date(2024, 1, 1)} | data
        return services.caregiver_create(by=jiangcheng, data=payload)

    return create


def test_a_caregiver_is_recorded_with_level_certificate_and_masked_identity(carer):
    cg = carer(skill_level=4, certificate_no="S44172024000001", certificate_issued_on=dt.date(2024, 3, 1),
               certificate_expires_on=dt.date(2027, 3, 1), health_cert_no="JK001", health_cert_expires_on=dt.date(2027, 1, 1))
    assert cg.get_skill_level_display() == "四级/中级工"
    assert cg.id_number_masked.startswith("441702") and "*" in cg.id_number_masked
    assert cg.division_code == "441702001001"


def test_a_skill_level_without_a_certificate_number_is_refused_on_the_field(carer):
    with pytest.raises(ValidationFailed) as exc:
        carer(skill_level=3)
    assert "certificate_no" in exc.value.details


def test_a_certificate_that_expires_before_it_was_issued_is_refused(carer):
    with pytest.raises(ValidationFailed) as exc:
        carer(skill_level=5, certificate_no="X1", certificate_issued_on=dt.date(2025, 1, 1),
              certificate_expires_on=dt.date(2024, 1, 1))
    assert "certificate_expires_on" in exc.value.details


def test_a_certificate_number_is_recorded_once(carer):
    carer(skill_level=5, certificate_no="DUP1")
    with pytest.raises(Conflict):
        carer(skill_level=5, certificate_no="DUP1")


def test_expiring_certificates_and_missing_health_certificates_are_listed(carer, jiangcheng):
    today = dt.date.today()
    ok = carer(skill_level=5, certificate_no="A1", certificate_expires_on=today + dt.timedelta(days=400),
               health_cert_no="H1", health_cert_expires_on=today + dt.timedelta(days=300))
    soon = carer(skill_level=5, certificate_no="A2", certificate_expires_on=today + dt.timedelta(days=10),
                 health_cert_no="H2", health_cert_expires_on=today + dt.timedelta(days=300))
    no_health = carer()
    listed = set(selectors.expiring(jiangcheng).values_list("pk", flat=True))
    assert soon.pk in listed and no_health.pk in listed and ok.pk not in listed


def test_subsidies_follow_the_dated_rules_and_the_service_months(carer):
    cg = carer(skill_level=3, certificate_no="C3", employed_since=dt.date(2026, 6, 1))
    found = {s["rule"].kind: s for s in selectors.subsidies_for(cg, dt.date(2026, 11, 29))}
    assert found["certification"]["rule"].amount_fen == 200000 and found["certification"]["eligible"]
    assert found["employment"]["eligible"] is False  # 12 months of service needed
    assert found["post"]["eligible"]
    later = {s["rule"].kind: s for s in selectors.subsidies_for(cg, dt.date(2027, 6, 1))}
    assert later["employment"]["eligible"]


def test_an_overlapping_subsidy_rule_is_refused(city_admin, config):
    with pytest.raises(Conflict):
        services.subsidy_rule_add(by=city_admin, data={"kind": "post", "skill_level": None, "amount_fen": 30000,
                                                       "valid_from": dt.date(2026, 1, 1), "source": "测试"})
    SubsidyRule.objects.filter(kind="post").update(valid_to=dt.date(2026, 12, 31))
    rule = services.subsidy_rule_add(by=city_admin, data={"kind": "post", "skill_level": None, "amount_fen": 30000,
                                                          "valid_from": dt.date(2027, 1, 1), "source": "测试"})
    assert selectors.rule_on("post", dt.date(2027, 2, 1)) == rule


def test_training_counts_people_who_completed_against_the_citys_share(carer, city_admin, jiangcheng):
    course = services.course_create(by=jiangcheng, data={"title": "岗前培训", "kind": "induction", "provider": "技师学院",
                                                         "starts_on": dt.date(2026, 3, 1), "ends_on": dt.date(2026, 3, 5),
                                                         "hours": 40, "places": 30, "division_code": "441702"})
    a, b, c = carer(), carer(), carer()
    services.attendance_record(by=jiangcheng, course=course, caregiver=a, completed=True, passed=True)
    services.attendance_record(by=jiangcheng, course=course, caregiver=b, completed=True, passed=False)
    services.attendance_record(by=jiangcheng, course=course, caregiver=c, completed=False, passed=False)
    services.attendance_record(by=jiangcheng, course=course, caregiver=a, completed=True, passed=True)  # once per person
    figures = selectors.training_figures(city_admin, 2026)
    assert (figures.trained, figures.passed) == (2, 1)
    assert figures.target.province_target == 40000 and figures.percent == round(100 * 2 / figures.target.city_target, 1)
    with pytest.raises(ValidationFailed):
        services.attendance_record(by=jiangcheng, course=course, caregiver=c, completed=False, passed=True)


def test_a_home_with_too_few_carers_for_its_residents_is_flagged(carer, home, jiangcheng, new_person):
    for i in range(6):
        person = new_person(name="陈秀英黄丽华林美玲梁桂芳张玉兰吴月娥"[2 * i:2 * i + 2] + "婆")
        Residency.objects.create(person=person, institution=home, admitted_on=dt.date(2026, 1, 1),
                                 division_code=home.division_code)
        give_care_level(person, 4 if i < 4 else 0, reviewer=jiangcheng)
    carer()
    row = next(s for s in selectors.staffing(jiangcheng) if s.institution == home)
    # 4 residents at level 4 (2.5 per carer) + 2 at level 0 (10 per carer) = 1.8 → 2 carers needed
    assert row.residents == {4: 4, 0: 2} and row.required == 2 and row.carers == 1 and row.below
    carer()
    row = next(s for s in selectors.staffing(jiangcheng) if s.institution == home)
    assert not row.below


def test_a_caregiver_who_left_no_longer_counts(carer, jiangcheng):
    cg = carer()
    services.caregiver_leave(by=jiangcheng, caregiver=cg, on=dt.date(2026, 11, 1))
    assert selectors.staffing(jiangcheng)[0].carers == 0
    assert selectors.subsidies_for(Caregiver.objects.get(pk=cg.pk)) == []


def test_other_counties_see_no_caregivers(carer, yangxi):
    carer()
    assert restrict(Caregiver.objects.all(), yangxi).count() == 0


def test_staff_may_not_register_a_caregiver_outside_their_county(yangxi, home, config):
    with pytest.raises(ValidationFailed) as exc:
        services.caregiver_create(by=yangxi, data={"name": "外县", "id_number": make_id(birth="19800101", seq="901"),
                                                   "institution": home, "employed_since": dt.date(2025, 1, 1)})
    assert "institution" in exc.value.details
