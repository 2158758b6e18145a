"""A home that announces its closure shows, the same day, every resident's refund owed on the county's
to-do list; it collects no more; refunds paid clear the balances."""

import datetime as dt
from decimal import Decimal

import pytest

from yanglao.core.errors import ValidationFailed
from yanglao.core.testing import page_client
from yanglao.core.todos import todo_list
from yanglao.prepaid import services
from yanglao.prepaid.models import RefundOwed, RiskWarning

from .conftest import TODAY, collect

D = Decimal


def test_closure_puts_every_residents_refund_on_the_county_to_do_list_the_same_day(jiangcheng, home, make_resident):
    a = make_resident(home, name="黄秀英")
    b = make_resident(home, name="李桂芳")
    c = make_resident(home, name="陈伯")
    collect(jiangcheng, a, "deposit", "6000", "A1")
    collect(jiangcheng, a, "bed", "4000", "A2")
    collect(jiangcheng, b, "membership", "30000", "B1")
    # c holds nothing: owed nothing
    assert "prepaid.refunds" not in {t.key for t in todo_list(jiangcheng)}

    n = services.closure_announce(by=jiangcheng, home=home, announced_on=TODAY, closing_on=TODAY + dt.timedelta(days=35))
    assert n == 2
    owed = {r.person.name: r for r in RefundOwed.objects.select_related("person")}
    assert set(owed) == {"黄秀英", "李桂芳"}
    assert (owed["黄秀英"].amount, owed["黄秀英"].deposit_part, owed["黄秀英"].service_part) == (D("10000"), D("6000"), D("4000"))
    assert owed["李桂芳"].membership_part == D("30000")
    todo = {t.key: t for t in todo_list(jiangcheng)}["prepaid.refunds"]
    assert todo.item.count == 2 and "¥40,000.00" in todo.item.note and todo.waiting_text == "今天新到"
    assert RiskWarning.objects.get(kind="closure").amount == D("40000")
    page = page_client(jiangcheng).get(todo.item.link)
    assert page.status_code == 200 and "黄秀英" in page.content.decode() and "李桂芳" in page.content.decode()
    with pytest.raises(ValidationFailed):
        collect(jiangcheng, c, "bed", "100", "C1")
    assert c.pk not in owed


def test_short_notice_is_recorded_in_the_warning(jiangcheng, home, make_resident):
    collect(jiangcheng, make_resident(home), "deposit", "1000", "S1")
    services.closure_announce(by=jiangcheng, home=home, announced_on=TODAY, closing_on=TODAY + dt.timedelta(days=10))
    assert "不足30日" in RiskWarning.objects.get(kind="closure").detail


def test_a_refund_paid_clears_the_balance_and_leaves_the_to_do_list(jiangcheng, home, make_resident):
    acc = make_resident(home)
    collect(jiangcheng, acc, "deposit", "6000", "P1")
    collect(jiangcheng, acc, "meal", "1200", "P2")
    services.closure_announce(by=jiangcheng, home=home, announced_on=TODAY, closing_on=TODAY + dt.timedelta(days=30))
    refund = RefundOwed.objects.get()
    services.refund_pay(by=jiangcheng, refund=refund, paid_on=TODAY, receipt_no="TF-1")
    acc.refresh_from_db()
    assert acc.total == 0
    assert "prepaid.refunds" not in {t.key for t in todo_list(jiangcheng)}
