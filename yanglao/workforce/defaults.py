"""Configuration shipped with the platform (演示数值 where Yangjiang's own figures are not yet set)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

TARGET_SOURCE = ("粤府办〔2019〕23号 第11条：2020—2022年全省每年培训养老护理员和管理人员4万人次；"
                 "本市分解数为演示数值（按常住人口占比约2.1%）")
TARGETS = [{"year": y, "province_target": 40000, "city_target": 840, "source": TARGET_SOURCE}
           for y in (2020, 2021, 2022, 2023, 2024, 2025, 2026)]

NORM_SOURCE = "演示数值，参照《养老机构等级划分与评定》(GB/T 37276-2018)及广东省养老机构护理人员配置常见做法"
NORMS = [
    {"care_level": 0, "residents_per_carer": Decimal("10"), "source": NORM_SOURCE},
    {"care_level": 1, "residents_per_carer": Decimal("6"), "source": NORM_SOURCE},
    {"care_level": 2, "residents_per_carer": Decimal("4"), "source": NORM_SOURCE},
    {"care_level": 3, "residents_per_carer": Decimal("3"), "source": NORM_SOURCE},
    {"care_level": 4, "residents_per_carer": Decimal("2.5"), "source": NORM_SOURCE},
]

SUBSIDY_SOURCE = "演示数值，参照粤府办〔2019〕23号第11条（入职补贴、岗位补贴、职业技能等级补贴）"
RULES = [
    {"kind": "employment", "skill_level": None, "amount_fen": 500000, "min_service_months": 12,
     "valid_from": dt.date(2020, 1, 1), "source": SUBSIDY_SOURCE},
    {"kind": "post", "skill_level": None, "amount_fen": 20000, "min_service_months": 0,
     "valid_from": dt.date(2020, 1, 1), "source": SUBSIDY_SOURCE},
    {"kind": "certification", "skill_level": 5, "amount_fen": 100000, "min_service_months": 0,
     "valid_from": dt.date(2020, 1, 1), "source": SUBSIDY_SOURCE},
    {"kind": "certification", "skill_level": 4, "amount_fen": 150000, "min_service_months": 0,
     "valid_from": dt.date(2020, 1, 1), "source": SUBSIDY_SOURCE},
    {"kind": "certification", "skill_level": 3, "amount_fen": 200000, "min_service_months": 0,
     "valid_from": dt.date(2020, 1, 1), "source": SUBSIDY_SOURCE},
    {"kind": "certification", "skill_level": 2, "amount_fen": 300000, "min_service_months": 0,
     "valid_from": dt.date(2020, 1, 1), "source": SUBSIDY_SOURCE},
    {"kind": "certification", "skill_level": 1, "amount_fen": 400000, "min_service_months": 0,
     "valid_from": dt.date(2020, 1, 1), "source": SUBSIDY_SOURCE},
]


def ensure_defaults(target=None, norm=None, rule=None):  # type: ignore[no-untyped-def]
    if target is None:
        from .models import StaffingNorm as norm
        from .models import SubsidyRule as rule
        from .models import TrainingTarget as target
    if not target.objects.exists():
        target.objects.bulk_create([target(**t) for t in TARGETS])
    if not norm.objects.exists():
        norm.objects.bulk_create([norm(**n) for n in NORMS])
    if not rule.objects.exists():
        rule.objects.bulk_create([rule(**r) for r in RULES])
