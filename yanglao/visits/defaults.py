"""The city default tiers (演示规则): the 2022 national guidance on 探访关爱 (民政部等十部门《关于开展特殊困难
老年人探访关爱服务的指导意见》) asks for monthly visits to older people living alone, empty-nest, left-behind,
disabled or in family-planning special families; the frequencies below are demo values a county replaces
with its own rules on /visits/tiers/."""

from __future__ import annotations

import datetime as dt
from typing import Any

HOME = ["alone", "empty_nest", "left_behind", "with_children", "with_spouse", "other"]
DOCUMENT = "探访关爱指导意见（2022）·演示规则"

DEFAULT_TIERS: list[dict[str, Any]] = [
    {"rank": 1, "name": "高风险", "living_situations": ["alone"], "min_care_level": 2, "visits_per_month": 4,
     "change_within_hours": 24},
    {"rank": 2, "name": "高风险", "living_situations": ["empty_nest", "left_behind"], "min_care_level": 3,
     "visits_per_month": 4, "change_within_hours": 24},
    {"rank": 3, "name": "重点对象", "living_situations": ["alone", "empty_nest", "left_behind"], "visits_per_month": 1},
    {"rank": 4, "name": "重点对象", "categories": ["tekun", "family_planning_special", "severe_disability"],
     "living_situations": HOME, "visits_per_month": 1},
    {"rank": 5, "name": "重点对象", "min_care_level": 2, "living_situations": HOME, "visits_per_month": 1},
    {"rank": 6, "name": "一般关注", "categories": ["dibao", "dibao_edge", "economic_hardship", "veteran"],
     "living_situations": HOME, "visits_per_month": 1, "interval_months": 3},
]


def ensure_default_tiers(model: Any = None) -> int:
    """Create the city default when the city has no rule yet. Returns how many were created."""
    if model is None:
        from .models import VisitTier as model  # noqa: N813
    if model.objects.filter(division_code="4417").exists():
        return 0
    for row in DEFAULT_TIERS:
        model.objects.create(division_code="4417", valid_from=dt.date(2022, 1, 1), document_no=DOCUMENT,
                             living_situations=row.get("living_situations", []), categories=row.get("categories", []),
                             min_care_level=row.get("min_care_level"), interval_months=row.get("interval_months", 1),
                             visits_per_month=row["visits_per_month"], change_within_hours=row.get("change_within_hours"),
                             rank=row["rank"], name=row["name"])
    return len(DEFAULT_TIERS)
