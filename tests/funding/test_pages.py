"""The funding pages and API: every role sees its own levels only, the auditor reads without edit links, the
export writes text as text, the year's report goes through the confirmation page, and the API lists and creates."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.funding.conftest import receive, spend
from yanglao.core.models import AuditEntry
from yanglao.core.testing import api_client, assert_jurisdiction_scoped, page_client
from yanglao.funding import services
from yanglao.funding.models import FundingYear, Spending

pytestmark = pytest.mark.django_db

PAGES = ["/funding/", "/funding/?year=2024&level=441702", "/funding/budgets/", "/funding/spending/",
         "/funding/lottery/", "/funding/platform/", "/funding/years/", "/funding/years/?status=submitted"]


def test_the_pages_open_for_city_county_and_auditor(city_admin, jiangcheng, auditor):
    s = spend(jiangcheng, "441702", "1234567.80", on=dt.date(2024, 5, 6))
    receive(jiangcheng, "441702", "2000000.00")
    for user in (city_admin, jiangcheng, auditor):
        page = page_client(user)
        for url in [*PAGES, f"/funding/spending/{s.pk}/"]:
            assert page.get(url).status_code == 200, (user.username, url)
    text = page_client(jiangcheng).get("/funding/?year=2024").content.decode()
    assert "¥1,234,567.80" in text and "61.72%" in text and 'data-testid="share-green"' in text
    auditor_page = page_client(auditor)
    assert "新增预算" not in auditor_page.get("/funding/budgets/").content.decode()
    assert auditor_page.get("/funding/spending/new/").status_code == 403
    assert auditor_page.post("/funding/platform/", {"stream": "benefits_runs", "source": "lottery"}).status_code == 403


def test_lists_details_and_api_are_scoped_to_the_county(jiangcheng):
    s = spend(jiangcheng, "441702", "888.88", voucher="记-SCOPE-01", on=dt.date(2024, 5, 6))
    receive(jiangcheng, "441702", "1000.00")
    services.budget_save(by=jiangcheng, data={"year": 2024, "division_code": "441702", "source": "general",
                                              "purpose": "allowance", "amount": "5.00", "document_no": "阳财预〔2024〕9号"})
    assert_jurisdiction_scoped(division_code="441702", list_url="/funding/spending/", marker="记-SCOPE-01",
                               detail_url=f"/funding/spending/{s.pk}/", api=False)
    assert_jurisdiction_scoped(division_code="441702", list_url="/funding/budgets/", marker="阳财预〔2024〕9号", api=False)
    assert_jurisdiction_scoped(division_code="441702", list_url="/api/v1/funding/spending/",
                               detail_url=f"/api/v1/funding/spending/{s.pk}/")
    assert_jurisdiction_scoped(division_code="441702", list_url="/api/v1/funding/budgets/")
    assert_jurisdiction_scoped(division_code="441702", list_url="/api/v1/funding/lottery/")


def test_the_export_writes_a_formula_like_payee_as_text_and_is_audited(jiangcheng):
    spend(jiangcheng, "441702", "10.00", payee='=HYPERLINK("http://x","点击")', on=dt.date(2024, 5, 6))
    got = page_client(jiangcheng).get("/funding/spending/export/?year=2024")
    assert got.status_code == 200
    ws = load_workbook(io.BytesIO(got.content)).active
    payee = ws.cell(row=2, column=8)
    assert payee.value == '=HYPERLINK("http://x","点击")' and payee.data_type == "s"
    assert ws.cell(row=2, column=7).value == 10
    assert AuditEntry.objects.filter(action="export", object_type="funding.spending").exists()
    summary = page_client(jiangcheng).get("/funding/export/?year=2024")
    assert summary.status_code == 200 and summary["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_year_is_reported_and_approved_through_the_confirmation_page(jiangcheng, city_admin, city2):
    spend(jiangcheng, "441702", "10.00", on=dt.date(2024, 5, 6))
    page = page_client(jiangcheng)
    assert page.get("/funding/years/2024/441702/submit/").status_code == 200
    assert not FundingYear.objects.filter(status="submitted").exists()  # GET changes nothing
    assert page.get("/funding/years/2024/441721/submit/").status_code == 404  # another county's level
    assert page.post("/funding/years/2024/441702/submit/", {"comment": "请审定"}).status_code == 302
    fy = FundingYear.objects.get(year=2024, division_code="441702")
    assert fy.status == "submitted"
    assert AuditEntry.objects.filter(object_type="funding.fundingyear", object_id=str(fy.pk),
                                     extra__action="报送年度资金数据").exists()
    home = page_client(city_admin).get("/").content.decode()
    assert "资金年度数据待审定" in home
    assert page_client(city2).post(f"/funding/years/{fy.pk}/approve/", {"comment": "核实无误"}).status_code == 302
    fy.refresh_from_db()
    assert fy.status == "approved"
    assert page.get(f"/funding/years/{fy.pk}/approve/").status_code == 403  # county staff do not approve


def test_the_api_creates_spending_and_lists_the_shares(jiangcheng, auditor):
    receive(jiangcheng, "441702", "1000.00")
    api = api_client(jiangcheng)
    got = api.post("/api/v1/funding/spending/", data=json.dumps({
        "paid_on": "2024-07-01", "voucher_no": "API-1", "division_code": "441702", "source": "lottery",
        "purpose": "homecare", "amount": "600.00", "payee": "南恩街道综合养老服务中心"}), content_type="application/json")
    assert got.status_code == 201, got.content
    assert Spending.objects.get(voucher_no="API-1").amount == Decimal("600.00")
    again = api.post("/api/v1/funding/spending/", data=json.dumps({
        "paid_on": "2024-07-01", "voucher_no": "API-1", "division_code": "441702", "source": "lottery",
        "purpose": "homecare", "amount": "600.00", "payee": "某"}), content_type="application/json")
    assert again.status_code == 409 and "error" in again.json()
    shares = api.get("/api/v1/funding/shares/?year=2024").json()
    assert shares == [{"year": 2024, "division_code": "441702", "level_name": "江城区", "is_total": False,
                       "lottery_total": "1000.00", "spent_elderly": "600.00", "share_percent": "60.00",
                       "meets_floor": True, "status": "open"}]
    denied = api_client(auditor).post("/api/v1/funding/spending/", data=json.dumps({}), content_type="application/json")
    assert denied.status_code == 403
