"""Budgets, spending, lottery totals and the year's report: money to the fen with database checks, levels inside
the jurisdiction, vouchers once, attachments judged by content, and a reported or approved year locked."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.funding.conftest import receive, spend
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.funding import services
from yanglao.funding.models import Budget, FundingYear, Spending, YearStatus

pytestmark = pytest.mark.django_db


def budget(by, code="441702", amount="1000.00", **extra):
    return services.budget_save(by=by, data={"year": 2024, "division_code": code, "source": "general",
                                             "purpose": "allowance", "amount": amount, "document_no": "阳财预〔2024〕1号",
                                             **extra})


@pytest.mark.parametrize("amount, reason", [("0", "应大于零"), ("-5", "应大于零"), ("12.345", "两位小数"), ("abc", "数字")])
def test_a_bad_amount_is_refused_with_the_reason(jiangcheng, amount, reason):
    with pytest.raises(ValidationFailed) as exc:
        budget(jiangcheng, amount=amount)
    assert reason in exc.value.message


def test_the_database_refuses_a_zero_amount_and_a_village_level_even_past_the_service(jiangcheng):
    b = budget(jiangcheng)
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.filter(pk=b.pk).update(amount=Decimal("0"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.filter(pk=b.pk).update(division_code="441702001")


def test_county_staff_write_only_their_own_county_and_not_the_city_level(jiangcheng, auditor):
    with pytest.raises(ValidationFailed, match="管辖范围"):
        budget(jiangcheng, code="441721")
    with pytest.raises(ValidationFailed, match="管辖范围"):
        budget(jiangcheng, code="4417")
    with pytest.raises(ValidationFailed, match="级次"):
        budget(jiangcheng, code="441702001")
    with pytest.raises(Forbidden):
        budget(auditor, code="441702")


def test_a_voucher_is_entered_once_per_level(jiangcheng):
    spend(jiangcheng, "441702", "100.00", voucher="记-01")
    with pytest.raises(Conflict, match="已登记过"):
        spend(jiangcheng, "441702", "200.00", voucher="记-01", purpose="homecare")
    assert Spending.objects.count() == 1


def test_a_future_date_and_a_missing_payee_are_refused(jiangcheng):
    with pytest.raises(ValidationFailed, match="晚于今天"):
        spend(jiangcheng, "441702", "1.00", on=dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(ValidationFailed, match="收款单位"):
        spend(jiangcheng, "441702", "1.00", payee="")


def test_an_attachment_must_be_a_pdf_or_an_image_by_its_content(jiangcheng):
    s = spend(jiangcheng, "441702", "1.00")
    with pytest.raises(ValidationFailed, match="不是 PDF"):
        services.attachment_add(by=jiangcheng, spending=s, filename="凭证.pdf", content=b"MZ\x90\x00 not a pdf")
    att = services.attachment_add(by=jiangcheng, spending=s, filename="凭证.pdf", content=b"%PDF-1.4\n%%EOF\n")
    assert att.content_type == "application/pdf" and att.division_code == "441702"


def test_a_reported_year_is_locked_until_the_city_returns_it_with_a_reason(jiangcheng, city_admin, city2):
    s = spend(jiangcheng, "441702", "100.00")
    receive(jiangcheng, "441702", "1000.00")
    fy = services.year_submit(by=jiangcheng, year=2024, division_code="441702")
    assert fy.status == YearStatus.SUBMITTED
    for write in (lambda: spend(jiangcheng, "441702", "5.00", voucher="记-02"),
                  lambda: services.spending_save(by=jiangcheng, spending=s, data={**_data(s), "amount": "1.00"}),
                  lambda: services.spending_delete(by=jiangcheng, spending=s),
                  lambda: receive(jiangcheng, "441702", "2000.00", year=2024),
                  lambda: budget(jiangcheng)):
        with pytest.raises(Conflict, match="已报送"):
            write()
    # another year of the same county, and the same year of another level, stay open
    spend(jiangcheng, "441702", "5.00", voucher="记-03", on=dt.date(2023, 3, 3))
    with pytest.raises(ValidationFailed, match="退回原因"):
        services.year_return(by=city_admin, year_row=fy, comment=" ")
    services.year_return(by=city_admin, year_row=fy, comment="漏登第四季度支出")
    spend(jiangcheng, "441702", "5.00", voucher="记-02")
    fy = services.year_submit(by=jiangcheng, year=2024, division_code="441702")
    fy = services.year_approve(by=city2, year_row=fy, comment="核实无误")
    assert fy.status == YearStatus.APPROVED and fy.approved_by == city2
    with pytest.raises(Conflict, match="已审定"):
        spend(jiangcheng, "441702", "7.00", voucher="记-04")


def test_whoever_reported_a_year_cannot_approve_it(city_admin, city2):
    fy = services.year_submit(by=city_admin, year=2024, division_code="4417")
    with pytest.raises(Conflict, match="另一位"):
        services.year_approve(by=city_admin, year_row=fy)
    with pytest.raises(IntegrityError), transaction.atomic():
        FundingYear.objects.filter(pk=fy.pk).update(status="approved", approved_by=city_admin)
    assert services.year_approve(by=city2, year_row=fy).status == YearStatus.APPROVED


def test_county_staff_cannot_approve(jiangcheng):
    fy = services.year_submit(by=jiangcheng, year=2024, division_code="441702")
    with pytest.raises(Forbidden):
        services.year_approve(by=jiangcheng, year_row=fy)


def _data(s):
    return {f: getattr(s, f) for f in services.SPENDING_FIELDS}
