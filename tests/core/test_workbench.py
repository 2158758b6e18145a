"""The workbench opens on each role's to-do list: counts scoped to the user, links the user may open,
the institution operator's own figures, and the assessor's visits of today and this week."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.conftest import make_id
from yanglao.admissions.models import Application, Offer
from yanglao.assessments.models import Assessment
from yanglao.assessments.workbench import week_end
from yanglao.benefits.models import Enrolment, PaymentRun, Programme
from yanglao.core.models import AuditAction, AuditEntry, Organisation
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.core.todos import TodoItem, register_todo, todo_list
from yanglao.institutions import services as inst_services
from yanglao.institutions.models import InstitutionChangeRequest, OperatingRate, OperatingRun, Residency
from yanglao.people.models import ImportJob, UnmaskedExportRequest
from yanglao.people.services import person_create

pytestmark = pytest.mark.django_db

JC = "441702001001"  # 江城区 南恩街道 北门社区
YX = "441721100005"  # 阳西县
_seq = itertools.count(100)


def person(by, division_code=JC, *, name="陈秀英", birth="19440315", contact=True, address="北门路1号"):
    data = {"name": name, "id_number": make_id(region=division_code[:6], birth=birth, seq=f"{next(_seq):03d}"),
            "division_code": division_code, "address": address, "living_situation": "alone"}
    if contact:
        data |= {"contact_name": "陈志强", "contact_phone": "13912345678", "contact_relation": "儿子"}
    return person_create(by=by, data=data)


def todos(user) -> dict[str, TodoItem]:
    return {t.key: t.item for t in todo_list(user)}


@pytest.fixture
def yangxi(divisions):
    return make_user(Role.COUNTY_STAFF, "441721", username="yangxi")


@pytest.fixture
def assessors(divisions):
    return (make_user(Role.ASSESSOR, "441702", username="assessor1", real_name="吴志坚"),
            make_user(Role.ASSESSOR, "441702", username="assessor2", real_name="郑美玲"))


def assessment(p, status, a1=None, a2=None, **fields):
    return Assessment.objects.create(person=p, division_code=p.division_code, status=status,
                                     assessor_1=a1, assessor_2=a2, **fields)


def test_county_counts_only_its_own_county(jiangcheng, yangxi, assessors):
    a1, a2 = assessors
    ya1 = make_user(Role.ASSESSOR, "441721", username="yx-a1")
    ya2 = make_user(Role.ASSESSOR, "441721", username="yx-a2")
    now = timezone.now()
    for _ in range(2):
        assessment(person(jiangcheng), "submitted", a1, a2, submitted_at=now - dt.timedelta(days=3))
    for _ in range(3):
        assessment(person(yangxi, YX), "submitted", ya1, ya2, submitted_at=now)
    programme = Programme.objects.create(code="p1", name="护理补贴", kind="subsidy")
    other = make_user(Role.TOWNSHIP_STAFF, "441702001", username="nanen")
    Enrolment.objects.create(person=person(jiangcheng), programme=programme, from_month=dt.date(2026, 1, 1),
                             applied_by=other, division_code=JC)
    Enrolment.objects.create(person=person(yangxi, YX), programme=programme, from_month=dt.date(2026, 1, 1),
                             applied_by=yangxi, division_code=YX)
    Enrolment.objects.create(person=person(yangxi, YX), programme=programme, from_month=dt.date(2026, 1, 1),
                             applied_by=make_user(Role.TOWNSHIP_STAFF, "441721100", username="yx-t"),
                             division_code=YX)

    jc, yx = todos(jiangcheng), todos(yangxi)
    assert jc["assessments.to_review"].count == 2
    assert jc["assessments.to_review"].link == "/assessments/?status=submitted"
    assert yx["assessments.to_review"].count == 3
    assert jc["benefits.enrolments"].count == 1
    assert yx["benefits.enrolments"].count == 1  # its own application waits for someone else
    page = page_client(jiangcheng).get("/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-todo="assessments.to_review"' in text and "等待最久 3 天" in text


def test_a_reviewer_never_counts_what_they_assessed_themselves(jiangcheng, assessors):
    a1, a2 = assessors
    assessment(person(jiangcheng), "submitted", a1, a2, submitted_at=timezone.now())
    assert "assessments.to_review" not in todos(a1)  # assessors do not review
    assert todos(jiangcheng)["assessments.to_review"].count == 1


def test_a_preparer_does_not_see_their_own_run_awaiting_their_approval(city_admin):
    city2 = make_user(Role.CITY_ADMIN, "4417", username="city2")
    programme = Programme.objects.create(code="gaoling", name="高龄津贴", kind="allowance")
    run = PaymentRun.objects.create(programme=programme, month=dt.date(2026, 10, 1), status="preview",
                                    prepared_by=city_admin, prepared_at=timezone.now())
    assert "benefits.runs_to_approve" not in todos(city_admin)
    item = todos(city2)["benefits.runs_to_approve"]
    assert item.count == 1 and item.link == f"/benefits/runs/{run.pk}/"
    assert "benefits.runs_to_approve" not in todos(make_user(Role.COUNTY_STAFF, "441702"))  # no benefits.approve


def test_operating_runs_and_change_requests_wait_for_someone_else_in_the_county(jiangcheng, yangxi):
    rate = OperatingRate.objects.create(
        valid_from=dt.date(2020, 1, 1), document_no="阳民〔测试〕1号", base_by_level={"0": "100"},
        star_percent={"0": 0}, medical_supplement=Decimal("0"), construction_per_bed=Decimal("0"),
        construction_per_nursing_bed=Decimal("0"))
    OperatingRun.objects.create(month=dt.date(2026, 10, 1), division_code="441702", prepared_by=yangxi, rate=rate)
    OperatingRun.objects.create(month=dt.date(2026, 10, 1), division_code="441721", prepared_by=yangxi, rate=rate)
    inst = inst_services.institution_create(by=jiangcheng, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": JC, "address": "北门路9号", "capacity": 10})
    operator = make_user(Role.INSTITUTION_OPERATOR, "", username="carehome",
                         organisation=Organisation.objects.create(name="福利中心", kind="institution"))
    InstitutionChangeRequest.objects.create(institution=inst, proposed={"phone": "0662-3300000"},
                                            requested_by=operator, division_code=JC)
    jc, yx = todos(jiangcheng), todos(yangxi)
    assert jc["institutions.operating_runs"].count == 1
    assert "institutions.operating_runs" not in yx  # it prepared the 阳西 run itself; the 江城 one is not its own
    assert jc["institutions.change_requests"].count == 1
    assert "institutions.change_requests" not in yx


def test_reassessments_due_and_overdue_are_counted_and_overdue_is_urgent(jiangcheng, yangxi):
    today = timezone.localdate()
    for days in (-5, -40):  # overdue
        assessment(person(jiangcheng), "approved", level=2, base_level=2, total=50, valid_from=today - dt.timedelta(days=400),
                   valid_until=today + dt.timedelta(days=days), approved_at=timezone.now(), reviewer=jiangcheng)
    assessment(person(jiangcheng), "approved", level=1, base_level=1, total=70, valid_from=today - dt.timedelta(days=350),
               valid_until=today + dt.timedelta(days=10), approved_at=timezone.now(), reviewer=jiangcheng)
    assessment(person(yangxi, YX), "approved", level=1, base_level=1, total=70, valid_from=today - dt.timedelta(days=400),
               valid_until=today - dt.timedelta(days=3), approved_at=timezone.now(), reviewer=yangxi)
    jc = todos(jiangcheng)
    assert jc["assessments.overdue"].count == 2 and jc["assessments.overdue"].urgent
    assert jc["assessments.due"].count == 1 and not jc["assessments.due"].urgent
    assert todos(yangxi)["assessments.overdue"].count == 1
    assert list(todos(jiangcheng))[0] == "assessments.overdue"  # overdue first
    html = page_client(jiangcheng).get("/").content.decode()
    assert re.search(r'class="todo urgent" data-todo="assessments.overdue"', html)


def test_imports_with_errors_and_unmasked_exports_awaiting_a_second_signature(jiangcheng, yangxi, city_admin):
    now = timezone.now()
    base = {"filename": "花名册.xlsx", "file_path": "x", "file_sha256": "0" * 64, "status": "done", "finished_at": now}
    ImportJob.objects.create(created_by=jiangcheng, division_code="441702", error_rows=3, **base)
    ImportJob.objects.create(created_by=jiangcheng, division_code="441702", error_rows=0, **base)
    ImportJob.objects.create(created_by=yangxi, division_code="441721", error_rows=5, **base)
    old = base | {"finished_at": now - dt.timedelta(days=45)}
    ImportJob.objects.create(created_by=jiangcheng, division_code="441702", error_rows=5, **old)
    jc2 = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng2")
    UnmaskedExportRequest.objects.create(requested_by=jc2, division_code="441702", reason="核对待遇发放名单",
                                         row_count=900)
    UnmaskedExportRequest.objects.create(requested_by=yangxi, division_code="441721", reason="核对待遇发放名单",
                                         row_count=900)
    jc = todos(jiangcheng)
    assert jc["people.imports_with_errors"].count == 1
    assert jc["people.imports_with_errors"].link.startswith("/people/import/")
    assert jc["people.unmasked_exports"].count == 1
    assert "people.unmasked_exports" not in todos(jc2)  # its own request
    assert todos(city_admin)["people.unmasked_exports"].count == 2


def test_every_link_in_every_roles_todo_list_opens_for_that_user(jiangcheng, city_admin, assessors):
    a1, a2 = assessors
    today = timezone.localdate()
    p = person(jiangcheng)
    assessment(p, "submitted", a1, a2, submitted_at=timezone.now())
    assessment(person(jiangcheng), "scheduled", a1, a2, scheduled_on=today)
    assessment(person(jiangcheng), "approved", level=2, base_level=2, total=50, valid_from=today - dt.timedelta(days=400),
               valid_until=today - dt.timedelta(days=2), approved_at=timezone.now(), reviewer=jiangcheng)
    city2 = make_user(Role.CITY_ADMIN, "4417", username="city2")
    programme = Programme.objects.create(code="gaoling", name="高龄津贴", kind="allowance")
    PaymentRun.objects.create(programme=programme, month=dt.date(2026, 10, 1), status="preview",
                              prepared_by=city2, prepared_at=timezone.now())
    Enrolment.objects.create(person=p, programme=programme, from_month=dt.date(2026, 1, 1), applied_by=city2,
                             division_code=JC)
    ImportJob.objects.create(created_by=jiangcheng, division_code="441702", error_rows=3, filename="a.xlsx",
                             file_path="x", file_sha256="0" * 64, status="done", finished_at=timezone.now())
    AuditEntry.objects.create(action=AuditAction.SECURITY, division_code="441702", object_repr="登录失败")
    auditor = make_user(Role.AUDITOR, "4417", username="auditor")
    seen = 0
    for user in (jiangcheng, city_admin, a1, auditor, make_user(Role.TOWNSHIP_STAFF, "441702001")):
        client = page_client(user)
        for t in todo_list(user):
            seen += 1
            response = client.get(t.item.link)
            assert response.status_code == 200, (user.username, t.key, t.item.link, response.status_code)
    assert seen >= 8
    assert todos(auditor)["core.security_events"].link.startswith("/audit/?action=security&date_from=")


def test_a_link_the_user_may_not_open_is_left_out(jiangcheng):
    register_todo("test.forbidden", "测试", lambda user: TodoItem(count=1, link="/audit/"))
    try:
        assert "test.forbidden" not in todos(jiangcheng)  # /audit/ needs audit.view
    finally:
        from yanglao.core.todos import TODOS

        TODOS.pop("test.forbidden")


def test_an_empty_todo_list_says_so_kindly(divisions):
    provider = make_user(Role.SERVICE_PROVIDER, "", username="provider",
                         organisation=Organisation.objects.create(name="康乐居家", kind="provider"))
    html = page_client(provider).get("/").content.decode()
    assert 'data-testid="todo-empty"' in html and "暂无待办" in html


def test_the_operator_sees_its_own_institutions_figures_not_the_registry(jiangcheng):
    org = Organisation.objects.create(name="江城区社会福利中心", kind="institution")
    inst = inst_services.institution_create(by=jiangcheng, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": JC, "address": "北门路9号", "capacity": 10,
        "accepts_public_admission": True})
    inst.operator = org
    inst.save()
    other = inst_services.institution_create(by=jiangcheng, data={
        "name": "别家", "ownership": "private", "division_code": JC, "address": "x", "capacity": 10})
    beds = inst_services.beds_add(by=jiangcheng, institution=inst, building="1号楼", floor="1", rooms=["101", "102"],
                                  beds_per_room=2, bed_type="nursing")
    inst_services.beds_add(by=jiangcheng, institution=other, building="1号楼", floor="1", rooms=["101"],
                           beds_per_room=3, bed_type="nursing")
    resident = person(jiangcheng)
    Residency.objects.create(person=resident, institution=inst, bed=beds[0], admitted_on=dt.date(2026, 1, 5),
                             division_code=JC)
    beds[0].status = "occupied"
    beds[0].save()
    applicant = person(jiangcheng)
    app = Application.objects.create(number="A1", person=applicant, institution=inst, applied_at=timezone.now(),
                                     priority_rank=1, priority_name="特困", division_code=JC, institution_division_code=JC)
    Offer.objects.create(application=app, bed=beds[1], offered_by=jiangcheng, offered_at=timezone.now(),
                         respond_by=timezone.localdate() - dt.timedelta(days=1), division_code=JC)
    operator = make_user(Role.INSTITUTION_OPERATOR, "", username="carehome", organisation=org)
    response = page_client(operator).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    cards = dict(re.findall(r'data-card="(\w+)"><div class="label">[^<]*</div><div class="value">([^<]*)<', html))
    assert cards == {"own_residents": "1", "own_beds": "4", "own_vacant_beds": "3", "own_waiting": "1",
                     "own_offers": "1"}
    offers = todos(operator)["admissions.offers"]
    assert offers.count == 1 and offers.urgent and offers.link == f"/admissions/?institution={inst.pk}"
    assert page_client(operator).get(offers.link).status_code == 200
    assert 'data-testid="home-divisions"' not in html  # no registry overview it could not read


def test_the_assessor_home_lists_todays_and_this_weeks_visits_only(jiangcheng, assessors):
    a1, a2 = assessors
    today = timezone.localdate()
    sunday = week_end(today)
    assert sunday == today + dt.timedelta(days=6)
    todays = assessment(person(jiangcheng, name="黄秀英", birth="19400102"), "scheduled", a1, a2, scheduled_on=today,
                        place="家中")
    later = assessment(person(jiangcheng, name="林桂芳"), "in_progress", a2, a1, scheduled_on=sunday)
    assessment(person(jiangcheng, name="何伟明"), "scheduled", a1, a2, scheduled_on=sunday + dt.timedelta(days=1))
    assessment(person(jiangcheng, name="梁月娥"), "scheduled", a1, a2, scheduled_on=today - dt.timedelta(days=1))
    assessment(person(jiangcheng, name="周玉兰"), "submitted", a1, a2, scheduled_on=today)
    other = make_user(Role.ASSESSOR, "441702", username="assessor3")
    assessment(person(jiangcheng, name="冯淑珍"), "scheduled", other, a2, scheduled_on=today)

    html = page_client(a1).get("/").content.decode()
    today_part = html.split('data-testid="visits-today"')[1].split('data-testid="visits-week"')[0]
    week_part = html.split('data-testid="visits-week"')[1]
    assert "黄秀英" in today_part and f'data-assessment="{todays.pk}"' in today_part
    assert f"{todays.person.age_on(today)}岁" in today_part
    assert "1940" not in html  # the age, never the birth date
    assert "北门社区" in today_part and "北门路1号" in today_part
    assert "139******78" in today_part and "13912345678" not in html
    assert f"/assessments/{todays.pk}/record/" in today_part
    assert "林桂芳" in week_part and f'data-assessment="{later.pk}"' in week_part
    for name in ("何伟明", "梁月娥", "周玉兰", "冯淑珍"):
        assert name not in today_part + week_part
    assert todos(a1)["assessments.to_record"].count == 4  # to record: this week's, next week's and yesterday's
    assert todos(a1)["assessments.to_record"].urgent  # yesterday's appointment was missed


def test_calling_the_family_is_an_audited_reveal_that_opens_the_dialler(jiangcheng, assessors):
    a1, a2 = assessors
    a = assessment(person(jiangcheng), "scheduled", a1, a2, scheduled_on=timezone.localdate())
    contact = a.person.contacts.get()
    url = f"/assessments/{a.pk}/call/{contact.pk}/"
    assert page_client(a1).get(url).status_code == 405  # a reveal is never a GET
    response = page_client(a1).post(url)
    assert response.status_code == 302 and response["Location"] == "tel:13912345678"
    line = AuditEntry.objects.filter(action=AuditAction.REVEAL, actor_username="assessor1").get()
    assert line.extra["reason"] == "上门评估联系家属" and line.extra["fields"] == ["phone"]
    stranger = make_user(Role.ASSESSOR, "441702", username="assessor3")
    assert page_client(stranger).post(url).status_code == 404  # not their assignment: not found
    assert page_client(jiangcheng).post(url).status_code == 403  # county staff do not record
    Assessment.objects.filter(pk=a.pk).update(status="submitted")
    response = page_client(a1).post(url)  # submitted: the visit is over, no more reveals through it
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEntry.objects.filter(action=AuditAction.REVEAL).count() == 1
