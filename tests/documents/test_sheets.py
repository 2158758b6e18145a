"""The monthly payment approval sheet (totals by county, preparer, approver, seals) — a 3,000-person sheet
is rendered as a background job and downloaded when ready — the institution subsidy sheet, and the
admission notice with its reply deadline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.documents.conftest import pdf_pages, pdf_text
from yanglao.benefits import services as benefits
from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.documents.models import DocumentJob, IssuedDocument

pytestmark = pytest.mark.django_db

MAY = dt.date(2026, 5, 1)


def _squash(text: str) -> str:
    return "".join(text.split())


def test_the_approval_sheet_has_county_totals_preparer_approver_and_seal_boxes(
        city_admin, city_checker, age_allowance, older, run_month, jiangcheng):
    for birth in ("19400101", "19300101", "19350101"):
        older(birth)
    older("19380101", division_code="441704100001", region="441704", by=city_admin)
    run = run_month(city_admin, age_allowance, MAY)
    benefits.run_approve(by=city_checker, run=run)
    response = page_client(city_admin).post(f"/documents/print/benefits.run_sheet/{run.pk}/")
    assert response.status_code == 200, response.content[:300]
    text = _squash(pdf_text(response.content))
    assert "老年人津贴补贴发放审批表" in text and "按县（市、区）汇总" in text
    assert "江城区" in text and "阳东区" in text and "¥250.00" in text and "¥300.00" in text  # 50 + 100 + 100 (江城区) + 50
    assert f"制表人{city_admin.display_name}（签字）" in text and f"审批人{city_checker.display_name}（签字）" in text
    assert "（发放单位盖章）" in text and "审批单位" in text
    assert IssuedDocument.objects.get(kind="benefits.run_sheet").number in text
    # The county sees its own lines only: its sheet's total is its own county's.
    county = _squash(pdf_text(page_client(jiangcheng).post(f"/documents/print/benefits.run_sheet/{run.pk}/").content))
    assert "阳东区" not in county.split("按县（市、区）汇总")[1], county
    assert "¥250.00" in county and "¥300.00" not in county


@pytest.fixture
def basic_allowance(city_admin):
    p = benefits.programme_create(by=city_admin, code="jiben", name="基础养老服务补贴", kind="allowance",
                                  legal_basis="测试", issuing_unit="阳江市民政局")
    benefits.rule_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), min_age=60, document_no="测试")
    benefits.band_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), key_min=60, key_max=None,
                      amount="30", label="60岁以上", document_no="测试")
    return p


def test_a_3000_person_sheet_is_rendered_as_a_job_and_downloaded_when_ready(
        city_admin, basic_allowance, run_month, jiangcheng, django_capture_on_commit_callbacks):
    from yanglao.people.models import Person
    from yanglao.people.seeding import seed_people

    seed_people(3000, seed=7, today=MAY, city="441702")
    run = run_month(city_admin, basic_allowance, MAY)
    lines = run.lines.count()
    assert lines >= 2900, (lines, Person.objects.count())
    client = page_client(jiangcheng)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/documents/print/benefits.run_sheet/{run.pk}/")
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "done", job.message
    page = client.get(f"/documents/jobs/{job.pk}/").content.decode()
    assert 'data-status="done"' in page and "下载PDF" in page
    download = client.get(f"/documents/jobs/{job.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content) if download.streaming else download.content
    text = pdf_text(content)
    assert f"合计 {lines} 笔" in text or f"合计{lines}笔" in _squash(text)
    assert pdf_pages(content) > 40
    assert IssuedDocument.objects.get().job == job
    # Only the person who asked downloads the file.
    colleague = make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng-b")
    assert page_client(colleague).get(f"/documents/jobs/{job.pk}/download/").status_code == 404


def test_the_institution_subsidy_sheet_lists_each_home_with_signatures(jiangcheng, new_person):
    from tests.institutions.conftest import give_care_level
    from yanglao.core.models import Organisation
    from yanglao.institutions import services as inst
    from yanglao.institutions.models import OperatingRate, Residency

    org = Organisation.objects.create(name="福利中心运营公司", kind="institution", division_code="441702001")
    home = inst.institution_create(by=jiangcheng, operator=org, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100, "accepts_public_admission": True, "has_medical_unit": True})
    inst.beds_add(by=jiangcheng, institution=home, building="1号楼", floor="1", rooms=["101"], beds_per_room=1,
                  bed_type="nursing")
    resident = new_person()
    Residency.objects.create(person=resident, institution=home, bed=home.beds.first(), admitted_on=dt.date(2025, 1, 1),
                             division_code=home.division_code)
    give_care_level(resident, 2, reviewer=jiangcheng, days_ago=60)
    OperatingRate.objects.create(valid_from=dt.date(2020, 1, 1), document_no="阳民〔2020〕9号", base_by_level={"2": "400"},
                                 star_percent={"0": 0}, medical_supplement=Decimal("100"),
                                 construction_per_bed=Decimal("5000"), construction_per_nursing_bed=Decimal("8000"))
    run = inst.operating_compute(by=jiangcheng, month=dt.date(2026, 10, 1))
    response = page_client(jiangcheng).post(f"/documents/print/institutions.subsidy_sheet/{run.pk}/")
    assert response.status_code == 200
    text = _squash(pdf_text(response.content))
    assert "养老机构运营补贴审批表" in text and "江城区社会福利中心" in text and "阳民〔2020〕9号" in text
    assert f"制表人{jiangcheng.display_name}（签字）" in text and "（民政部门盖章）" in text
    assert resident.name not in text  # one line per home, no residents' names
    other = make_user(Role.COUNTY_STAFF, "441704", username="yangdong")
    assert page_client(other).post(f"/documents/print/institutions.subsidy_sheet/{run.pk}/").status_code == 404


def test_the_admission_notice_states_the_bed_and_the_reply_deadline(jiangcheng, new_person):
    from yanglao.admissions.defaults import ensure_default_rules
    from yanglao.admissions.services import application_create, offer_bed
    from yanglao.core.models import Organisation
    from yanglao.institutions import services as inst

    ensure_default_rules()
    org = Organisation.objects.create(name="福利中心运营公司", kind="institution", division_code="441702001")
    home = inst.institution_create(by=jiangcheng, operator=org, data={
        "name": "江城区社会福利中心", "ownership": "public", "division_code": "441702001001", "address": "北门路9号",
        "capacity": 100, "accepts_public_admission": True, "has_medical_unit": True})
    inst.beds_add(by=jiangcheng, institution=home, building="1号楼", floor="2", rooms=["201"], beds_per_room=1,
                  bed_type="nursing")
    applicant = new_person(name="黄秀英")
    offer = offer_bed(by=jiangcheng, application=application_create(by=jiangcheng, person=applicant, institution=home),
                      bed=home.beds.first())
    response = page_client(jiangcheng).post(f"/documents/print/admissions.offer/{offer.pk}/")
    assert response.status_code == 200
    text = _squash(pdf_text(response.content))
    deadline = f"{offer.respond_by.year}年{offer.respond_by.month}月{offer.respond_by.day}日"
    assert "入住通知书" in text and "黄秀英" in text and applicant.id_number_masked in text
    assert f"答复期限{deadline}前" in text and "1号楼2层201房" in text and "回执" in text
    assert "老年人或监护人（回执）（签字）" in text
