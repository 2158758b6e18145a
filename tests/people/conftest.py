import datetime as dt

import pytest

from yanglao.core.idnumber import check_digit
from yanglao.people import services


def make_id(region: str = "441702", birth: str = "19500101", seq: str = "123") -> str:
    first17 = f"{region}{birth}{seq}"
    return first17 + check_digit(first17)


@pytest.fixture
def new_person(jiangcheng):
    counter = {"n": 100}

    def create(**overrides):
        counter["n"] += 1
        data = {
            "name": "陈秀英",
            "id_number": make_id(seq=f"{counter['n']:03d}"),
            "division_code": "441702001001",
            "phone": f"13800{counter['n']:06d}",
            "address": "北门路1号",
            "living_situation": "alone",
        } | overrides
        return services.person_create(by=overrides.pop("by", jiangcheng), data=data, today=dt.date(2026, 11, 23))

    return create
