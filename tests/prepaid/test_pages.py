"""The pages as people use them: recording money with the limit named on the form, uploading a statement and
seeing its refused rows before confirming, the rules with their sources."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from yanglao.core.testing import page_client
from yanglao.prepaid.models import PrepaidEntry, StatementImport

from .conftest import TODAY


def test_an_entry_over_the_limit_is_refused_on_the_form_with_its_rule(jiangcheng, home, make_resident):
    acc = make_resident(home, bed_fee="1000")
    client = page_client(jiangcheng)
    got = client.post(f"/prepaid/accounts/{acc.pk}/entry/", {
        "direction": "collect", "kind": "deposit", "amount": "12000.01", "on": TODAY.isoformat(), "receipt_no": "W1"})
    assert got.status_code == 200
    body = got.content.decode()
    assert "押金" in body and "关于加强养老机构预收费监管的指导意见" in body
    assert not PrepaidEntry.objects.exists()
    got = client.post(f"/prepaid/accounts/{acc.pk}/entry/", {
        "direction": "collect", "kind": "deposit", "amount": "12000", "on": TODAY.isoformat(), "receipt_no": "W1"})
    assert got.status_code == 302 and PrepaidEntry.objects.count() == 1


def test_a_statement_upload_shows_each_refused_row_before_anything_changes(jiangcheng, home):
    client = page_client(jiangcheng)
    last = (TODAY.replace(day=1) - dt.timedelta(days=1))
    content = f"存管账号,余额日期,期末余额\n{home.custody_account},{last:%Y-%m-%d},100\n99999999,{last:%Y-%m-%d},5\n".encode()
    got = client.post("/prepaid/statements/new/", {"file": SimpleUploadedFile("s.csv", content)})
    assert got.status_code == 302
    imp = StatementImport.objects.get()
    page = client.get(got["Location"]).content.decode()
    assert "第 3 行" in page and "不是辖区内已备案机构的存管账户" in page
    assert imp.status == "pending"
    assert client.post(f"/prepaid/statements/{imp.pk}/confirm/", {"comment": ""}).status_code == 302
    imp.refresh_from_db()
    assert imp.status == "confirmed"


def test_pages_open_for_county_staff_and_the_operator(jiangcheng, home, make_resident, operator):
    acc = make_resident(home)
    client = page_client(jiangcheng)
    for url in ("/prepaid/", f"/prepaid/homes/{home.pk}/", f"/prepaid/accounts/{acc.pk}/", "/prepaid/rules/",
                "/prepaid/statements/", "/prepaid/statements/new/", "/prepaid/statements/template/", "/prepaid/cases/",
                "/prepaid/warnings/", "/prepaid/refunds/", f"/prepaid/homes/{home.pk}/report/",
                f"/prepaid/homes/{home.pk}/closure/", f"/prepaid/accounts/{acc.pk}/entry/", "/prepaid/homes/new/"):
        assert client.get(url).status_code == 200, url
    assert "关于加强养老机构预收费监管的指导意见" in client.get("/prepaid/rules/").content.decode()
    assert page_client(operator).get("/prepaid/rules/").status_code == 200
