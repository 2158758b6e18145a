import datetime as dt

import pytest

from tests.people.conftest import make_id, new_person  # noqa: F401
from yanglao.benefits import services
from yanglao.core.roles import Role
from yanglao.core.testing import make_user


@pytest.fixture
def city_checker(divisions):
    return make_user(Role.CITY_ADMIN, "4417", username="city2")


@pytest.fixture
def age_allowance(city_admin):
    """高龄津贴: 80–89 50元, 90–99 100元, 100+ 300元 from 2025-01-01; auto enrolment; age on the 1st."""
    p = services.programme_create(by=city_admin, code="gaoling", name="高龄津贴", kind="allowance",
                                  legal_basis="阳民〔2025〕1号", issuing_unit="阳江市民政局")
    services.rule_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), min_age=80, document_no="阳民〔2025〕1号")
    for lo, hi, amount, label in ((80, 89, "50", "80–89岁"), (90, 99, "100", "90–99岁"), (100, None, "300", "100岁及以上")):
        services.band_add(by=city_admin, programme=p, valid_from=dt.date(2025, 1, 1), key_min=lo, key_max=hi,
                          amount=amount, label=label, document_no="阳民〔2025〕1号")
    return p


@pytest.fixture
def run_month(django_capture_on_commit_callbacks):
    """Preview a month and let the background job run; returns the run, refreshed."""

    def run(by, programme, month):
        with django_capture_on_commit_callbacks(execute=True):
            r = services.run_preview(by=by, programme=programme, month=month)
        r.refresh_from_db()
        return r

    return run


@pytest.fixture
def older(new_person):  # noqa: F811
    """older("19440315", division_code=..., living_situation=...) -> Person born that day."""
    counter = {"n": 500}

    def create(birth: str, **overrides):
        counter["n"] += 1
        region = overrides.pop("region", "441702")
        return new_person(id_number=make_id(region=region, birth=birth, seq=f"{counter['n']:03d}"), **overrides)

    return create


@pytest.fixture
def township_checker(divisions):
    return make_user(Role.COUNTY_STAFF, "441702", username="jiangcheng2")
