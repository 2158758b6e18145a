"""The limits are dated configuration with their source; a record over a limit is refused (nothing written)
or, where the rule says so, kept and flagged with the rule it breaks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from yanglao.core.errors import ValidationFailed
from yanglao.core.todos import todo_list
from yanglao.prepaid import services
from yanglao.prepaid.models import LimitRule, PrepaidAccount, PrepaidEntry, RiskWarning

from .conftest import TODAY, collect

D = Decimal


def test_service_fees_paid_ahead_are_capped_at_twelve_months_with_the_guidance_named(jiangcheng, home, make_resident):
    acc = make_resident(home, bed_fee="2000")
    collect(jiangcheng, acc, "bed", "24000", "R1")  # exactly 12 months
    with pytest.raises(ValidationFailed) as exc:
        collect(jiangcheng, acc, "bed", "0.01", "R2")
    assert "12个月" in exc.value.message and "关于加强养老机构预收费监管的指导意见" in exc.value.message
    acc.refresh_from_db()
    assert acc.bal_bed == D("24000.00")
    assert not PrepaidEntry.objects.filter(receipt_no="R2").exists()


def test_deposit_is_capped_at_twelve_times_the_monthly_bed_fee(jiangcheng, home, make_resident):
    acc = make_resident(home, bed_fee="1800")
    with pytest.raises(ValidationFailed) as exc:
        collect(jiangcheng, acc, "deposit", "21600.01", "D1")
    assert "押金" in exc.value.message and "12倍" in exc.value.message
    collect(jiangcheng, acc, "deposit", "21600", "D2")
    acc.refresh_from_db()
    assert acc.bal_deposit == D("21600.00")


def test_a_lower_provincial_limit_applies_from_its_date_only(jiangcheng, home, make_resident):
    acc = make_resident(home, bed_fee="1000")
    LimitRule.objects.create(kind="service_months", division_code="44", value=D("6"), action="refuse",
                             valid_from=TODAY - dt.timedelta(days=10), source="广东省实施办法（测试）")
    collect(jiangcheng, acc, "bed", "9000", "P1", on=TODAY - dt.timedelta(days=20))  # before the provincial rule
    with pytest.raises(ValidationFailed) as exc:
        collect(jiangcheng, acc, "meal", "4000", "P2", on=TODAY)  # meal fee 600 × 6 = 3600
    assert "广东省实施办法（测试）" in exc.value.message
    assert services.strictest("service_months", "441781001001", TODAY).source == "广东省实施办法（测试）"
    assert services.strictest("service_months", "441781001001", TODAY - dt.timedelta(days=20)).value == D("12")


def test_a_rule_that_flags_keeps_the_record_and_warns_the_county_but_a_refusing_rule_still_refuses(
        jiangcheng, home, make_resident):
    acc = make_resident(home, bed_fee="1000")
    LimitRule.objects.create(kind="deposit_multiple", division_code="4417", value=D("6"), action="flag",
                             valid_from=dt.date(2024, 1, 1), source="市细则（测试）")
    entry = collect(jiangcheng, acc, "deposit", "8000", "F1")
    assert entry.breaks_rule.source == "市细则（测试）" and "6倍" in entry.breach
    warning = RiskWarning.objects.get(home=home, kind="limit")
    assert warning.status == "open" and "市细则（测试）" in warning.detail
    todos = {t.key: t for t in todo_list(jiangcheng)}
    assert todos["prepaid.warnings"].item.count == 1
    with pytest.raises(ValidationFailed):  # 13 × is over the national 12 ×, which refuses
        collect(jiangcheng, acc, "deposit", "5000", "F2")


def test_public_homes_collect_no_membership_fees(jiangcheng, make_home, make_resident):
    public = make_home(name="江城区社会福利中心", ownership="public", division="441702001001")
    acc = make_resident(public)
    with pytest.raises(ValidationFailed) as exc:
        collect(jiangcheng, acc, "membership", "10000", "M1")
    assert "不得收取会员费" in exc.value.message
    private = make_home()
    collect(jiangcheng, make_resident(private, name="李桂芳"), "membership", "10000", "M2")


def test_total_prepaid_not_above_net_fixed_assets_where_the_local_rule_says_so(jiangcheng, make_home, make_resident):
    home = make_home(net_assets="30000")
    acc = make_resident(home, bed_fee="3000")
    collect(jiangcheng, acc, "bed", "20000", "N1")  # no local rule yet
    LimitRule.objects.create(kind="net_assets", division_code="441702", value=D("1"), action="refuse",
                             valid_from=dt.date(2024, 1, 1), source="江城区细则（测试）")
    with pytest.raises(ValidationFailed) as exc:
        collect(jiangcheng, acc, "deposit", "10001", "N2")
    assert "净固定资产" in exc.value.message
    collect(jiangcheng, acc, "deposit", "10000", "N3")


def test_money_is_decimal_to_the_cent_and_the_database_refuses_a_negative_balance(jiangcheng, home, make_resident):
    acc = make_resident(home)
    with pytest.raises(ValidationFailed):
        collect(jiangcheng, acc, "bed", "100.005", "C1")
    with pytest.raises(ValidationFailed):
        collect(jiangcheng, acc, "bed", "-5", "C2")
    collect(jiangcheng, acc, "bed", "100.10", "C3")
    with pytest.raises(ValidationFailed):
        services.entry_record(by=jiangcheng, account=acc, kind="bed", direction="refund", amount="100.11", on=TODAY,
                              receipt_no="C4")
    with pytest.raises(IntegrityError), transaction.atomic():
        PrepaidAccount.objects.filter(pk=acc.pk).update(bal_bed=D("-0.01"))


def test_the_same_receipt_counts_once(jiangcheng, home, make_resident):
    acc = make_resident(home)
    collect(jiangcheng, acc, "bed", "2000", "SAME-1")
    with pytest.raises(Exception) as exc:
        collect(jiangcheng, acc, "bed", "2000", "SAME-1")
    assert "已登记过" in str(exc.value)
    acc.refresh_from_db()
    assert acc.bal_bed == D("2000.00")
