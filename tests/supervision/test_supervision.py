"""The supervision workflow on the real database: the draw in a meeting, publication, verification by anyone,
inspections to closure, results published within 20 working days, complaints, fire safety and credit."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from yanglao.core.errors import Conflict, ValidationFailed
from yanglao.core.models import AuditEntry
from yanglao.core.roles import Role
from yanglao.core.testing import assert_jurisdiction_scoped, make_user, page_client
from yanglao.supervision import draw, services, workdays
from yanglao.supervision.models import (
    CalendarDay,
    CalendarYear,
    CreditEntry,
    DrawRecord,
    Inspection,
    Target,
)
from yanglao.supervision.models import (
    Conflict as ConflictRow,
)

from .conftest import CIVIL, MARKET

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(out, format="PNG")
    return SimpleUploadedFile("现场.png", out.getvalue(), content_type="image/png")


# ---- the draw --------------------------------------------------------------------------------------------

def test_the_draw_needs_a_seed_announced_first_and_runs_once(world, city_admin):
    plan = services.plan_create(by=city_admin, title="计划", period="2026年第4季度", items=world["items"],
                                ratio_percent=25, departments=[CIVIL, MARKET])
    with pytest.raises(Conflict, match="请先公布随机种子"):
        services.perform_draw(by=city_admin, plan=plan)
    services.announce_seed(by=city_admin, plan=plan, seed="123456789", source="现场摇号")
    with pytest.raises(Conflict, match="不能更改"):
        services.announce_seed(by=city_admin, plan=plan, seed="987654321", source="再次")
    services.perform_draw(by=city_admin, plan=plan)
    with pytest.raises(Conflict, match="不能重复抽取"):
        services.perform_draw(by=city_admin, plan=plan)
    assert DrawRecord.objects.filter(plan=plan).count() == 1


def test_a_draw_stores_seed_hashes_version_and_result_and_creates_the_inspections(drawn):
    plan, record = drawn
    doc = record.document
    assert doc["algorithm"] == "v1" and doc["seed"] == "2026137-05-09-14"
    assert record.targets_hash == draw.register_hash(doc["targets"])
    assert record.inspectors_hash == draw.register_hash(doc["inspectors"])
    assert draw.verify(doc).ok
    rows = Inspection.objects.filter(plan=plan)
    assert rows.count() == len(doc["result"]) > 0
    for inspection in rows:
        assert inspection.inspectors.count() >= 2
    # The published registers carry no personal data: no inspector's name.
    text = json.dumps(doc, ensure_ascii=False)
    assert "民政0" not in text and "市监0" not in text


def test_the_same_registers_and_seed_give_the_same_list_when_drawn_again(world, city_admin, drawn):
    _plan, record = drawn
    t, i = services.register_snapshot(exclude_plan=record.plan, departments=record.plan.departments)
    assert draw.register_hash(t) == record.targets_hash
    again = draw.run(seed=record.document["seed"], params=record.document["params"], targets=t, inspectors=i)
    assert again == record.document["result"]


def test_bad_plans_are_refused_with_the_reason(world, city_admin):
    with pytest.raises(ValidationFailed, match="最低比例"):
        services.plan_create(by=city_admin, title="计划", period="Q4", items=world["items"], ratio_percent=3,
                             departments=[CIVIL])
    with pytest.raises(ValidationFailed, match="至少选择一个抽查事项"):
        services.plan_create(by=city_admin, title="计划", period="Q4", items=[], ratio_percent=20, departments=[CIVIL])
    with pytest.raises(ValidationFailed, match="参加检查的部门"):
        services.plan_create(by=city_admin, title="计划", period="Q4", items=world["items"], ratio_percent=20,
                             departments=[" "])
    plan = services.plan_create(by=city_admin, title="计划", period="Q4", items=world["items"], ratio_percent=20,
                                departments=[CIVIL])
    with pytest.raises(ValidationFailed, match="至少6个字符"):
        services.announce_seed(by=city_admin, plan=plan, seed="123", source="x")


def test_inspections_of_the_last_year_become_conflicts_and_checked_items_in_the_next_draw(drawn):
    _plan, record = drawn
    first = record.document["result"][0]
    targets, inspectors = services.register_snapshot()
    entry = next(t for t in targets if t["reg_no"] == first["target"])
    assert first["item"] in entry["checked"]
    for code in first["inspectors"]:
        assert first["target"] in next(i for i in inspectors if i["code"] == code)["conflicts"]


def test_declared_conflicts_are_avoided_and_risk_flags_raise_the_weight(world, city_admin):
    target = Target.objects.order_by("reg_no").first()
    services.conflict_add(by=city_admin, inspector=world["inspectors"][0], target=target, kind="relative")
    with pytest.raises(Conflict):
        services.conflict_add(by=city_admin, inspector=world["inspectors"][0], target=target, kind="relative")
    assert ConflictRow.objects.count() == 1
    services.credit_add(by=city_admin, target=target, kind="penalty", title="罚款", authority="市民政局",
                        decided_on=timezone.localdate() - dt.timedelta(days=30))
    target.refresh_from_db()
    assert target.violations == 1 and target.weight == 3
    targets, inspectors = services.register_snapshot()
    assert next(t for t in targets if t["reg_no"] == target.reg_no)["weight"] == 3
    assert target.reg_no in next(i for i in inspectors if i["code"] == world["inspectors"][0].code)["conflicts"]


def test_verify_draw_command_says_match_for_the_record_and_mismatch_for_a_tampered_one(drawn, tmp_path):
    _plan, record = drawn
    out = io.StringIO()
    call_command("verify_draw", str(record.pk), stdout=out)
    assert "MATCH" in out.getvalue()
    path = tmp_path / "record.json"
    doc = json.loads(json.dumps(record.document))
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("verify_draw", str(path), stdout=out)
    assert "一致" in out.getvalue()
    doc["result"][0]["inspectors"].reverse()
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="MISMATCH"):
        call_command("verify_draw", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_a_member_of_the_public_reruns_a_published_draw_and_gets_the_same_list(drawn, city_admin):
    plan, record = drawn
    public = Client()
    assert public.get(f"/public/supervision/draws/{record.pk}/").status_code == 404  # not yet published
    services.publish_draw(by=city_admin, plan=plan)
    page = public.get(f"/public/supervision/draws/{record.pk}/?verify=1").content.decode()
    assert 'data-testid="verification"' in page and "一致" in page
    body = public.get(f"/public/supervision/draws/{record.pk}/record.json").content
    got = public.post("/public/supervision/verify/", {"file": SimpleUploadedFile("r.json", body)})
    assert got.status_code == 200 and "一致：重新抽取得到相同的" in got.content.decode()
    doc = json.loads(body)
    doc["result"] = doc["result"][1:]
    got = public.post("/public/supervision/verify/", {"text": json.dumps(doc, ensure_ascii=False)})
    assert "不一致" in got.content.decode()
    got = public.post("/public/supervision/verify/", {"text": "not json"})
    assert got.status_code == 400 and "不是有效的" in got.content.decode()


# ---- inspections, publication, working days ---------------------------------------------------------------

def test_working_days_skip_holidays_and_count_adjusted_weekend_working_days():
    # 2026 National Day: 1–7 October off, Saturday 10 October a working day (调休上班).
    assert CalendarYear.objects.filter(year=2026).exists()  # seeded from chinese-calendar by the migration
    assert not workdays.is_working_day(dt.date(2026, 10, 5))
    assert workdays.is_working_day(dt.date(2026, 10, 10))
    assert workdays.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert workdays.add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)
    assert workdays.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 12)) == 4
    assert workdays.missing_years(dt.date(2026, 11, 29)) == [2027]
    CalendarDay.objects.create(day=dt.date(2027, 1, 1), is_working=False, name="元旦")
    CalendarYear.objects.create(year=2027, source="manual", document_no="国办发明电〔2026〕X号")
    assert workdays.missing_years(dt.date(2026, 11, 29)) == []
    assert workdays.add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 4)


def test_an_inspection_from_start_to_closure_and_its_result_published_in_twenty_working_days(drawn, city_admin):
    _plan, record = drawn
    inspection = Inspection.objects.filter(plan=record.plan).select_related("item").first()
    today = timezone.localdate()
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        services.inspection_start(by=city_admin, inspection=inspection, started_on=today + dt.timedelta(days=1))
    services.inspection_start(by=city_admin, inspection=inspection, started_on=today - dt.timedelta(days=2))
    with pytest.raises(ValidationFailed, match="检查要点未填写"):
        services.inspection_finish(by=city_admin, inspection=inspection, ended_on=today, conclusion="rectify")
    services.checklist_save(by=city_admin, inspection=inspection, answers={p: "no" for p in inspection.item.checklist})
    with pytest.raises(ValidationFailed, match="无法识别"):
        services.finding_add(by=city_admin, inspection=inspection, description="x",
                             photo=SimpleUploadedFile("a.jpg", b"not an image"))
    finding = services.finding_add(by=city_admin, inspection=inspection, description="扶手缺失", photo=png())
    assert finding.photo.name.endswith(".png")
    with pytest.raises(ValidationFailed, match="应晚于今天"):
        services.rectification_order(by=city_admin, inspection=inspection, requirement="安装扶手", deadline=today)
    order = services.rectification_order(by=city_admin, inspection=inspection, requirement="安装扶手",
                                         deadline=today + dt.timedelta(days=30))
    inspection = services.inspection_finish(by=city_admin, inspection=inspection, ended_on=today, conclusion="rectify")
    assert inspection.status == "rectifying"
    assert inspection.publish_due == workdays.add_working_days(today, 20)
    services.rectification_follow_up(by=city_admin, rectification=order, note="已安装", done=True)
    inspection.refresh_from_db()
    assert inspection.status == "closed"
    services.publish_result(by=city_admin, inspection=inspection)
    with pytest.raises(Conflict):
        services.publish_result(by=city_admin, inspection=inspection)
    entry = CreditEntry.objects.get(inspection=inspection)
    assert entry.kind == "inspection" and "责令整改" in entry.title
    page = Client().get("/public/supervision/").content.decode()
    assert inspection.target.name in page


def test_the_workbench_alerts_before_the_publication_deadline(drawn, city_admin):
    from yanglao.supervision.workbench import todo_publish_due

    _plan, record = drawn
    inspection = Inspection.objects.filter(plan=record.plan).first()
    today = timezone.localdate()
    start = today - dt.timedelta(days=40)
    services.inspection_start(by=city_admin, inspection=inspection, started_on=start)
    services.inspection_finish(by=city_admin, inspection=inspection, ended_on=start, conclusion="not_found")
    item = todo_publish_due(city_admin)
    assert item is not None and item.count == 1 and item.urgent


def test_annual_on_site_inspection_lists_institutions_not_inspected_this_year(world, city_admin):
    home = world["home"]
    assert home in services.annual_missing(user=city_admin)
    target = Target.objects.get(institution=home)
    inspection = Inspection.objects.create(item=world["items"][1], target=target, division_code=target.division_code)
    services.inspection_start(by=city_admin, inspection=inspection, started_on=timezone.localdate())
    assert home not in services.annual_missing(user=city_admin)
    page = page_client(city_admin).get("/supervision/inspections/annual/").content.decode()
    assert home.name not in page


# ---- complaints, fire safety, credit ---------------------------------------------------------------------

def test_a_complaint_is_taken_in_referred_and_closed_and_a_substantiated_one_raises_the_risk(world, city_admin):
    target = Target.objects.get(institution=world["home"])
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        services.complaint_create(by=city_admin, category="abuse", received_on=timezone.localdate() + dt.timedelta(days=1),
                                  channel="12345热线", summary="x", target=target, subject_name="", division_code="441702")
    c = services.complaint_create(by=city_admin, category="abuse", received_on=timezone.localdate(), channel="12345热线",
                                  summary="护理员推搡老人", target=target, subject_name="", division_code="441702")
    assert c.number.startswith(f"TS{timezone.localdate():%Y}")
    services.complaint_refer(by=city_admin, complaint=c, department="市公安局", on=timezone.localdate())
    services.complaint_close(by=city_admin, complaint=c, outcome="查实，已处理", substantiated=True, on=timezone.localdate())
    target.refresh_from_db()
    assert target.complaints == 1 and target.weight == 2
    with pytest.raises(Conflict):
        services.complaint_refer(by=city_admin, complaint=c, department="市公安局", on=timezone.localdate())


def test_complaints_and_inspections_are_scoped_to_the_county(world, city_admin):
    target = Target.objects.get(institution=world["home"])
    c = services.complaint_create(by=city_admin, category="fundraising", received_on=timezone.localdate(),
                                  channel="来信", summary="预交床位费返利", target=target, subject_name="",
                                  division_code="441702")
    assert_jurisdiction_scoped(division_code=target.division_code, list_url="/supervision/complaints/",
                               detail_url=f"/supervision/complaints/{c.pk}/", marker=c.number, api=False)


def test_fire_safety_lists_institutions_without_acceptance_and_their_handling(world, city_admin):
    home = world["home"]
    case = services.fire_case_create(by=city_admin, institution=home, missing_paperwork="消防验收备案",
                                     handling="评估符合要求，补办备案", deadline=None)
    page = page_client(city_admin).get("/supervision/fire/").content.decode()
    assert home.name in page and "消防验收备案" in page
    services.fire_case_resolve(by=city_admin, case=case, on=timezone.localdate())
    with pytest.raises(Conflict):
        services.fire_case_resolve(by=city_admin, case=case, on=timezone.localdate())


def test_an_institutions_public_credit_page_shows_its_history_and_the_feed_exports_it(world, city_admin, inspector_user):
    target = Target.objects.get(institution=world["home"])
    services.credit_add(by=city_admin, target=target, kind="filing", title="养老机构备案", authority="市民政局",
                        decided_on=dt.date(2021, 3, 1), document_no="阳民养备〔2021〕001号")
    services.credit_add(by=city_admin, target=target, kind="joint_punishment", title="列入失信联合惩戒名单",
                        authority="市民政局", decided_on=dt.date(2026, 9, 1))
    services.credit_add(by=city_admin, target=target, kind="penalty", title="内部记录", authority="市民政局",
                        decided_on=dt.date(2026, 9, 2), public=False)
    page = Client().get(f"/public/supervision/credit/{target.pk}/").content.decode()
    assert "养老机构备案" in page and "列入失信联合惩戒名单" in page and "内部记录" not in page
    client = page_client(inspector_user)
    got = client.get("/supervision/credit/feed.json")
    data = json.loads(got.content)
    assert {r["title"] for r in data["records"]} == {"养老机构备案", "列入失信联合惩戒名单"}
    assert data["records"][0]["reg_no"] == target.reg_no
    got = client.get("/supervision/credit/feed.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(got.content)).active
    assert ws.max_row == 3
    assert AuditEntry.objects.filter(action="export").count() == 2
    assert client.get("/supervision/credit/feed.csv").status_code == 404


def test_roles_see_only_what_they_may_use(world, inspector_user):
    county = make_user(Role.COUNTY_STAFF, "441702")
    from yanglao.core.models import Organisation

    org = Organisation.objects.create(name="运营公司", kind="institution", division_code="441702001")
    operator = make_user(Role.INSTITUTION_OPERATOR, "", organisation=org)
    assert page_client(inspector_user).get("/supervision/plans/new/").status_code == 200
    assert page_client(county).get("/supervision/plans/new/").status_code == 403
    assert page_client(county).get("/supervision/items/").status_code == 200  # the city's list, seen by a county
    assert page_client(operator).get("/supervision/").status_code == 403
    assert page_client(inspector_user).get("/supervision/calendar/years/").status_code == 403


def test_public_verification_is_limited_per_address(drawn):
    public = Client()
    body = json.dumps(drawn[1].document, ensure_ascii=False)
    codes = [public.post("/public/supervision/verify/", {"text": body}).status_code for _ in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429
