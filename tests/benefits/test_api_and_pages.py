"""API and pages: jurisdiction scope on every list and detail, errors as clear JSON, the person card."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from yanglao.benefits import services
from yanglao.benefits.models import Entitlement, PaymentRun
from yanglao.core.models import AuditEntry
from yanglao.core.testing import api_client, assert_jurisdiction_scoped, page_client

MAY = dt.date(2026, 5, 1)


@pytest.fixture
def may_run(city_admin, jiangcheng, age_allowance, older, run_month):
    person = older("19400101", name="林阿婆")
    services.bank_account_set(by=jiangcheng, person=person, bank_name="中国农业银行阳江分行",
                              account_no="6228480123456789012", holder_name="林阿婆")
    services.suspension_create(by=jiangcheng, person=person, programme=age_allowance, reason="other",
                               from_month=dt.date(2026, 9, 1))
    run = run_month(city_admin, age_allowance, MAY)
    return run, person


def test_payment_lines_are_scoped_to_the_jurisdiction(may_run):
    run, person = may_run
    line = Entitlement.objects.get(run=run)
    assert_jurisdiction_scoped(division_code=person.division_code, list_url="/api/v1/benefits/lines/",
                               detail_url=f"/api/v1/benefits/lines/{line.pk}/", marker="林阿婆",
                               extra_get_urls=())
    assert_jurisdiction_scoped(division_code=person.division_code, list_url=f"/api/v1/benefits/runs/{run.pk}/lines/",
                               marker="林阿婆")


def test_suspensions_bank_accounts_and_enrolments_are_scoped(may_run, age_allowance, jiangcheng, city_admin):
    run, person = may_run
    s = person.benefit_suspensions.get()
    account = person.bank_account
    assert_jurisdiction_scoped(division_code=person.division_code, list_url="/api/v1/benefits/suspensions/",
                               detail_url=f"/api/v1/benefits/suspensions/{s.pk}/", marker="林阿婆")
    assert_jurisdiction_scoped(division_code=person.division_code, list_url="/api/v1/benefits/bank-accounts/",
                               detail_url=f"/api/v1/benefits/bank-accounts/{account.pk}/")
    e = services.enrolment_apply(by=jiangcheng, person=person, programme=age_allowance, from_month=MAY)
    assert_jurisdiction_scoped(division_code=person.division_code, list_url="/api/v1/benefits/enrolments/",
                               detail_url=f"/api/v1/benefits/enrolments/{e.pk}/", marker="林阿婆")


def test_pages_are_scoped(may_run):
    run, person = may_run
    assert_jurisdiction_scoped(division_code=person.division_code, list_url=f"/benefits/runs/{run.pk}/?show=all",
                               marker="林阿婆", api=False)
    assert_jurisdiction_scoped(division_code=person.division_code, list_url="/benefits/suspensions/", marker="林阿婆",
                               api=False, extra_get_urls=(f"/benefits/people/{person.pk}/",))
    assert_jurisdiction_scoped(division_code=person.division_code, list_url=f"/people/{person.pk}/",
                               marker="¥50.00", api=False)


def test_bank_numbers_are_masked_and_a_reveal_is_audited(may_run, jiangcheng):
    run, person = may_run
    client = api_client(jiangcheng)
    account = person.bank_account
    got = client.get("/api/v1/benefits/bank-accounts/").json()["results"][0]
    assert got["account_no"] == "6228***********9012"
    refused = client.post(f"/api/v1/benefits/bank-accounts/{account.pk}/reveal/")
    assert refused.status_code == 400 and "6228480123456789012" not in refused.content.decode()  # no reason
    revealed = client.post(f"/api/v1/benefits/bank-accounts/{account.pk}/reveal/", {"reason": "核对代发失败原因"}).json()
    assert revealed["account_no"] == "6228480123456789012"
    line = AuditEntry.objects.get(action="reveal", object_type="benefits.bankaccount")
    assert line.extra["reason"] == "核对代发失败原因"
    assert "6228480123456789012" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_approving_ones_own_run_by_api_is_a_clear_403(may_run, city_admin):
    run, _person = may_run
    got = api_client(city_admin).post(f"/api/v1/benefits/runs/{run.pk}/approve/")
    assert got.status_code == 403
    assert "不能审核自己编制" in got.json()["error"]["message"]
    assert PaymentRun.objects.get(pk=run.pk).status == "preview"


def test_an_overlapping_band_by_api_is_a_clear_400(age_allowance, city_admin):
    got = api_client(city_admin).post(f"/api/v1/benefits/programmes/{age_allowance.pk}/bands/", {
        "label": "95+", "key_min": 95, "amount": "500", "valid_from": "2026-01-01", "document_no": "x"},
        content_type="application/json")
    assert got.status_code == 400 and "重叠" in got.json()["error"]["message"]


def test_the_whole_flow_through_the_api(may_run, city_admin, city_checker):
    run, _person = may_run
    checker = api_client(city_checker)
    assert checker.post(f"/api/v1/benefits/runs/{run.pk}/approve/").json()["status"] == "approved"
    again = api_client(city_admin).post("/api/v1/benefits/runs/", {"programme": run.programme_id, "month": "2026-05"},
                                        content_type="application/json")
    assert again.status_code == 409
    line = Entitlement.objects.get(run=run)
    wb = Workbook()
    wb.active.append(["明细编号", "金额", "结果", "失败原因"])
    wb.active.append([line.pk, 50, "成功", ""])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "result.xlsx"
    got = api_client(city_admin).post(f"/api/v1/benefits/runs/{run.pk}/reconcile/", {"file": out})
    assert got.status_code == 200 and got.json()["status"] == "reconciled"


def test_the_console_flow_pages_render(may_run, city_admin, city_checker):
    run, _person = may_run
    admin = page_client(city_admin)
    for url in ("/benefits/", f"/benefits/programmes/{run.programme_id}/", f"/benefits/runs/{run.pk}/",
                "/benefits/reports/", "/benefits/enrolments/", "/benefits/suspensions/"):
        assert admin.get(url).status_code == 200, url
    assert "须由另一名工作人员审核" in admin.get(f"/benefits/runs/{run.pk}/").content.decode()
    checker = page_client(city_checker)
    checker.post(f"/benefits/runs/{run.pk}/approve/")
    got = checker.get(f"/benefits/runs/{run.pk}/file.xlsx")
    assert got.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(got.streaming_content)), read_only=True).active.iter_rows(
        values_only=True))
    assert rows[2][2] == "林阿婆"
    report = checker.get(f"/benefits/reports/?programme={run.programme_id}&format=xlsx")
    assert report.status_code == 200


def test_county_staff_see_the_run_but_only_their_county(may_run, yangxi):
    run, _person = may_run
    body = page_client(yangxi).get(f"/benefits/runs/{run.pk}/").content.decode()
    assert "林阿婆" not in body and "您的辖区内没有发放明细" in body


def test_run_figures_through_the_api_are_cut_to_a_county_users_jurisdiction(may_run, yangxi, city_admin):
    run, _person = may_run
    city = api_client(city_admin).get(f"/api/v1/benefits/runs/{run.pk}/").json()
    assert city["people_count"] == 1 and city["no_account_count"] is not None
    other = api_client(yangxi).get(f"/api/v1/benefits/runs/{run.pk}/").json()
    assert other["people_count"] == 0 and other["line_count"] == 0 and other["total_amount"] == "0.00"
    assert other["no_account_count"] is None and other["paid_amount"] is None


def test_lists_of_payment_lines_and_bank_accounts_are_audited_as_views(may_run, jiangcheng):
    run, person = may_run
    line = Entitlement.objects.get(run=run)
    api = api_client(jiangcheng)
    api.get("/api/v1/benefits/lines/")
    api.get("/api/v1/benefits/bank-accounts/")
    page_client(jiangcheng).get(f"/benefits/runs/{run.pk}/", {"show": "all"})
    seen = AuditEntry.objects.filter(action="view_sensitive")
    assert seen.filter(object_type="benefits.entitlement", extra__ids=[str(line.pk)]).count() == 2  # API and page
    assert seen.filter(object_type="benefits.bankaccount", extra__ids=[str(person.bank_account.pk)]).exists()
