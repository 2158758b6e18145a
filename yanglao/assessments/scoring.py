"""Scoring of a GB/T 42195-2022 assessment: total, base level and the C.4 adjustments.

The adjustments run in order: rule 1 (coma → level 4), rule 2 (dementia F00–F03, or
F04–F99 diagnosed by a psychiatrist: +1), rule 3 (two or more care-risk events in 30 days:
+1). Every rule whose condition is met is listed in ``rules_applied`` with the level before
and after it, even when it changed nothing because the level was already 4 (for instance
coma together with dementia). Whenever a raise was lost to the ceiling a final ``cap`` entry
says so. Reported levels are always within 0–4.
"""

from __future__ import annotations

import numbers
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from yanglao.assessments.scale import (
    INDICATORS,
    ITEM_CODES,
    ITEMS_BY_CODE,
    LEVELS,
    RISK_EVENTS_BY_CODE,
    TOTAL_MAX,
)

__all__ = [
    "MAX_LEVEL",
    "RuleApplied",
    "ScoreResult",
    "ScoringError",
    "ScoringPolicy",
    "level_from_total",
    "level_name",
    "score",
]

MAX_LEVEL = 4

_ICD10 = re.compile(r"[A-Z]\d{2}(?:\.\d+)?")


@dataclass(frozen=True)
class ScoringPolicy:
    """Local scoring settings; ``stack_adjustments``: rules 2 and 3 each raise by one."""

    stack_adjustments: bool = True


class ScoringError(ValueError):
    """Invalid scoring input; ``errors`` maps each offending key to a Chinese message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        super().__init__("；".join(f"{key}：{message}" for key, message in self.errors.items()))


@dataclass(frozen=True)
class RuleApplied:
    code: str
    description: str
    from_level: int
    to_level: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": self.description,
            "from_level": self.from_level,
            "to_level": self.to_level,
        }


@dataclass(frozen=True)
class ScoreResult:
    total: int
    indicators: dict[str, int]
    base_level: int
    level: int
    level_name: str
    rules_applied: tuple[RuleApplied, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "indicators": dict(self.indicators),
            "base_level": self.base_level,
            "level": self.level,
            "level_name": self.level_name,
            "rules_applied": [rule.as_dict() for rule in self.rules_applied],
        }


def level_from_total(total: int) -> int:
    """The level (0–4) for a total score, per the table of GB/T 42195-2022."""
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= TOTAL_MAX:
        raise ValueError(f"总分 {total!r} 超出范围 0–{TOTAL_MAX}")
    for level in LEVELS:
        if level.min_total <= total <= level.max_total:
            return level.level
    raise AssertionError(f"no level covers total {total}")  # pragma: no cover


def level_name(level: int, lang: Literal["zh", "en"] = "zh") -> str:
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"能力等级 {level!r} 超出范围 0–{MAX_LEVEL}")
    if lang == "zh":
        return LEVELS[level].name_zh
    if lang == "en":
        return LEVELS[level].name_en
    raise ValueError(f"unsupported language {lang!r}")


def score(
    items: Mapping[str, int],
    *,
    coma: bool = False,
    diagnoses: Sequence[str] = (),
    risk_events_30d: Sequence[str] = (),
    psychiatrist_diagnosed: bool = True,
    policy: ScoringPolicy = ScoringPolicy(),
) -> ScoreResult:
    """Score the 26 items and apply the C.4 adjustments; raise ScoringError listing every problem."""
    errors: dict[str, str] = {}
    scores = _validate_items(items, errors)
    codes = _validate_diagnoses(diagnoses, errors)
    events = _validate_risk_events(risk_events_30d, errors)
    if not isinstance(coma, bool):
        errors["coma"] = "昏迷标记必须为布尔值"
    if errors:
        raise ScoringError(errors)

    indicators = {
        indicator.code: sum(scores[code] for code in indicator.item_codes) for indicator in INDICATORS
    }
    total = sum(indicators.values())
    base_level = level_from_total(total)

    level = base_level
    rules: list[RuleApplied] = []
    if coma:
        rules.append(RuleApplied("coma", "昏迷，直接评定为能力完全丧失（C.4 第1条）", level, MAX_LEVEL))
        level = MAX_LEVEL

    raises = [
        rule
        for rule in (_diagnosis_rule(codes, psychiatrist_diagnosed), _risk_event_rule(events))
        if rule is not None
    ]
    capped = False
    for index, (code, condition, clause) in enumerate(raises):
        if index > 0 and not policy.stack_adjustments:
            effect = "与第2条同时适用，按评分政策两条不叠加、合计只上调一级，本条不再上调"
            rules.append(RuleApplied(code, f"{condition}，{effect}（{clause}）", level, level))
            continue
        if level >= MAX_LEVEL:
            capped = True
            effect = "应上调一级，但已是最高等级"
        else:
            effect = "能力等级上调一级"
        new_level = min(level + 1, MAX_LEVEL)
        rules.append(RuleApplied(code, f"{condition}，{effect}（{clause}）", level, new_level))
        level = new_level
    if capped:
        rules.append(
            RuleApplied(
                "cap",
                f"能力等级最高为{MAX_LEVEL}级，超出的上调不计",
                MAX_LEVEL,
                MAX_LEVEL,
            )
        )

    return ScoreResult(
        total=total,
        indicators=indicators,
        base_level=base_level,
        level=level,
        level_name=level_name(level),
        rules_applied=tuple(rules),
    )


def _validate_items(items: object, errors: dict[str, str]) -> dict[str, int]:
    if not isinstance(items, Mapping):
        errors["items"] = "评估项目评分必须为“项目代码 → 分值”的映射"
        return {}
    scores: dict[str, int] = {}
    for key, value in items.items():
        if not isinstance(key, str):
            errors["items"] = f"评估项目代码必须为字符串：{key!r}"
            continue
        item = ITEMS_BY_CODE.get(key)
        if item is None:
            errors[key] = "未知的评估项目代码"
        elif isinstance(value, bool) or not isinstance(value, numbers.Integral):
            errors[key] = f"分值必须为整数：{value!r}"
        elif int(value) not in item.scores:
            errors[key] = f"分值 {value} 超出范围 {item.min_score}–{item.max_score}"
        else:
            scores[key] = int(value)
    for code in ITEM_CODES:
        if code not in items:
            errors[code] = "缺少此项评分"
    return scores


def _sequence_or_error(value: object, key: str, what: str, errors: dict[str, str]) -> list[object]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        errors[key] = f"{what}必须为列表"
        return []
    return list(value)


def _validate_diagnoses(diagnoses: object, errors: dict[str, str]) -> list[str]:
    entries = _sequence_or_error(diagnoses, "diagnoses", "诊断编码", errors)
    codes: list[str] = []
    invalid: list[str] = []
    for entry in entries:
        code = entry.strip().upper() if isinstance(entry, str) else None
        if code is None or not _ICD10.fullmatch(code):
            invalid.append(repr(entry))
        elif code not in codes:
            codes.append(code)
    if invalid:
        errors["diagnoses"] = (
            f"无效的 ICD-10 编码：{'、'.join(invalid)}（应为一个字母加两位数字，可带小数部分，如 F01.1）"
        )
    return codes


def _validate_risk_events(events: object, errors: dict[str, str]) -> list[str]:
    entries = _sequence_or_error(events, "risk_events_30d", "照护风险事件", errors)
    known = [entry for entry in entries if isinstance(entry, str) and entry in RISK_EVENTS_BY_CODE]
    unknown = [repr(entry) for entry in entries if entry not in known]
    if unknown:
        errors["risk_events_30d"] = (
            f"未知的照护风险事件代码：{'、'.join(unknown)}（可选：{'、'.join(RISK_EVENTS_BY_CODE)}）"
        )
    return known


def _diagnosis_rule(codes: Sequence[str], psychiatrist_diagnosed: bool) -> tuple[str, str, str] | None:
    mental = [code for code in codes if code[0] == "F"]
    dementia = [code for code in mental if int(code[1:3]) <= 3]
    if dementia:
        return "dementia", f"诊断为痴呆（{'、'.join(dementia)}）", "C.4 第2条"
    if mental and psychiatrist_diagnosed:
        return (
            "mental_disorder",
            f"经精神科医师诊断的精神和行为障碍（{'、'.join(mental)}）",
            "C.4 第2条",
        )
    return None


def _risk_event_rule(events: Sequence[str]) -> tuple[str, str, str] | None:
    if len(events) < 2:
        return None
    counts = "、".join(
        f"{RISK_EVENTS_BY_CODE[code].name_zh}×{count}" for code, count in Counter(events).items()
    )
    return "risk_events", f"近30天内发生照护风险事件{len(events)}次（{counts}）", "C.4 第3条"
