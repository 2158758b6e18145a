"""The lottery-fund share: lottery funds spent on elderly care ÷ lottery funds received, per prefix and year, the
platform's own lottery-paid streams included, against the 55 % floor from 2021 — and the dashboard's contract."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from tests.funding.conftest import receive, spend
from tests.institutions.conftest import home  # noqa: F401 - fixture
from yanglao.core.errors import Conflict
from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.funding import selectors, services
from yanglao.funding.selectors import LotteryShare, lottery_share

pytestmark = pytest.mark.django_db


def test_lottery_share_divides_lottery_spending_by_the_funds_received_within_the_prefix(city_admin, jiangcheng, yangxi):
    receive(jiangcheng, "441702", "1000000.00")
    spend(jiangcheng, "441702", "400000.00")
    spend(jiangcheng, "441702", "162345.67", purpose="homecare")
    spend(jiangcheng, "441702", "900000.00", source="general")  # another source: not in the share
    receive(yangxi, "441721", "500000.00")
    spend(yangxi, "441721", "200000.00")
    receive(city_admin, "4417", "2000000.00")
    spend(city_admin, "4417", "1300000.00")

    county = lottery_share(year=2024, prefix="441702")
    assert isinstance(county, LotteryShare) and dataclasses.is_dataclass(county)
    assert county.spent_elderly == Decimal("562345.67") and county.lottery_total == Decimal("1000000.00")
    assert county.share == Decimal("0.5623") and county.percent == Decimal("56.23") and county.meets_floor is True
    city = lottery_share(year=2024)  # the default prefix is the whole city, counties included
    assert city.spent_elderly == Decimal("2062345.67") and city.lottery_total == Decimal("3500000.00")
    assert city.share == Decimal("0.5892")
    west = lottery_share(year=2024, prefix="441721")
    assert west.share == Decimal("0.4000") and west.meets_floor is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        county.share = Decimal("1")  # type: ignore[misc]


def test_lottery_share_is_none_without_data_and_its_share_none_when_nothing_was_received(jiangcheng):
    assert lottery_share(year=2024, prefix="441702") is None
    spend(jiangcheng, "441702", "1000.00")
    got = lottery_share(year=2024, prefix="441702")
    assert got is not None and got.lottery_total == Decimal("0") and got.share is None and got.meets_floor is None
    receive(jiangcheng, "441702", "0", year=2023)
    assert lottery_share(year=2023, prefix="441702").share is None
    assert lottery_share(year=2024, prefix="441704") is None


def test_a_construction_subsidy_paid_in_the_platform_counts_as_lottery_spending_once(jiangcheng, home):  # noqa: F811
    from yanglao.institutions.models import ConstructionSubsidy

    ConstructionSubsidy.objects.create(
        institution=home, beds_added=20, amount_per_bed=Decimal("5000"), amount=Decimal("100000.00"), status="paid",
        applied_by=jiangcheng, paid_on=dt.date(2024, 3, 1), voucher_no="JS-2024-01", division_code=home.division_code)
    receive(jiangcheng, "441702", "200000.00")
    share = lottery_share(year=2024, prefix="441702")
    assert share.spent_elderly == Decimal("100000.00") and share.share == Decimal("0.5000")
    # entering the same payment by hand is refused: it is already counted as 平台内支出
    with pytest.raises(Conflict):
        spend(jiangcheng, "441702", "100000.00", voucher="JS-2024-01")
    # the city moves that stream to the general budget: it leaves the lottery share
    city = make_user(Role.CITY_ADMIN, "4417")
    services.stream_source_set(by=city, stream="institution_construction", source="general")
    assert lottery_share(year=2024, prefix="441702").spent_elderly == Decimal("0")


def test_the_share_table_is_green_or_red_against_55_percent_from_2021_only(city_admin, jiangcheng, yangxi):
    for year, got in ((2020, "300"), (2021, "549.99"), (2022, "550")):
        receive(jiangcheng, "441702", "1000", year=year)
        spend(jiangcheng, "441702", got, on=dt.date(year, 6, 1))
    rows = {r.name: r for r in selectors.share_table(city_admin, years=[2020, 2021, 2022])}
    assert [c.colour for c in rows["江城区"].cells] == ["none", "red", "green"]
    assert [c.colour for c in rows["阳西县"].cells] == ["none", "none", "none"]
    assert rows["全市合计"].is_total and rows["全市合计"].cells[2].percent == Decimal("55.00")
    # a county sees its own row only
    assert [r.name for r in selectors.share_table(jiangcheng, years=[2022])] == ["江城区"]
    assert [r.name for r in selectors.share_table(yangxi, years=[2022])] == ["阳西县"]
