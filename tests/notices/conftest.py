import pytest

from tests.benefits.conftest import age_allowance, city_checker, older, run_month  # noqa: F401
from tests.institutions.conftest import home  # noqa: F401
from tests.people.conftest import make_id, new_person  # noqa: F401


@pytest.fixture
def family_person(new_person):  # noqa: F811
    """An older person with her own mobile and a son as guardian with another."""

    def create(**overrides):
        data = {"phone": "13800001234",
                "contacts": [{"kind": "guardian", "name": "陈明", "relation": "儿子", "phone": "13912345678"}]}
        return new_person(**(data | overrides))

    return create
