"""SMS to older people and families: the bed offer reaches the family, numbers are never in clear in
the log, opt-outs are respected, templates are the city's, and the log is scoped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yanglao.admissions import services as admissions
from yanglao.benefits import services as benefits
from yanglao.core.roles import Role
from yanglao.core.testing import assert_jurisdiction_scoped, make_user, page_client
from yanglao.notices import sms
from yanglao.notices.models import Notice, SmsMessage, SmsStatus

pytestmark = pytest.mark.django_db
CLEAR = ("13800001234", "13912345678")


def offer_to(person, home, by):
    app = admissions.application_create(by=by, person=person, institution=home)
    return admissions.offer_bed(by=by, application=app, bed=home.beds.order_by("pk").first())


def test_a_family_receives_the_bed_offer_by_sms_with_the_reply_deadline(
        jiangcheng, home, family_person, django_capture_on_commit_callbacks, caplog):
    person = family_person()
    with caplog.at_level("INFO", logger="yanglao.sms"), django_capture_on_commit_callbacks(execute=True):
        offer = offer_to(person, home, jiangcheng)
    rows = {m.recipient_kind: m for m in SmsMessage.objects.filter(template="bed_offer")}
    assert set(rows) == {"person", "family"}
    family = rows["family"]
    assert family.status == SmsStatus.SENT and family.gateway == "log" and family.sent_at
    assert family.recipient_label == "监护人 陈明（儿子）" and family.phone_masked == "139******78"
    d = offer.respond_by
    assert f"{d.year}年{d.month}月{d.day}日前" in family.body and "江城区社会福利中心" in family.body
    assert family.source == f"admissions.offer:{offer.pk}"
    # the demo's gateway wrote it to the log, masked
    assert "139******78" in caplog.text and "13912345678" not in caplog.text


def test_the_sms_log_never_holds_a_number_in_clear(jiangcheng, home, family_person,
                                                   django_capture_on_commit_callbacks):
    person = family_person()
    with django_capture_on_commit_callbacks(execute=True):
        offer_to(person, home, jiangcheng)
    assert SmsMessage.objects.count() == 2
    for row in SmsMessage.objects.values():
        text = repr(row)
        assert not any(n in text for n in CLEAR), row
        assert row["phone_enc"] == ""  # encrypted only while queued; cleared once sent
        assert row["phone_hash"] and len(row["phone_hash"]) == 64
    page = page_client(jiangcheng).get("/notices/sms/").content.decode()
    assert "138******34" in page and "139******78" in page
    assert not any(n in page for n in CLEAR)


def test_nothing_is_sent_to_a_person_who_opted_out(jiangcheng, home, family_person, django_capture_on_commit_callbacks):
    person = family_person()
    sms.opt_out_record(by=jiangcheng, person=person, source="phone_call", note="本人来电表示不需要短信")
    with django_capture_on_commit_callbacks(execute=True):
        offer_to(person, home, jiangcheng)
    rows = list(SmsMessage.objects.all())
    assert len(rows) == 2 and {r.status for r in rows} == {SmsStatus.OPTED_OUT}
    assert all(r.phone_enc == "" and r.attempts == 0 and not r.sent_at for r in rows)


def test_a_family_number_that_opted_out_gets_nothing_while_the_person_still_does(
        jiangcheng, home, family_person, django_capture_on_commit_callbacks):
    person = family_person()
    page_client(jiangcheng).post("/notices/sms/optouts/", {
        "person": person.pk, "phone": "139 1234 5678", "source": "written",
        "opted_out_on": timezone.localdate().isoformat(), "note": "儿子书面申请"})
    with django_capture_on_commit_callbacks(execute=True):
        offer_to(person, home, jiangcheng)
    status = dict(SmsMessage.objects.values_list("recipient_kind", "status"))
    assert status == {"family": SmsStatus.OPTED_OUT, "person": SmsStatus.SENT}


def test_an_opt_out_stops_what_is_still_waiting(jiangcheng, home, family_person):
    person = family_person()
    offer_to(person, home, jiangcheng)  # on-commit callbacks not run: both messages still queued
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {SmsStatus.QUEUED}
    sms.opt_out_record(by=jiangcheng, person=person, source="sms_reply")
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {SmsStatus.OPTED_OUT}
    assert sms.dispatch_due() == {}


def test_a_withdrawn_opt_out_lets_messages_through_again(jiangcheng, family_person):
    person = family_person()
    row = sms.opt_out_record(by=jiangcheng, person=person, source="phone_call", on=timezone.localdate() - dt.timedelta(days=30))
    sms.opt_out_withdraw(by=jiangcheng, opt_out=row)
    assert not sms.opted_out(person.pk, sms.phone_hash("13800001234"))


def test_the_city_edits_a_template_and_its_placeholders_are_checked(city_admin, jiangcheng, home, family_person,
                                                                    django_capture_on_commit_callbacks):
    client = page_client(city_admin)
    bad = client.post("/notices/sms/templates/bed_offer/", {"body": "{name}您好，{id_number}"})
    assert bad.status_code == 200 and "不能使用" in bad.content.decode()
    got = client.post("/notices/sms/templates/bed_offer/", {"body": "【阳江民政】{name}：{institution}有床位，{respond_by}前答复。"})
    assert got.status_code == 302
    person = family_person()
    with django_capture_on_commit_callbacks(execute=True):
        offer_to(person, home, jiangcheng)
    assert SmsMessage.objects.first().body.startswith("【阳江民政】陈秀英：江城区社会福利中心有床位")
    assert page_client(jiangcheng).get("/notices/sms/templates/").status_code == 403


def test_a_suspended_allowance_tells_the_person_why(jiangcheng, age_allowance, family_person,
                                                    django_capture_on_commit_callbacks):
    person = family_person()
    with django_capture_on_commit_callbacks(execute=True):
        benefits.suspension_create(by=jiangcheng, person=person, programme=age_allowance, reason="imprisonment",
                                   from_month=dt.date(2026, 6, 1), note="2026年5月起服刑")
    msg = SmsMessage.objects.get(template="allowance_suspended", recipient_kind="person")
    assert "高龄津贴自2026年6月起暂停发放，原因：服刑（2026年5月起服刑）" in msg.body
    assert msg.status == SmsStatus.SENT


def test_assigning_an_assessment_tells_both_assessors_and_texts_the_appointment(
        jiangcheng, family_person, django_capture_on_commit_callbacks):
    from yanglao.assessments import services as assessments

    person = family_person()
    a1 = make_user(Role.ASSESSOR, "441702", username="assessor-a")
    a2 = make_user(Role.ASSESSOR, "441702", username="assessor-b")
    request = assessments.assessment_request(by=jiangcheng, person=person)
    with django_capture_on_commit_callbacks(execute=True):
        assessments.assessment_schedule(by=jiangcheng, assessment=request, assessor_1=a1, assessor_2=a2,
                                        scheduled_on=dt.date(2026, 12, 3), place="北门路1号")
    assert set(Notice.objects.filter(kind="assessments.assigned").values_list("recipient", flat=True)) == {a1.pk, a2.pk}
    assert "待评估 1" in page_client(a1).get("/").content.decode()
    msg = SmsMessage.objects.get(template="assessment_appointment", recipient_kind="person")
    assert "2026年12月3日" in msg.body and "北门路1号" in msg.body


def test_a_declined_offer_tells_who_offered_it(jiangcheng, home, family_person, django_capture_on_commit_callbacks):
    colleague = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng-b")
    person = family_person()
    offer = offer_to(person, home, jiangcheng)
    with django_capture_on_commit_callbacks(execute=True):
        admissions.offer_decline(by=colleague, offer=offer, reason="家属希望离家近")
    notice = Notice.objects.get(recipient=jiangcheng, kind="admissions.declined")
    assert "放弃" in notice.title and "家属希望离家近" in notice.body
    assert not Notice.objects.filter(recipient=colleague).exists()  # not the one who recorded it


def test_the_offer_deadline_reminder_is_sent_once_a_day(jiangcheng, home, family_person):
    from yanglao.notices.deadlines import run_daily

    offer = offer_to(family_person(), home, jiangcheng)
    day_before = offer.respond_by - dt.timedelta(days=1)
    run_daily(day_before)
    run_daily(day_before)
    assert Notice.objects.filter(recipient=jiangcheng, kind="admissions.deadline").count() == 1
    run_daily(offer.respond_by)
    assert Notice.objects.filter(recipient=jiangcheng, kind="admissions.deadline").count() == 2


def test_the_sms_log_is_scoped_to_the_county(jiangcheng, home, family_person, django_capture_on_commit_callbacks):
    person = family_person(name="黄秀英")
    with django_capture_on_commit_callbacks(execute=True):
        offer_to(person, home, jiangcheng)
    assert_jurisdiction_scoped(division_code=person.division_code, list_url="/notices/sms/", marker="黄秀英", api=False)
    # an institution operator has no SMS log at all
    assert page_client(make_user(Role.AUDITOR, "4417")).get("/notices/sms/").status_code == 403


def test_a_message_that_could_not_be_delivered_tells_the_community_to_phone(
        jiangcheng, home, family_person, divisions, django_capture_on_commit_callbacks):
    from yanglao.notices.gateways import SmsPermanentError

    class Refusing:
        name = "http"

        def send(self, phone, text, *, reference):
            raise SmsPermanentError("号码已停机")

    community = make_user(Role.COMMUNITY_WORKER, "441702001001", username="beimen")
    county_only = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng-c")
    offer_to(family_person(), home, jiangcheng)
    msg = SmsMessage.objects.filter(recipient_kind="family").get()
    with django_capture_on_commit_callbacks(execute=True):
        sms.deliver_one(msg.pk, gateway=Refusing())
    notice = Notice.objects.get(kind="notices.sms_failed")
    assert notice.recipient == community and "陈明" in notice.title and "号码已停机" in notice.body
    assert not Notice.objects.filter(recipient=county_only).exists()
