"""Safe public lookups (issue 15, items 4 and 7): a random public reference on the receipt, a second factor,
limits per address and per reference, one answer for every failure, nothing personal beyond a masked name."""

import re

import pytest
from django.test import Client

from yanglao.admissions import services as admissions
from yanglao.core import publicref

pytestmark = pytest.mark.django_db

NONE = 'data-testid="lookup-none"'


def post(client, kind, reference, factor):
    return client.post("/public/lookup/", {"kind": kind, "reference": reference, "factor": factor})


@pytest.fixture
def application(jiangcheng, home, new_person):
    person = new_person(name="黄秀英", categories=[{"category": "tekun", "valid_from": "2024-01-01"}])
    return admissions.application_create(by=jiangcheng, person=person, institution=home)


def test_public_references_are_random_twelve_characters_without_ambiguous_ones(application):
    refs = {publicref.new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    assert all(re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{12}", r) for r in refs)
    assert re.fullmatch(r"[23456789A-HJKMNP-Z]{12}", application.public_ref)
    assert application.public_ref not in application.number  # the internal number stays as it was
    # typed as printed, in lower case or with spaces: the same reference
    assert publicref.normalise(publicref.display(application.public_ref).lower()) == application.public_ref
    assert publicref.normalise(" " + application.public_ref[:6] + " " + application.public_ref[6:]) == application.public_ref


def test_the_family_sees_the_queue_position_with_the_birth_date_or_the_last_four(application):
    person = application.person
    for factor in (person.birth_date.isoformat(), person.birth_date.strftime("%Y%m%d"),
                   f"{person.birth_date.year}年{person.birth_date.month}月{person.birth_date.day}日", person.id_last4.lower()):
        page = post(Client(), "queue", publicref.display(application.public_ref), factor).content.decode()
        assert 'data-testid="position"' in page, factor
        assert "第 1 位（共 1 人轮候）" in page
        assert "黄*英" in page and "黄秀英" not in page
        for secret in ("特困", person.id_number_masked, person.phone_masked, application.number):
            assert secret not in page


def test_a_failed_lookup_answers_the_same_whether_the_reference_exists_or_not(application):
    person = application.person
    wrong_factor = post(Client(REMOTE_ADDR="198.51.100.1"), "queue", application.public_ref, "1901-01-01")
    unknown_ref = post(Client(REMOTE_ADDR="198.51.100.2"), "queue", "ABCD-EFGH-JKMN", person.birth_date.isoformat())
    internal_number = post(Client(REMOTE_ADDR="198.51.100.3"), "queue", application.number, person.birth_date.isoformat())
    bad_form = Client(REMOTE_ADDR="198.51.100.4").post("/public/lookup/", {"kind": "queue", "reference": "", "factor": ""})

    def answer(response):
        body = response.content.decode()
        return response.status_code, body.split('aria-live="polite">')[1].split("</div>")[0].strip()

    assert answer(wrong_factor) == answer(unknown_ref) == answer(internal_number) == answer(bad_form)
    assert NONE in wrong_factor.content.decode()
    assert wrong_factor["Cache-Control"] == "no-store"


def test_lookups_are_limited_per_address_and_per_reference(application):
    person = application.person
    ref = application.public_ref
    # per reference: 5 an hour, from any address (a search over birth dates is spread over addresses)
    for i in range(5):
        assert post(Client(REMOTE_ADDR=f"203.0.113.{i}"), "queue", ref, "1901-01-01").status_code == 200
    blocked = post(Client(REMOTE_ADDR="203.0.113.99"), "queue", ref.lower(), person.birth_date.isoformat())
    assert blocked.status_code == 429 and 'data-testid="lookup-throttled"' in blocked.content.decode()
    assert int(blocked["Retry-After"]) > 0
    # per address: 10 in 10 minutes, whatever references are typed
    client = Client(REMOTE_ADDR="192.0.2.77")
    for i in range(10):
        assert post(client, "queue", f"ABCD-EFGH-JK{'MNPQRSTUVW'[i]}2", "1950-01-01").status_code == 200
    assert post(client, "timebank", "ZZZZ-ZZZZ-ZZZZ", "1950-01-01").status_code == 429


def test_the_time_bank_balance_needs_the_member_reference_and_a_second_factor(jiangcheng, new_person):
    from yanglao.timebank import services as timebank

    person = new_person(name="李明")
    member, _code = timebank.member_create(by=jiangcheng, data={"kind": "elder", "person": person})
    assert len(member.public_ref) == 12
    page = post(Client(), "timebank", member.public_ref, person.id_last4).content.decode()
    assert 'data-testid="lookup-balance"' in page and "李*" in page and "李明" not in page
    # the sequential member number does not open it
    assert NONE in post(Client(REMOTE_ADDR="192.0.2.8"), "timebank", member.number, person.id_last4).content.decode()


def test_the_subsidy_application_status_shows_programme_and_status_only(jiangcheng, city_admin, new_person):
    from yanglao.benefits import services as benefits
    from yanglao.benefits.models import Programme

    programme = Programme.objects.create(code="huli", name="护理补贴", kind="subsidy", legal_basis="阳民〔测试〕3号",
                                         enrolment_mode="application")
    person = new_person(name="张桂兰")
    import datetime as dt

    enrolment = benefits.enrolment_apply(by=jiangcheng, person=person, programme=programme, from_month=dt.date(2026, 11, 1))
    page = post(Client(), "subsidy", enrolment.public_ref, person.birth_date.isoformat()).content.decode()
    assert 'data-testid="lookup-status"' in page and "待审核" in page and "护理补贴" in page
    assert "张*兰" in page and "张桂兰" not in page
    benefits.enrolment_decide(by=city_admin, enrolment=enrolment, approve=True)
    assert "已审核" in post(Client(REMOTE_ADDR="192.0.2.9"), "subsidy", enrolment.public_ref,
                            person.id_last4).content.decode()


def test_the_receipt_prints_the_public_reference_and_how_to_look_it_up(jiangcheng, application):
    from yanglao.core.testing import page_client

    page = page_client(jiangcheng).get(f"/admissions/applications/{application.pk}/receipt/").content.decode()
    assert publicref.display(application.public_ref) in page
    assert application.number in page and "/public/lookup/" in page
