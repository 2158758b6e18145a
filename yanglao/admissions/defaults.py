"""The policy's default waiting-list rules (YJ 3, YJ-T 11, GD 6), loaded by a data migration.
Administrators change them as data afterwards."""

from __future__ import annotations

import datetime as dt
from typing import Any

BASIS = "粤府办〔2019〕23号；阳江市加快推进养老服务发展若干措施"
START = dt.date(2020, 1, 1)
# rank, name, categories (any of), minimum care level, dementia counts as disability, must admit
RULES: list[tuple[int, str, list[str], int | None, bool, bool]] = [
    (1, "特困供养人员", ["tekun"], None, False, True),
    (2, "经济困难的失能、失智老年人", ["dibao", "dibao_edge", "economic_hardship"], 2, True, False),
    (3, "计划生育特殊家庭老年人", ["family_planning_special"], None, False, False),
    (4, "退役军人及其他优抚对象", ["veteran"], None, False, False),
    (5, "其他老年人", [], None, False, False),
]


def ensure_default_rules(priority_rule: Any = None, admission_policy: Any = None) -> None:
    """Create the default rules and policy if none exist (models passed in by the migration)."""
    if priority_rule is None or admission_policy is None:
        from .models import AdmissionPolicy, PriorityRule

        priority_rule, admission_policy = PriorityRule, AdmissionPolicy
    if not priority_rule.objects.exists():
        for rank, name, categories, level, dementia, must in RULES:
            priority_rule.objects.create(rank=rank, name=name, categories=categories, min_care_level=level,
                                         dementia_counts=dementia, must_admit=must, valid_from=START, document_no=BASIS)
    if not admission_policy.objects.exists():
        admission_policy.objects.create(valid_from=START, decline_limit=2, decline_window_days=365, removal_days=365,
                                        offer_days=7, document_no=BASIS)
