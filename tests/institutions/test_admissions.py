"""Admission to public care homes: priority by rules, offers, declines, public lookup, no bed twice."""

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from yanglao.admissions import services
from yanglao.admissions.models import Application, Offer, PriorityRule
from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.roles import Role
from yanglao.core.testing import api_client, assert_jurisdiction_scoped, make_user
from yanglao.institutions import services as inst_services
from yanglao.institutions.models import Bed, Residency

from .conftest import give_care_level

pytestmark = pytest.mark.django_db


def categorised(new_person, *cats, **kw):
    return new_person(categories=[{"category": c, "valid_from": "2024-01-01",
                                   **({"disability_grade": 1} if c == "severe_disability" else {})} for c in cats], **kw)


def test_default_rules_are_the_policys_five_groups(db):
    assert list(PriorityRule.objects.values_list("rank", "name")) == [
        (1, "特困供养人员"), (2, "经济困难的失能、失智老年人"), (3, "计划生育特殊家庭老年人"),
        (4, "退役军人及其他优抚对象"), (5, "其他老年人")]


def test_priority_groups_order_the_queue_then_application_time(jiangcheng, home, new_person):
    other = services.application_create(by=jiangcheng, person=new_person(name="甲乙"), institution=home)
    veteran = services.application_create(by=jiangcheng, person=categorised(new_person, "veteran"), institution=home)
    poor_disabled = categorised(new_person, "dibao")
    give_care_level(poor_disabled, 3)
    poor = services.application_create(by=jiangcheng, person=poor_disabled, institution=home)
    poor_able = services.application_create(by=jiangcheng, person=categorised(new_person, "dibao"), institution=home)
    demented = services.application_create(by=jiangcheng, person=categorised(new_person, "economic_hardship"),
                                           institution=home, dementia_declared=True)
    tekun = services.application_create(by=jiangcheng, person=categorised(new_person, "tekun"), institution=home)
    order = [a.pk for a in services.queue(home)]
    assert order == [tekun.pk, poor.pk, demented.pk, veteran.pk, other.pk, poor_able.pk]
    assert services.position_of(tekun) == 1 and tekun.must_admit
    assert services.position_of(other) == 5


def test_rules_are_data_an_administrator_can_change(jiangcheng, home, new_person):
    PriorityRule.objects.filter(rank=4).update(rank=0)  # veterans first
    vet = services.application_create(by=jiangcheng, person=categorised(new_person, "veteran"), institution=home)
    tekun = services.application_create(by=jiangcheng, person=categorised(new_person, "tekun"), institution=home)
    assert [a.pk for a in services.queue(home)] == [vet.pk, tekun.pk]


def test_tekun_applicant_goes_straight_to_the_front_and_others_wait(jiangcheng, home, new_person):
    first = services.application_create(by=jiangcheng, person=new_person(), institution=home)
    tekun = services.application_create(by=jiangcheng, person=categorised(new_person, "tekun"), institution=home)
    bed = home.beds.first()
    with pytest.raises(Conflict, match="特困人员"):
        services.offer_bed(by=jiangcheng, application=first, bed=bed)
    services.offer_bed(by=jiangcheng, application=tekun, bed=bed)


def test_offer_accept_admits_and_needs_a_valid_assessment(jiangcheng, home, new_person):
    person = new_person()
    app = services.application_create(by=jiangcheng, person=person, institution=home)
    bed = home.beds.first()
    offer = services.offer_bed(by=jiangcheng, application=app, bed=bed)
    bed.refresh_from_db()
    assert bed.status == "reserved"
    with pytest.raises(ValidationFailed, match="能力评估"):
        services.offer_accept(by=jiangcheng, offer=offer)
    assert not Residency.objects.exists()
    give_care_level(person, 2)
    residency = services.offer_accept(by=jiangcheng, offer=offer)
    bed.refresh_from_db()
    app.refresh_from_db()
    assert residency.bed_id == bed.pk and bed.status == "occupied" and app.status == "admitted"


def test_an_application_for_someone_resident_elsewhere_is_refused(jiangcheng, home, new_person):
    person = new_person()
    Residency.objects.create(person=person, institution=home, admitted_on="2025-01-01", division_code=home.division_code)
    with pytest.raises(Conflict, match="已入住"):
        services.application_create(by=jiangcheng, person=person, institution=home)
    assert not Application.objects.exists()


def test_offering_an_occupied_bed_is_refused(jiangcheng, home, new_person):
    a = services.application_create(by=jiangcheng, person=new_person(), institution=home)
    b = services.application_create(by=jiangcheng, person=new_person(), institution=home)
    bed = home.beds.first()
    services.offer_bed(by=jiangcheng, application=a, bed=bed)
    with pytest.raises(Conflict, match="已预留"):
        services.offer_bed(by=jiangcheng, application=b, bed=bed)
    assert Offer.objects.count() == 1


def test_declining_twice_in_a_year_removes_the_application_for_a_year(jiangcheng, home, new_person):
    person = new_person()
    app = services.application_create(by=jiangcheng, person=person, institution=home)
    bed = home.beds.first()
    app = services.offer_decline(by=jiangcheng, offer=services.offer_bed(by=jiangcheng, application=app, bed=bed))
    assert app.status == "waiting"
    app = services.offer_decline(by=jiangcheng, offer=services.offer_bed(by=jiangcheng, application=app, bed=bed))
    assert app.status == "removed" and app.removed_until is not None
    with pytest.raises(Conflict, match="暂停"):
        services.application_create(by=jiangcheng, person=person, institution=home)


def test_public_page_shows_position_for_the_public_reference_and_birth_date(jiangcheng, home, new_person):
    services.application_create(by=jiangcheng, person=new_person(name="陈大"), institution=home)
    app = services.application_create(by=jiangcheng, person=new_person(name="黄秀英"), institution=home)
    data = {"kind": "queue", "reference": app.public_ref, "factor": app.person.birth_date.isoformat()}
    page = Client().post("/public/lookup/", data).content.decode()
    assert "第 2 位（共 2 人轮候）" in page and "黄秀英" not in page
    wrong = Client().post("/public/lookup/", data | {"factor": "1960-01-01"}).content.decode()
    assert "没有查到" in wrong and "第 2 位" not in wrong
    # the sequential application number no longer opens anything
    assert "没有查到" in Client().post("/public/lookup/", data | {"reference": app.number}).content.decode()


def test_applications_api_is_scoped(jiangcheng, home, new_person):
    app = services.application_create(by=jiangcheng, person=new_person(), institution=home)
    assert_jurisdiction_scoped(division_code=app.division_code, list_url="/api/v1/admissions/applications/",
                               detail_url=f"/api/v1/admissions/applications/{app.pk}/")


def test_offer_through_the_api_answers_409_when_the_bed_is_taken(jiangcheng, home, new_person):
    api = api_client(jiangcheng)
    a = services.application_create(by=jiangcheng, person=new_person(), institution=home)
    b = services.application_create(by=jiangcheng, person=new_person(), institution=home)
    bed = home.beds.first()
    first = api.post("/api/v1/admissions/offers/", data=json.dumps({"application": a.pk, "bed": bed.pk}),
                     content_type="application/json")
    second = api.post("/api/v1/admissions/offers/", data=json.dumps({"application": b.pk, "bed": bed.pk}),
                      content_type="application/json")
    assert first.status_code == 201
    assert second.status_code == 409 and second.json()["error"]["code"] == "bed_taken"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrent connections")
def test_fifty_simultaneous_requests_for_the_last_bed_give_exactly_one_success(divisions):
    from tests.conftest import make_id
    from yanglao.admissions.defaults import ensure_default_rules
    from yanglao.people import services as people_services

    ensure_default_rules()  # transactional tests flush the migration's data

    staff = make_user(Role.COUNTY_STAFF, "441702", username="racer")
    home = inst_services.institution_create(by=staff, data={
        "name": "竞争院", "ownership": "public", "division_code": "441702001001", "address": "x",
        "accepts_public_admission": True})
    inst_services.beds_add(by=staff, institution=home, building="1", floor="1", rooms=["101"], beds_per_room=1,
                           bed_type="nursing")
    bed = home.beds.get()
    apps = []
    for i in range(50):
        person = people_services.person_create(by=staff, data={
            "name": "测试人", "id_number": make_id(seq=f"{i:03d}"), "division_code": "441702001001",
            "living_situation": "alone"})
        apps.append(services.application_create(by=staff, person=person, institution=home))
    clients = [api_client(staff) for _ in apps]
    barrier = threading.Barrier(len(apps))
    results: list[int] = []
    lock = threading.Lock()

    def go(client, app):
        barrier.wait()
        got = client.post("/api/v1/admissions/offers/", data=json.dumps({"application": app.pk, "bed": bed.pk}),
                          content_type="application/json")
        with lock:
            results.append(got.status_code)
            if got.status_code == 409:
                assert got.json()["error"]["code"] == "bed_taken"
        connections.close_all()

    threads = [threading.Thread(target=go, args=(c, a)) for c, a in zip(clients, apps, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201] + [409] * 49
    assert Offer.objects.filter(bed=bed, status="pending").count() == 1
    assert Bed.objects.get(pk=bed.pk).status == "reserved"


def test_moving_a_person_takes_their_assessment_and_application_to_the_new_county(city_admin, jiangcheng, home,
                                                                                  new_person):
    from yanglao.people import services as people_services

    person = new_person()
    assessment = give_care_level(person, 3)
    app = services.application_create(by=jiangcheng, person=person, institution=home)
    people_services.person_update(by=city_admin, person=person, data={"division_code": "441721100005"})
    assessment.refresh_from_db()
    app.refresh_from_db()
    assert assessment.division_code == "441721100005" and app.division_code == "441721100005"
    old = api_client(jiangcheng)
    assert old.get(f"/api/v1/assessments/{assessment.pk}/").status_code == 404
    new = api_client(make_user(Role.COUNTY_STAFF, "441721"))
    assert new.get(f"/api/v1/assessments/{assessment.pk}/").status_code == 200


def test_public_lookup_is_rate_limited_per_address(jiangcheng, home, new_person):
    from django.core.cache import cache

    cache.clear()
    services.application_create(by=jiangcheng, person=new_person(name="黄秀英"), institution=home)
    client = Client()
    codes = [client.post("/public/lookup/", {"kind": "queue", "reference": f"ABCD-EFGH-{i:04d}".replace("0", "2").replace("1", "3"),
                                             "factor": "1950-01-01"}).status_code for i in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    cache.clear()
