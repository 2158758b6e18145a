"""Accident insurance: the insured list by programme rule, the premium as a dated band, the insurer's
file with the month's additions and removals, and claims only for people on the list."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.conftest import make_id
from yanglao.benefits import insurance, services
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.models import AuditEntry
from yanglao.core.testing import page_client

SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)


@pytest.fixture
def insured(city_admin, city_checker, jiangcheng, new_person, run_month):
    p = services.programme_create(by=city_admin, code="yiwai", name="老年人意外伤害保险", kind="insurance_list",
                                  legal_basis="阳民〔2025〕4号", band_basis="flat")
    services.rule_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), min_age=80, document_no="阳民〔2025〕4号")
    services.band_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), amount="2.50", label="月保费",
                      document_no="阳民〔2025〕4号")
    a = new_person(name="黄秀英", id_number=make_id(birth="19400101", seq="901"))
    a.plain_id = make_id(birth="19400101", seq="901")
    sep = services.run_approve(by=city_checker, run=run_month(city_admin, p, SEP))
    b = new_person(name="李桂芳", id_number=make_id(birth="19400101", seq="902"))
    services.suspension_create(by=jiangcheng, person=a, programme=p, reason="other", from_month=OCT, note="测试减员")
    octo = services.run_approve(by=city_checker, run=run_month(city_admin, p, OCT))
    return p, a, b, sep, octo


def test_the_insurers_file_has_the_list_the_additions_and_the_removals(city_admin, insured):
    p, a, b, sep, octo = insured
    content, name = insurance.insurer_file(by=city_admin, run=sep, reason="报送保险公司")
    wb = load_workbook(io.BytesIO(content), read_only=True)
    rows = list(wb["在保名单"].iter_rows(values_only=True))
    assert rows[2][1] == "黄秀英" and rows[2][3] == a.plain_id and rows[2][6] == 2.5
    content, _ = insurance.insurer_file(by=city_admin, run=octo, reason="报送保险公司")
    wb = load_workbook(io.BytesIO(content), read_only=True)
    assert [r[1] for r in list(wb["本月新增"].iter_rows(values_only=True))[2:]] == ["李桂芳"]
    assert [r[1] for r in wb["本月减少"].iter_rows(values_only=True)][1:] == ["黄秀英"]
    assert AuditEntry.objects.filter(action="export", extra__format="insurer-xlsx").count() == 2
    assert name.endswith(".xlsx")


def test_the_insurers_file_needs_a_reason_and_the_capability(city_admin, jiangcheng, insured):
    sep = insured[3]
    with pytest.raises(ValidationFailed):
        insurance.insurer_file(by=city_admin, run=sep, reason="")
    with pytest.raises(Forbidden):
        insurance.insurer_file(by=jiangcheng, run=sep, reason="报送")


def test_a_claim_only_for_someone_on_the_list_that_month(jiangcheng, insured):
    p, a, b, sep, octo = insured
    with pytest.raises(ValidationFailed, match="不在"):
        insurance.claim_record(by=jiangcheng, person=a, programme=p, accident_date=dt.date(2026, 10, 3),
                               description="跌倒骨折", amount_claimed="3000")
    claim = insurance.claim_record(by=jiangcheng, person=a, programme=p, accident_date=dt.date(2026, 9, 3),
                                   description="在家跌倒致股骨骨折", amount_claimed="3000")
    with pytest.raises(ValidationFailed):
        insurance.claim_settle(by=jiangcheng, claim=claim, amount_paid="3000.01")
    claim = insurance.claim_settle(by=jiangcheng, claim=claim, amount_paid="2800", insurer_reference="PICC-2026-1")
    assert (claim.state, claim.amount_paid) == ("paid", Decimal("2800.00"))


def test_the_insurance_page(city_admin, insured):
    p, a, b, sep, octo = insured
    html = page_client(city_admin).get("/benefits/insurance/").content.decode()
    assert "下载投保名单" in html and "登记理赔" in html
    response = page_client(city_admin).post(f"/benefits/runs/{octo.pk}/insurer-file/", {"reason": "报送保险公司"})
    assert response.status_code == 200 and response["Content-Disposition"].endswith(".xlsx")
