"""The registry import checks each chunk's ID numbers as one column (core.columns) and parses only the
others row by row: every row's outcome — accepted with the same stored values, or refused with the same
(field, reason) — must be that of parsing every number row by row."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yanglao.people import importing

from ..core.test_columns import id_cells

TODAY = dt.date(2026, 11, 29)
SEALED = {"id_enc", "phone_enc", "contact"}  # random nonces: compared by what they hold, not their bytes


def comparable(outcomes: list[importing.Outcome]) -> list[tuple]:
    keep = [i for i, name in enumerate(importing.STAGE_COLUMNS) if name not in SEALED]
    return [(kind, pos, tuple(payload[i] for i in keep) if kind == importing.OK else payload)
            for kind, pos, payload in outcomes]


@pytest.fixture
def ctx(divisions):
    return importing._CheckContext(job_id=1, prefix="4417", today=TODAY, communities=frozenset(["441702001001"]),
                                   names=None)


rows = st.lists(st.fixed_dictionaries({
    "姓名": st.sampled_from(["张三", "李 四", "买买提.艾力", "王", ""]),
    "身份证号码": id_cells(),
    "出生日期": st.sampled_from(["", "1958-01-01", "1958-1-1", "1958-02-30", "19580101"]),
    "性别": st.sampled_from(["", "男", "女"]),
    "居住社区代码": st.just("441702001001"),
    "居住状况": st.sampled_from(["独居", "空巢"]),
}), min_size=1, max_size=20)


@pytest.mark.django_db
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows)
def test_column_checked_ids_give_the_same_rows_and_messages_as_row_by_row_parsing(ctx, monkeypatch, cells):
    import numpy as np

    from yanglao.core import columns

    numbered = [(i + 2, c) for i, c in enumerate(cells)]
    fast = importing._check_rows(numbered, ctx, importing.Sealer())
    with monkeypatch.context() as m:  # every number parsed row by row
        m.setattr(columns, "valid_id_numbers", lambda values, today: np.zeros(len(values), dtype=bool))
        slow = importing._check_rows(numbered, ctx, importing.Sealer())
    assert comparable(fast) == comparable(slow)
