"""The demo loader: fast, consistent with the scoring, idempotent."""

from __future__ import annotations

import pytest

from yanglao.assessments import demo, selectors
from yanglao.assessments.choices import OPEN_STATES, Scale
from yanglao.assessments.models import Assessment
from yanglao.assessments.scoring import score
from yanglao.core.roles import Role
from yanglao.core.testing import make_user

from .conftest import make_id

pytestmark = pytest.mark.django_db


def test_demo_results_agree_with_the_scoring_and_loading_twice_changes_nothing(new_person, jiangcheng):
    for i in range(40):
        new_person(name=f"张{chr(0x5B50 + i)}", id_number=make_id(seq=f"{300 + i:03d}"))
    make_user(Role.ASSESSOR, "441702", username="assessor1")
    make_user(Role.ASSESSOR, "441702", username="assessor2")
    summary = demo.load_demo(seed=7)
    assert summary.startswith("能力评估演示数据：评估结果")
    results = Assessment.objects.filter(scale=Scale.GBT42195, status__in=["approved", "published"])
    assert results.exists()
    for a in results:
        assert score(a.items, diagnoses=a.diagnoses, risk_events_30d=a.risk_events).level == a.level
        assert a.reviewer_id not in a.assessor_ids()
    assert Assessment.objects.filter(status__in=OPEN_STATES, assessor_1__username__in=["assessor1", "assessor2"]).exists()
    assert Assessment.objects.filter(scale=Scale.MZT039).exists()
    assert selectors.care_levels_for(results.values_list("person_id", flat=True))
    count = Assessment.objects.count()
    assert demo.load_demo(seed=7).endswith("跳过")
    assert Assessment.objects.count() == count
