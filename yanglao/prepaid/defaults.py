"""The limits in force everywhere, seeded by a data migration (and by tests, which flush it).

The texts are summaries of the national guidance and of provincial implementing measures; an
administrator adds the province's or the city's own (lower) limits as new dated rules with their source.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

GUIDANCE = "民政部等七部门《关于加强养老机构预收费监管的指导意见》（2024年）"
DEFAULT_RULES = [
    {
        "kind": "service_months", "value": Decimal("12"), "action": "refuse", "valid_from": dt.date(2024, 1, 1),
        "source": GUIDANCE,
        "source_text": "养老机构以预收服务费形式收取的床位费、照料护理费、餐费，预收周期最长不得超过12个月；"
                       "省级民政部门可以结合实际确定更低的标准。",
    },
    {
        "kind": "deposit_multiple", "value": Decimal("12"), "action": "refuse", "valid_from": dt.date(2024, 1, 1),
        "source": GUIDANCE,
        "source_text": "养老机构收取的押金，单个老年人押金额度最高不得超过该老年人月床位费的12倍；"
                       "省级民政部门可以结合实际确定更低的标准。",
    },
    {
        "kind": "public_no_membership", "value": Decimal("0"), "action": "refuse", "valid_from": dt.date(2024, 1, 1),
        "source": "多省养老机构预收费监管实施办法（公办、公建民营养老机构）",
        "source_text": "公办养老机构、公建民营养老机构不得收取会员费（多省实施办法的规定，本市适用前请核对本省文件）。",
    },
]


def ensure_default_rules() -> int:
    """Create the default rules that are missing (by kind, division and start date); return how many."""
    from .models import LimitRule

    made = 0
    for data in DEFAULT_RULES:
        _rule, created = LimitRule.objects.get_or_create(
            kind=data["kind"], division_code="", valid_from=data["valid_from"], defaults=data)
        made += created
    return made
