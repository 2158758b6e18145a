"""The care-home directory, services and policies (issue 15, items 1-3, 5, 8): live figures, filters, the
detail page with inspection results, served from the cache and fresh again after a change."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from yanglao.core.roles import Role
from yanglao.core.testing import make_user, page_client
from yanglao.institutions import services
from yanglao.institutions.models import Bed
from yanglao.portal.models import InstitutionListing, PolicyText

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_home(city_admin):
    from yanglao.core.models import Division, DivisionLevel

    code = Division.objects.filter(code__startswith="441721", level=DivisionLevel.COMMUNITY).order_by("code").first().code
    inst = services.institution_create(by=city_admin, data={
        "name": "阳西颐康园", "ownership": "private_forprofit", "division_code": code, "address": "织篢镇1号",
        "capacity": 20,
    })
    services.beds_add(by=city_admin, institution=inst, building="1号楼", floor="1", rooms=["101"], beds_per_room=2,
                      bed_type="ordinary")
    return inst


def test_the_directory_shows_township_names_beds_by_type_vacancies_price_and_medical_capability(home, private_home):
    InstitutionListing.objects.create(institution=home, price_min=1800, price_max=4200)
    page = Client().get("/public/homes/").content.decode()
    assert "江城区社会福利中心" in page and "阳西颐康园" in page
    cards = page.split('data-testid="home-card"', 1)[1]
    assert "南恩街道" in cards and "441702001" not in cards  # names, not codes
    assert "1,800" in page and "4,200" in page and "请咨询机构" in page
    assert "内设医疗机构" in page and "公办" in page
    assert "暂无照片" in page


def test_filters_find_homes_with_a_nursing_bed_free_in_a_township(home, private_home):
    got = Client().get("/public/homes/", {"township": "441702001", "nursing_vacant": "1"}).content.decode()
    assert "江城区社会福利中心" in got and "阳西颐康园" not in got
    Bed.objects.filter(institution=home, bed_type="nursing").update(status="occupied")
    from yanglao.portal.cache import bump

    bump()  # a queryset update fires no signal
    got = Client().get("/public/homes/", {"township": "441702001", "nursing_vacant": "1"}).content.decode()
    assert "江城区社会福利中心" not in got
    assert "阳西颐康园" in Client().get("/public/homes/", {"county": "441721", "ownership": "private_forprofit"}).content.decode()


def test_the_detail_page_shows_the_last_published_inspection_result(home, city_admin):
    from yanglao.supervision.models import Inspection, InspectionItem, Target

    target = Target.objects.create(kind="institution", name=home.name, reg_no="52441702MJ0000001X",
                                   division_code=home.division_code, institution=home)
    item = InspectionItem.objects.create(code="YL-01", name="服务安全检查", legal_basis="《养老机构管理办法》",
                                         department="市民政局", method="现场检查")
    Inspection.objects.create(item=item, target=target, status="closed", started_on=dt.date(2026, 10, 9),
                              ended_on=dt.date(2026, 10, 10), conclusion="compliant", published_at=timezone.now(),
                              division_code=home.division_code)
    page = Client().get(f"/public/homes/{home.pk}/").content.decode()
    assert "未发现问题" in page and "服务安全检查" in page


def test_directory_pages_come_from_the_cache_and_change_when_the_data_changes(home):
    first = Client().get("/public/homes/")
    assert first["X-Portal-Cache"] == "miss" and "max-age=60" in first["Cache-Control"] and "public" in first["Cache-Control"]
    second = Client().get("/public/homes/")
    assert second["X-Portal-Cache"] == "hit" and second.content == first.content
    services.institution_update(by=make_user(Role.CITY_ADMIN, "4417"), institution=home, data={"name": "江城区颐养中心"})
    third = Client().get("/public/homes/")
    assert third["X-Portal-Cache"] == "miss" and "江城区颐养中心" in third.content.decode()
    # lookups are never cached
    assert Client().get("/public/lookup/")["Cache-Control"] == "no-store"


def test_policies_show_plain_language_the_document_and_supply_and_demand(home):
    from yanglao.benefits.models import AmountBand, Programme

    programme = Programme.objects.create(code="gl", name="高龄津贴", kind="allowance", legal_basis="阳民〔测试〕1号")
    AmountBand.objects.create(programme=programme, valid_from=dt.date(2024, 1, 1), key_min=80, key_max=89,
                              amount=50, label="80-89岁", document_no="阳民〔测试〕1号")
    PolicyText.objects.create(kind="subsidy", title="高龄津贴", audience="年满80周岁的老年人", summary="满80岁每月领钱。",
                              programme=programme, document_title="阳江市若干措施", document_no="阳民〔测试〕1号")
    PolicyText.objects.create(kind="support", title="建设补贴", audience="投资者", summary="新增床位按床补贴。",
                              department="市民政局", document_title="广东省若干措施", document_no="粤府办〔2019〕23号")
    page = Client().get("/public/policies/").content.decode()
    assert "满80岁每月领钱" in page and "80-89岁 50 元/月" in page and "阳民〔测试〕1号" in page
    assert "粤府办〔2019〕23号" in page and "市民政局" in page
    supply = page.split('data-testid="supply-demand"')[1]
    assert re.search(r"江城区</a></th><td class=\"num\">1</td><td class=\"num\">4</td><td class=\"num\">2</td>", supply)


def test_city_staff_edit_policy_texts_in_the_console_and_counties_only_read(city_admin, jiangcheng):
    client = page_client(city_admin)
    got = client.post("/portal/policies/new/", {"kind": "subsidy", "title": "护理补贴", "audience": "失能老人",
                                                "summary": "评估后按等级补贴。", "document_title": "若干措施",
                                                "order": 1, "published": "on"})
    assert got.status_code == 302
    assert "评估后按等级补贴" in Client().get("/public/policies/").content.decode()
    assert page_client(jiangcheng).get("/portal/policies/new/").status_code == 403
    assert page_client(jiangcheng).get("/portal/").status_code == 200


def test_the_language_link_switches_the_portal_to_english_and_the_cache_keeps_both(home):
    assert "找养老院" in Client().get("/public/homes/").content.decode()
    client = Client()
    got = client.get("/public/language/en/", {"next": "/public/homes/"})
    assert got.status_code == 302 and got["Location"] == "/public/homes/"
    assert "Find a care home" in client.get("/public/homes/").content.decode()
    assert "找养老院" in Client().get("/public/homes/").content.decode()  # a Chinese visitor still gets Chinese
    assert Client().get("/public/language/en/", {"next": "https://example.com/"})["Location"] == "/public/"
