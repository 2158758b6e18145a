"""Records, missed visits with their reasons, referrals followed until closed, the visit rate a township
sees for last month and who was missed, overdue alerts, and the jurisdiction and audit rules around them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.models import AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import api_client, make_user, page_client
from yanglao.core.todos import todo_list
from yanglao.visits import plans, selectors, services
from yanglao.visits.models import Referral, Visit, VisitRecord

from .conftest import BEIMEN, OTHER_TOWNSHIP_COMMUNITY

pytestmark = pytest.mark.django_db


def _data(**over):  # type: ignore[no-untyped-def]
    return {"method": "home", "visited_at": timezone.now() - dt.timedelta(hours=1), "health": "血压偏高，按时服药",
            "economic": "低保金按月到账", "safety": "燃气灶老旧", "living_conditions": "独居一楼",
            "needs": "希望有人代购药品", "risks": ["fire_gas"]} | over


@pytest.fixture
def month_plan(person, visitor, beimen):  # type: ignore[no-untyped-def]
    """Last month's plan in 北门社区 and in another township: three people each way."""
    visitor("何晓敏", user=beimen)
    visitor("王芳", community=OTHER_TOWNSHIP_COMMUNITY)
    people = [person(living="alone", name=n) for n in ("陈秀英", "黄桂芳", "林伯")]
    people.append(person(living="alone", name="梁大爷", community=OTHER_TOWNSHIP_COMMUNITY))
    month = selectors.last_month()
    plans.generate("441702", month)
    return month, people


def test_a_township_sees_its_visit_rate_for_last_month_and_who_was_missed(month_plan, beimen, nanen):
    month, (chen, huang, lin, _liang) = month_plan
    services.visit_record(by=beimen, visit=Visit.objects.get(person=chen, month=month),
                          data=_data(visited_at=timezone.make_aware(dt.datetime.combine(month, dt.time(10)))))
    services.visit_missed(by=beimen, visit=Visit.objects.get(person=huang, month=month), reason="hospital",
                          note="市人民医院住院")
    # 林伯: never recorded and past its date → 逾期未记录

    total, rows = selectors.rate_rows(nanen, month, "441702001")
    assert (total.due, total.visited, total.rate_text) == (3, 1, "33.3%")  # the other township is not in 南恩
    assert [(r.name, r.due, r.visited) for r in rows] == [("北门社区", 3, 1)]

    client = page_client(nanen)
    page = client.get("/visits/").content.decode()  # last month by default
    assert "33.3%" in page and f"{month:%Y年}" in page
    missed = client.get(f"/visits/missed/?month={month:%Y-%m}").content.decode()
    assert "黄桂芳" in missed and "住院治疗：市人民医院住院" in missed
    assert "林伯" in missed and "逾期未记录" in missed
    assert "陈秀英" not in missed and "梁大爷" not in missed
    assert AuditEntry.objects.filter(action="view_sensitive", object_type="visits.visit").exists()


def test_rates_roll_up_from_community_to_township_to_county(month_plan, beimen, jiangcheng):
    month, (chen, *_rest) = month_plan
    services.visit_record(by=beimen, visit=Visit.objects.get(person=chen, month=month),
                          data=_data(visited_at=timezone.make_aware(dt.datetime.combine(month, dt.time(9)))))
    total, rows = selectors.rate_rows(jiangcheng, month, "441702")
    assert (total.due, total.visited) == (4, 1)
    assert {r.code: (r.due, r.visited) for r in rows} == {"441702001": (3, 1), "441702002": (1, 0)}
    city = make_user(Role.CITY_ADMIN, "4417")
    total, rows = selectors.rate_rows(city, month, "4417")
    assert [(r.code, r.due) for r in rows] == [("441702", 4)]


def test_another_county_sees_nothing_of_the_visits(month_plan, yangxi):
    month, _people = month_plan
    total, rows = selectors.rate_rows(yangxi, month, "441702")
    assert total.due == 0 and rows == []
    client = page_client(yangxi)
    assert "陈秀英" not in client.get(f"/visits/missed/?month={month:%Y-%m}&division=441702").content.decode()
    visit = Visit.objects.first()
    assert client.get(f"/visits/visit/{visit.pk}/record/").status_code in (403, 404)
    api = api_client(yangxi)
    assert api.get("/api/v1/visits/visits/").json()["count"] == 0


def test_a_weekly_person_counts_once_when_any_visit_is_recorded(person, visitor, beimen):
    visitor("何晓敏", user=beimen)
    p = person(living="alone", level=2)
    month = selectors.last_month()
    plans.generate("441702", month)
    first = Visit.objects.filter(person=p, month=month).order_by("seq").first()
    services.visit_record(by=beimen, visit=first,
                          data=_data(visited_at=timezone.make_aware(dt.datetime.combine(month, dt.time(9)))))
    total, _rows = selectors.rate_rows(beimen, month, BEIMEN)
    assert (total.due, total.visited) == (1, 1)
    assert not selectors.missed_people(beimen, month, BEIMEN).exists()


def test_recording_keeps_health_out_of_the_log_and_audits_every_view(month_plan, beimen, nanen):
    month, (chen, *_rest) = month_plan
    visit = Visit.objects.get(person=chen, month=month)
    rec = services.visit_record(by=beimen, visit=visit, data=_data(visited_at=timezone.now() - dt.timedelta(days=1)))
    created = AuditEntry.objects.filter(object_type="visits.visitrecord", object_id=str(rec.pk)).first()
    assert created is not None and "血压偏高" not in str(created.changes)
    resp = page_client(nanen).get(f"/visits/records/{rec.pk}/")
    assert resp.status_code == 200 and "血压偏高" in resp.content.decode()
    assert AuditEntry.objects.filter(action="view_sensitive", object_type="visits.visitrecord",
                                     object_id=str(rec.pk), actor_username="nanen").exists()
    api_client(nanen).get("/api/v1/visits/records/")
    assert AuditEntry.objects.filter(action="view_sensitive", object_type="visits.visitrecord",
                                     actor_username="nanen").count() >= 2


@pytest.mark.parametrize(("over", "field"), [
    ({"method": "carrier_pigeon"}, "method"),
    ({"visited_at": timezone.now() + dt.timedelta(days=2)}, "visited_at"),
    ({"visited_at": None}, "visited_at"),
    ({"health": "", "economic": "", "safety": "", "living_conditions": "", "needs": ""}, "health"),
    ({"risks": ["dragons"]}, "risks"),
    ({"referral_kind": "assessment", "referral_description": ""}, "referral_description"),
    ({"referral_kind": "lawsuit", "referral_description": "x y"}, "referral_kind"),
])
def test_bad_record_input_is_refused_with_the_field_named(month_plan, beimen, over, field):
    month, (chen, *_rest) = month_plan
    visit = Visit.objects.get(person=chen, month=month)
    with pytest.raises(ValidationFailed) as exc:
        services.visit_record(by=beimen, visit=visit, data=_data(**over))
    assert field in exc.value.details
    visit.refresh_from_db()
    assert visit.status == "planned" and not VisitRecord.objects.exists()


def test_a_record_dated_before_the_plans_month_is_refused(month_plan, beimen):
    month, (chen, *_rest) = month_plan
    with pytest.raises(ValidationFailed):
        services.visit_record(by=beimen, visit=Visit.objects.get(person=chen, month=month),
                              data=_data(visited_at=timezone.make_aware(dt.datetime.combine(month, dt.time(9)))
                                         - dt.timedelta(days=3)))


def test_a_visit_is_recorded_once(month_plan, beimen):
    month, (chen, *_rest) = month_plan
    visit = Visit.objects.get(person=chen, month=month)
    services.visit_record(by=beimen, visit=visit, data=_data())
    with pytest.raises(Conflict):
        services.visit_record(by=beimen, visit=visit, data=_data())
    with pytest.raises(Conflict):
        services.visit_missed(by=beimen, visit=visit, reason="not_home")
    assert VisitRecord.objects.count() == 1


def test_a_missed_visit_needs_a_reason_and_other_needs_words(month_plan, beimen):
    month, (chen, *_rest) = month_plan
    visit = Visit.objects.get(person=chen, month=month)
    with pytest.raises(ValidationFailed):
        services.visit_missed(by=beimen, visit=visit, reason="")
    with pytest.raises(ValidationFailed):
        services.visit_missed(by=beimen, visit=visit, reason="other", note="")
    resp = page_client(beimen).post(f"/visits/visit/{visit.pk}/missed/", {"reason": "", "note": ""})
    assert resp.status_code == 400 and "未探访原因" in resp.content.decode()


def test_the_record_form_keeps_bad_input_with_a_chinese_message(month_plan, beimen):
    month, (chen, *_rest) = month_plan
    visit = Visit.objects.get(person=chen, month=month)
    client = page_client(beimen)
    assert client.get(f"/visits/visit/{visit.pk}/record/").status_code == 200
    resp = client.post(f"/visits/visit/{visit.pk}/record/", {"method": "home", "visited_at": "2026-11-20T10:00"})
    assert resp.status_code == 400 and "请至少填写" in resp.content.decode()
    fake = io.BytesIO(b"MZ not a picture")
    fake.name = "photo.jpg"
    resp = client.post(f"/visits/visit/{visit.pk}/record/", {"method": "home", "visited_at": "2026-11-20T10:00",
                                                             "health": "良好", "photo": fake})
    assert resp.status_code == 400 and "JPG 或 PNG" in resp.content.decode()
    assert not VisitRecord.objects.exists()


def test_a_photo_is_kept_and_shown_only_within_the_jurisdiction(month_plan, beimen, yangxi, tmp_path, settings):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    month, (chen, *_rest) = month_plan
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, format="PNG")
    buf.name = "room.png"
    buf.seek(0)
    client = page_client(beimen)
    resp = client.post(f"/visits/visit/{Visit.objects.get(person=chen, month=month).pk}/record/",
                       {"method": "home", "visited_at": "2026-11-20T10:00", "health": "良好", "photo": buf})
    assert resp.status_code == 302, resp.content.decode()[:500]
    rec = VisitRecord.objects.get()
    assert rec.photo.endswith(".png")
    assert client.get(f"/visits/records/{rec.pk}/photo/").status_code == 200
    assert page_client(yangxi).get(f"/visits/records/{rec.pk}/photo/").status_code == 404


def test_a_referral_is_followed_until_closed(month_plan, beimen, nanen):
    month, (chen, *_rest) = month_plan
    rec = services.visit_record(by=beimen, visit=Visit.objects.get(person=chen, month=month),
                                data=_data(referral_kind="assessment", referral_description="行动明显不便，申请能力评估"))
    ref = Referral.objects.get()
    assert ref.status == "open" and ref.record == rec
    assert any(t.key == "visits.referrals" for t in todo_list(nanen))
    with pytest.raises(ValidationFailed):
        services.referral_close(by=nanen, referral=ref, outcome="")
    ref = services.referral_accept(by=nanen, referral=ref)
    assert ref.status == "accepted" and ref.linked_assessment is not None  # the assessment request is filed
    assert ref.linked_assessment.person_id == chen.pk
    with pytest.raises(Conflict):
        services.referral_accept(by=nanen, referral=ref)
    ref = services.referral_close(by=nanen, referral=ref, outcome="已安排评估员上门")
    assert ref.status == "closed" and ref.closed_at is not None
    assert not any(t.key == "visits.referrals" for t in todo_list(nanen))


def test_closing_a_referral_on_its_confirmation_page_needs_the_outcome(month_plan, beimen, nanen):
    month, (chen, *_rest) = month_plan
    rec = services.visit_record(by=beimen, visit=Visit.objects.get(person=chen, month=month), data=_data())
    ref = services.referral_open(by=beimen, record=rec, kind="emergency", description="家中燃气泄漏")
    assert ref.due_date == timezone.localdate()
    client = page_client(nanen)
    assert client.get(f"/visits/referrals/{ref.pk}/close/").status_code == 200
    assert client.post(f"/visits/referrals/{ref.pk}/close/", {"comment": ""}).status_code == 400
    assert client.post(f"/visits/referrals/{ref.pk}/close/", {"comment": "已通知燃气公司上门处置"}).status_code == 302
    ref.refresh_from_db()
    assert ref.status == "closed" and ref.outcome == "已通知燃气公司上门处置"
    assert page_client(beimen).get(f"/visits/referrals/{ref.pk}/close/").status_code == 403


def test_overdue_visits_alert_the_worker_and_their_supervisor(month_plan, beimen, nanen):
    keys_worker = {t.key: t for t in todo_list(beimen)}
    assert keys_worker["visits.mine_overdue"].item.count == 3 and keys_worker["visits.mine_overdue"].item.urgent
    keys_super = {t.key: t for t in todo_list(nanen)}
    assert keys_super["visits.supervised_overdue"].item.count == 3
    page = page_client(nanen).get(keys_super["visits.supervised_overdue"].item.link).content.decode()
    assert "陈秀英" in page


def test_the_workers_list_on_the_phone_and_the_call_is_an_audited_reveal(person, visitor, beimen):
    visitor("何晓敏", user=beimen)
    p = person(living="alone", name="陈秀英", phone="13812345678")
    plans.generate("441702", timezone.localdate().replace(day=1))
    client = page_client(beimen)
    page = client.get("/visits/mine/").content.decode()
    assert "陈秀英" in page and "138******78" in page and "13812345678" not in page
    visit = Visit.objects.get(person=p)
    resp = client.post(f"/visits/visit/{visit.pk}/call/")
    assert resp.status_code == 302 and resp["Location"] == "tel:13812345678"
    entry = AuditEntry.objects.filter(action="reveal", object_type="people.person", object_id=str(p.pk)).get()
    assert entry.extra["reason"] == "定期探访联系老人"
    assert client.get(f"/visits/visit/{visit.pk}/call/").status_code == 405  # a GET reveals nothing


def test_the_api_gives_the_workers_list_and_takes_a_record(person, visitor, beimen):
    visitor("何晓敏", user=beimen)
    p = person(living="alone")
    plans.generate("441702", timezone.localdate().replace(day=1))
    api = api_client(beimen)
    rows = api.get("/api/v1/visits/mine/").json()["results"]
    assert [r["person_name"] for r in rows] == ["陈秀英"]
    visit_id = rows[0]["id"]
    bad = api.post(f"/api/v1/visits/visits/{visit_id}/record/", {"method": "home"}, content_type="application/json")
    assert bad.status_code == 400 and "error" in bad.json()
    ok = api.post(f"/api/v1/visits/visits/{visit_id}/record/",
                  {"method": "phone", "visited_at": timezone.now().isoformat(), "health": "精神好"},
                  content_type="application/json")
    assert ok.status_code == 201, ok.json()
    again = api.post(f"/api/v1/visits/visits/{visit_id}/record/",
                     {"method": "phone", "visited_at": timezone.now().isoformat(), "health": "精神好"},
                     content_type="application/json")
    assert again.status_code == 409
    assert api.get("/api/v1/visits/mine/").json()["results"] == []
    assert Visit.objects.get(person=p).status == "done"
