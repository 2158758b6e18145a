import datetime as dt
from decimal import Decimal

import pytest

from yanglao.core.roles import Role
from yanglao.core.testing import make_user
from yanglao.funding import services


@pytest.fixture
def city2(divisions):
    return make_user(Role.CITY_ADMIN, "4417", username="city-second")


def spend(by, code, amount, *, source="lottery", purpose="institution", on=dt.date(2024, 5, 6), voucher=None, **extra):
    voucher = voucher or f"记-{code}-{on:%Y%m%d}-{amount}-{source}"
    return services.spending_save(by=by, data={
        "paid_on": on, "voucher_no": voucher, "division_code": code, "source": source, "purpose": purpose,
        "amount": Decimal(str(amount)), "payee": extra.pop("payee", "阳江市江城区社会福利中心"), **extra})


def receive(by, code, amount, *, year=2024):
    return services.lottery_save(by=by, data={"year": year, "division_code": code, "received": Decimal(str(amount))})
