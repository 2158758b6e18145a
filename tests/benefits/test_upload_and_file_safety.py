"""The reconciliation upload refuses a malicious or oversized file with a clean 400 (issue 18 items 6,
7), and the payment files never carry a formula (item 16)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import load_workbook

from tests.core.sheets import sparse_xlsx
from yanglao.benefits import payfiles, services
from yanglao.benefits.models import PaymentResult
from yanglao.core.testing import api_client, page_client

pytestmark = pytest.mark.django_db

MAY = dt.date(2026, 5, 1)
HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def approved(city_admin, city_checker, jiangcheng, age_allowance, older, run_month):
    person = older("19400101")
    services.bank_account_set(by=jiangcheng, person=person, bank_name=HYPERLINK, account_no="6228480123456789012",
                              holder_name="@SUM(1+1)")
    run = run_month(city_admin, age_allowance, MAY)
    services.run_approve(by=city_checker, run=run)
    run.refresh_from_db()
    return run


def _upload(content: bytes, name: str = "result.xlsx") -> io.BytesIO:
    out = io.BytesIO(content)
    out.name = name
    return out


def test_the_sparse_sheet_is_refused_by_the_reconciliation_api_with_a_400_and_the_message(city_admin, approved):
    got = api_client(city_admin).post(f"/api/v1/benefits/runs/{approved.pk}/reconcile/",
                                      {"file": _upload(sparse_xlsx(payfiles.RESULT_HEADERS))})
    assert got.status_code == 400
    assert "表格声明的范围过大（1048576 行 × 16384 列），超过上限" in got.json()["error"]["message"]
    assert not PaymentResult.objects.exists()


def test_the_sparse_sheet_is_refused_on_the_reconciliation_page_with_the_message(city_admin, approved):
    client = page_client(city_admin)
    got = client.post(f"/benefits/runs/{approved.pk}/reconcile/",
                      {"file": SimpleUploadedFile("result.xlsx", sparse_xlsx(payfiles.RESULT_HEADERS))}, follow=True)
    assert got.status_code == 200 and "表格声明的范围过大" in got.content.decode()
    assert not PaymentResult.objects.exists()


@override_settings(UPLOAD_LIMITS={"reconciliation": (1, 300_000)})
def test_a_reconciliation_file_over_the_size_limit_is_refused_saying_the_limit(city_admin, approved):
    big = b"\xe6\x98\x8e\xe7\xbb\x86\xe7\xbc\x96\xe5\x8f\xb7,\xe9\x87\x91\xe9\xa2\x9d\n" + b"1,1\n" * 300_000
    got = api_client(city_admin).post(f"/api/v1/benefits/runs/{approved.pk}/reconcile/",
                                      {"file": _upload(big, "result.csv")})
    assert got.status_code == 400
    message = got.json()["error"]["message"]
    assert "超过发放结果（对账）文件每个文件 1 MB 的上限" in message


def test_the_payment_workbook_writes_free_text_as_text_not_formulas(city_admin, approved):
    fh, _name = payfiles.payment_xlsx(by=city_admin, run=approved)
    sheet = load_workbook(fh).active
    header = [c.value for c in sheet[2]]
    bank = sheet.cell(row=3, column=header.index("开户银行") + 1)
    holder = sheet.cell(row=3, column=header.index("户名") + 1)
    assert (bank.value, bank.data_type) == (HYPERLINK, "s")
    assert (holder.value, holder.data_type) == ("@SUM(1+1)", "s")
    amount = sheet.cell(row=3, column=header.index("金额") + 1)
    assert amount.data_type == "n"  # numbers stay numbers
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_the_bank_csv_prefixes_formula_like_text(city_admin, approved):
    content, _name = payfiles.payment_csv(by=city_admin, run=approved)
    rows = list(csv.reader(io.StringIO(content.decode("gbk"))))
    line = dict(zip(rows[0], rows[1], strict=False))
    assert line["开户银行"] == "'" + HYPERLINK and line["户名"] == "'@SUM(1+1)"
    assert line["金额"] == "50.00"
