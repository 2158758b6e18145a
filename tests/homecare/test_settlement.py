"""Monthly settlement: set-based lines, subsidy and own parts, a second signature by another person, an order
never billed twice (service and database), the export, and the subsidy in the benefits report."""

import datetime as dt
import io

import pytest
from django.db import IntegrityError, transaction
from openpyxl import load_workbook

from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.testing import page_client
from yanglao.homecare import services
from yanglao.homecare.models import Settlement, SettlementLine

from .conftest import DAY, complete

NOV = dt.date(2026, 11, 1)


@pytest.fixture
def done(order, carer_user, community_worker):
    return complete(order, carer_user, community_worker)


def test_settlement_bills_completed_orders_with_subsidy_and_own_part(done, jiangcheng, provider):
    s = services.settlement_prepare(by=jiangcheng, provider=provider, month=NOV)
    assert (s.line_count, s.amount_fen, s.subsidy_fen, s.own_fen) == (1, 7500, 6000, 1500)
    assert s.status == "prepared" and s.prepared_by == jiangcheng


def test_preparer_cannot_approve_and_another_person_can(done, jiangcheng, county_checker, provider):
    s = services.settlement_prepare(by=jiangcheng, provider=provider, month=NOV)
    with pytest.raises(Forbidden, match="制单人不能复核"):
        services.settlement_approve(by=jiangcheng, settlement=s, comment="同意")
    s = services.settlement_approve(by=county_checker, settlement=s, comment="核对无误")
    assert s.status == "approved" and s.approved_by == county_checker


def test_same_person_signing_twice_is_refused_by_the_database(done, jiangcheng, provider):
    s = services.settlement_prepare(by=jiangcheng, provider=provider, month=NOV)
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.filter(pk=s.pk).update(approved_by=jiangcheng)


def test_an_order_is_never_billed_twice(done, jiangcheng, provider):
    services.settlement_prepare(by=jiangcheng, provider=provider, month=NOV)
    assert services.settle(by=jiangcheng, month=NOV) == 0  # running again adds nothing
    assert SettlementLine.objects.filter(order=done).count() == 1
    s = Settlement.objects.get()
    # a second settlement for the same provider and month is refused by the partial unique constraint …
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.create(provider=provider, month=NOV, prepared_by=jiangcheng, prepared_at=s.prepared_at,
                                  division_code=s.division_code)
    # … and a line for an order already billed by the unique line.order
    other = Settlement.objects.create(provider=provider, month=dt.date(2026, 10, 1), prepared_by=jiangcheng,
                                      prepared_at=s.prepared_at, division_code=s.division_code)
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementLine.objects.create(settlement=other, order=done, service_date=DAY, item_id_copy=done.item_id,
                                      quantity=1, amount_fen=7500, subsidy_fen=6000, own_fen=1500,
                                      division_code=done.division_code)


def test_cancelled_settlement_frees_its_orders_for_the_next(done, jiangcheng, provider):
    s = services.settlement_prepare(by=jiangcheng, provider=provider, month=NOV)
    services.settlement_cancel(by=jiangcheng, settlement=s, reason="金额有误")
    s2 = services.settlement_prepare(by=jiangcheng, provider=provider, month=NOV)
    assert s2.pk != s.pk and s2.line_count == 1


def test_month_without_completed_orders_is_refused(order, jiangcheng, provider):
    with pytest.raises(ValidationFailed, match="没有可结算"):
        services.settlement_prepare(by=jiangcheng, provider=provider, month=NOV)


def test_orders_not_completed_are_not_billed(order, done, community_worker, person, bath, jiangcheng, provider):
    pending = services.order_create(by=community_worker, person=person, item=bath, service_date=DAY)
    services.order_dispatch(by=community_worker, order=pending)
    s = services.settlement_prepare(by=jiangcheng, provider=provider, month=NOV)
    assert list(s.lines.values_list("order_id", flat=True)) == [done.pk]


def test_export_is_a_real_xlsx_with_the_lines(done, jiangcheng, provider):
    s = services.settlement_prepare(by=jiangcheng, provider=provider, month=NOV)
    response = page_client(jiangcheng).get(f"/homecare/settlements/{s.pk}/export.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2][0] == done.pk and rows[2][2] == "黄秀英" and rows[2][7] == 60
    assert rows[3][0] == "合计"


def test_approved_subsidy_appears_in_the_benefits_report(done, jiangcheng, county_checker, provider):
    s = services.settlement_prepare(by=jiangcheng, provider=provider, month=NOV)
    page = page_client(jiangcheng).get("/benefits/reports/").content.decode()
    assert "居家社区养老服务补贴支出" in page and "¥60.00" not in page  # not yet approved
    services.settlement_approve(by=county_checker, settlement=s, comment="同意")
    page = page_client(jiangcheng).get("/benefits/reports/").content.decode()
    assert "2026-11" in page and "居家养老服务补贴" in page and "¥60.00" in page


def test_approve_page_asks_for_a_comment(done, jiangcheng, county_checker, provider):
    s = services.settlement_prepare(by=jiangcheng, provider=provider, month=NOV)
    client = page_client(county_checker)
    assert client.post(f"/homecare/settlements/{s.pk}/approve/", {"comment": ""}).status_code == 400
    assert client.post(f"/homecare/settlements/{s.pk}/approve/", {"comment": "核对无误"}).status_code == 302
    s.refresh_from_db()
    assert s.status == "approved" and s.approval_comment == "核对无误"
