"""Tests for the GB/T 42195-2022 scale and its scoring (pure Python, no Django)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yanglao.assessments.scale import (
    INDICATORS,
    INDICATORS_BY_CODE,
    ITEM_CODES,
    ITEMS,
    ITEMS_BY_CODE,
    LEVELS,
    RISK_EVENTS,
    TOTAL_MAX,
)
from yanglao.assessments.scoring import (
    ScoreResult,
    ScoringError,
    ScoringPolicy,
    level_from_total,
    level_name,
    score,
)


def full_marks() -> dict[str, int]:
    return {item.code: item.max_score for item in ITEMS}


def items_with_total(total: int) -> dict[str, int]:
    """A valid item dict whose scores add up to exactly ``total``."""
    assert 0 <= total <= TOTAL_MAX
    items = full_marks()
    deficit = TOTAL_MAX - total
    for item in reversed(ITEMS):
        cut = min(deficit, item.max_score - item.min_score)
        items[item.code] -= cut
        deficit -= cut
    assert sum(items.values()) == total
    return items


def rule_codes(result: ScoreResult) -> list[str]:
    return [rule.code for rule in result.rules_applied]


# --- The scale -----------------------------------------------------------------------------


def test_scale_has_26_items_in_standard_order() -> None:
    assert len(ITEMS) == 26
    assert ITEM_CODES == (
        "B1.1", "B1.2", "B1.3", "B1.4", "B1.5", "B1.6", "B1.7", "B1.8",
        "B2.1", "B2.2", "B2.3", "B2.4",
        "B3.1", "B3.2", "B3.3", "B3.4", "B3.5", "B3.6", "B3.7", "B3.8", "B3.9",
        "B4.1", "B4.2", "B4.3", "B4.4", "B4.5",
    )  # fmt: skip
    assert list(ITEMS_BY_CODE) == list(ITEM_CODES)


def test_total_maximum_is_90() -> None:
    assert TOTAL_MAX == 90
    assert sum(item.max_score for item in ITEMS) == 90
    assert score(full_marks()).total == 90


def test_indicator_maxima_are_32_15_28_15() -> None:
    assert [(i.code, i.name_zh, i.max_score) for i in INDICATORS] == [
        ("self_care", "自理能力", 32),
        ("movement", "基础运动能力", 15),
        ("mental", "精神状态", 28),
        ("perception", "感知觉与社会参与", 15),
    ]
    assert score(full_marks()).indicators == {
        "self_care": 32, "movement": 15, "mental": 28, "perception": 15,
    }  # fmt: skip


def test_every_item_belongs_to_exactly_one_indicator() -> None:
    listed = [code for indicator in INDICATORS for code in indicator.item_codes]
    assert listed == list(ITEM_CODES)
    for item in ITEMS:
        assert item.code in INDICATORS_BY_CODE[item.indicator].item_codes


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [("B2.4", 0, 3), ("B3.7", 0, 1), ("B3.8", 0, 1), ("B3.9", 0, 2),
     ("B4.1", 0, 2), ("B4.2", 0, 2), ("B4.4", 0, 3), ("B1.1", 0, 4), ("B4.5", 0, 4)],
)  # fmt: skip
def test_item_score_ranges_follow_the_standard(code: str, low: int, high: int) -> None:
    item = ITEMS_BY_CODE[code]
    assert (item.min_score, item.max_score) == (low, high)


def test_options_are_contiguous_highest_first_with_chinese_wording() -> None:
    for item in ITEMS:
        scores = [option.score for option in item.options]
        assert scores == list(range(item.max_score, item.min_score - 1, -1)), item.code
        for option in item.options:
            assert option.label and any("\u4e00" <= ch <= "\u9fff" for ch in option.label)


def test_eating_options_use_the_standard_wording() -> None:
    labels = {option.score: option.label for option in ITEMS_BY_CODE["B1.1"].options}
    assert labels[4] == "独立使用餐具将食物送进口中并咽下，没有呛咳"
    assert labels[0] == "完全依赖他人协助进食，或吞咽困难，或留置营养管"
    assert "留置导尿管" in {o.score: o.label for o in ITEMS_BY_CODE["B1.6"].options}[0]


def test_levels_cover_0_to_90_without_gaps() -> None:
    assert [level.level for level in LEVELS] == [0, 1, 2, 3, 4]
    covered = sorted(t for lv in LEVELS for t in range(lv.min_total, lv.max_total + 1))
    assert covered == list(range(0, 91))


def test_risk_event_codes() -> None:
    assert [(e.code, e.name_zh) for e in RISK_EVENTS] == [
        ("fall", "跌倒"), ("choking", "噎食"), ("suicide", "自杀"),
        ("self_harm", "自伤"), ("wandering", "走失"), ("other", "其他"),
    ]  # fmt: skip


# --- Level boundaries ---------------------------------------------------------------------


def test_total_of_90_is_level_0() -> None:
    result = score(items_with_total(90))
    assert (result.total, result.base_level, result.level) == (90, 0, 0)
    assert result.level_name == "能力完好"
    assert result.rules_applied == ()


def test_89_is_mild() -> None:
    result = score(items_with_total(89))
    assert (result.total, result.level) == (89, 1)
    assert result.level_name == "能力轻度受损（轻度失能）"


def test_66_is_mild() -> None:
    assert score(items_with_total(66)).level == 1


def test_65_is_moderate() -> None:
    result = score(items_with_total(65))
    assert result.level == 2
    assert result.level_name == "能力中度受损（中度失能）"


def test_46_is_moderate() -> None:
    assert score(items_with_total(46)).level == 2


def test_45_is_severe() -> None:
    result = score(items_with_total(45))
    assert result.level == 3
    assert result.level_name == "能力重度受损（重度失能）"


def test_30_is_severe() -> None:
    assert score(items_with_total(30)).level == 3


def test_29_is_complete_loss() -> None:
    result = score(items_with_total(29))
    assert result.level == 4
    assert result.level_name == "能力完全丧失（完全失能）"


def test_total_of_0_is_level_4() -> None:
    assert score(items_with_total(0)).level == 4


@pytest.mark.parametrize(
    ("total", "level"),
    [(90, 0), (89, 1), (66, 1), (65, 2), (46, 2), (45, 3), (30, 3), (29, 4), (0, 4)],
)
def test_level_from_total_boundaries(total: int, level: int) -> None:
    assert level_from_total(total) == level


@pytest.mark.parametrize("total", [-1, 91, True, 45.0])
def test_level_from_total_rejects_out_of_range_or_non_int(total: object) -> None:
    with pytest.raises(ValueError):
        level_from_total(total)  # type: ignore[arg-type]


def test_level_name_in_both_languages() -> None:
    assert level_name(0) == "能力完好"
    assert level_name(4, "en") == "Completely lost (complete disability)"
    with pytest.raises(ValueError):
        level_name(5)
    with pytest.raises(ValueError):
        level_name(1, "fr")  # type: ignore[arg-type]


def test_indicator_subtotals_add_up_to_total() -> None:
    items = items_with_total(57)
    result = score(items)
    assert sum(result.indicators.values()) == result.total == 57
    assert result.indicators["self_care"] == sum(items[c] for c in ITEM_CODES[:8])


# --- Rule 1: coma --------------------------------------------------------------------------


def test_coma_rates_level_4_directly() -> None:
    result = score(items_with_total(70), coma=True)
    assert (result.base_level, result.level) == (1, 4)
    (rule,) = result.rules_applied
    assert (rule.code, rule.from_level, rule.to_level) == ("coma", 1, 4)
    assert "C.4 第1条" in rule.description


def test_coma_is_recorded_even_when_base_level_is_already_4() -> None:
    result = score(items_with_total(10), coma=True)
    assert result.level == 4
    assert [(r.code, r.from_level, r.to_level) for r in result.rules_applied] == [("coma", 4, 4)]


def test_coma_with_dementia_lists_dementia_as_capped() -> None:
    result = score(items_with_total(90), coma=True, diagnoses=["F03"])
    assert result.level == 4
    assert [(r.code, r.from_level, r.to_level) for r in result.rules_applied] == [
        ("coma", 0, 4), ("dementia", 4, 4), ("cap", 4, 4),
    ]  # fmt: skip
    assert "已是最高等级" in result.rules_applied[1].description


# --- Rule 2: diagnoses ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["F00", "F00.0", "F01", "F01.1", "F02.8", "f03.9", " F03 "])
def test_dementia_diagnosis_raises_one_level(code: str) -> None:
    result = score(items_with_total(70), diagnoses=[code])
    assert (result.base_level, result.level) == (1, 2)
    (rule,) = result.rules_applied
    assert (rule.code, rule.from_level, rule.to_level) == ("dementia", 1, 2)
    assert "C.4 第2条" in rule.description


def test_other_mental_disorder_diagnosed_by_psychiatrist_raises_one_level() -> None:
    result = score(items_with_total(50), diagnoses=["F32.1"])
    assert (result.base_level, result.level) == (2, 3)
    assert rule_codes(result) == ["mental_disorder"]


def test_f99_counts_as_mental_disorder() -> None:
    assert score(items_with_total(50), diagnoses=["F99"]).level == 3


def test_other_mental_disorder_without_psychiatrist_does_not_raise() -> None:
    result = score(items_with_total(50), diagnoses=["F20.0"], psychiatrist_diagnosed=False)
    assert result.level == result.base_level == 2
    assert result.rules_applied == ()


def test_dementia_raises_even_without_psychiatrist() -> None:
    result = score(items_with_total(50), diagnoses=["F01"], psychiatrist_diagnosed=False)
    assert result.level == 3


def test_non_mental_diagnosis_does_not_raise() -> None:
    result = score(items_with_total(70), diagnoses=["I10", "E11.9", "G30.1"])
    assert result.level == 1
    assert result.rules_applied == ()


def test_several_qualifying_diagnoses_raise_only_once() -> None:
    result = score(items_with_total(70), diagnoses=["F01", "F03.9", "F32", "F01"])
    assert result.level == 2
    assert rule_codes(result) == ["dementia"]
    assert "F01、F03.9" in result.rules_applied[0].description


@pytest.mark.parametrize("bad", ["F1", "F001", "01F", "FF01", "F01.", "F01.x", "", 3])
def test_invalid_icd10_code_is_rejected(bad: object) -> None:
    with pytest.raises(ScoringError) as caught:
        score(full_marks(), diagnoses=["F01", bad])  # type: ignore[list-item]
    assert set(caught.value.errors) == {"diagnoses"}
    assert "ICD-10" in caught.value.errors["diagnoses"]


def test_diagnoses_given_as_a_single_string_is_rejected() -> None:
    with pytest.raises(ScoringError) as caught:
        score(full_marks(), diagnoses="F01")
    assert set(caught.value.errors) == {"diagnoses"}


# --- Rule 3: care-risk events --------------------------------------------------------------


def test_two_risk_events_raise_one_level() -> None:
    result = score(items_with_total(70), risk_events_30d=["fall", "choking"])
    assert (result.base_level, result.level) == (1, 2)
    (rule,) = result.rules_applied
    assert (rule.code, rule.from_level, rule.to_level) == ("risk_events", 1, 2)
    assert "C.4 第3条" in rule.description


def test_one_risk_event_is_not_enough() -> None:
    result = score(items_with_total(70), risk_events_30d=["fall"])
    assert result.level == 1
    assert result.rules_applied == ()


def test_repeated_event_of_the_same_kind_counts_twice() -> None:
    result = score(items_with_total(70), risk_events_30d=["fall", "fall"])
    assert result.level == 2
    assert "跌倒×2" in result.rules_applied[0].description


def test_many_risk_events_still_raise_only_one_level() -> None:
    result = score(items_with_total(70), risk_events_30d=["fall"] * 3 + ["wandering", "other"])
    assert result.level == 2


def test_unknown_risk_event_is_rejected() -> None:
    with pytest.raises(ScoringError) as caught:
        score(full_marks(), risk_events_30d=["fall", "flood"])
    assert set(caught.value.errors) == {"risk_events_30d"}
    assert "flood" in caught.value.errors["risk_events_30d"]


# --- Rules 2 and 3 together, cap -----------------------------------------------------------


def test_dementia_and_risk_events_stack_by_default() -> None:
    result = score(items_with_total(70), diagnoses=["F03"], risk_events_30d=["fall", "fall"])
    assert (result.base_level, result.level) == (1, 3)
    assert [(r.code, r.from_level, r.to_level) for r in result.rules_applied] == [
        ("dementia", 1, 2), ("risk_events", 2, 3),
    ]  # fmt: skip


def test_non_stacking_policy_raises_only_one_level_and_says_so() -> None:
    result = score(
        items_with_total(70),
        diagnoses=["F03"],
        risk_events_30d=["fall", "fall"],
        policy=ScoringPolicy(stack_adjustments=False),
    )
    assert (result.base_level, result.level) == (1, 2)
    assert [(r.code, r.from_level, r.to_level) for r in result.rules_applied] == [
        ("dementia", 1, 2), ("risk_events", 2, 2),
    ]  # fmt: skip
    assert "不叠加" in result.rules_applied[1].description


def test_non_stacking_policy_with_a_single_rule_still_raises() -> None:
    policy = ScoringPolicy(stack_adjustments=False)
    result = score(items_with_total(70), risk_events_30d=["fall", "choking"], policy=policy)
    assert result.level == 2


def test_level_is_capped_at_4_and_cap_is_recorded() -> None:
    result = score(items_with_total(35), diagnoses=["F00"], risk_events_30d=["fall", "suicide"])
    assert (result.base_level, result.level) == (3, 4)
    assert [(r.code, r.from_level, r.to_level) for r in result.rules_applied] == [
        ("dementia", 3, 4), ("risk_events", 4, 4), ("cap", 4, 4),
    ]  # fmt: skip


def test_raise_from_level_4_is_capped() -> None:
    result = score(items_with_total(20), risk_events_30d=["fall", "fall"])
    assert result.level == 4
    assert rule_codes(result) == ["risk_events", "cap"]


def test_reaching_4_exactly_needs_no_cap_entry() -> None:
    result = score(items_with_total(35), diagnoses=["F02"])
    assert result.level == 4
    assert rule_codes(result) == ["dementia"]


# --- Validation ----------------------------------------------------------------------------


def test_missing_item_is_reported() -> None:
    items = full_marks()
    del items["B1.3"]
    with pytest.raises(ScoringError) as caught:
        score(items)
    assert caught.value.errors == {"B1.3": "缺少此项评分"}


def test_unknown_item_code_is_reported() -> None:
    items = full_marks() | {"B9.9": 1}
    with pytest.raises(ScoringError) as caught:
        score(items)
    assert caught.value.errors == {"B9.9": "未知的评估项目代码"}


def test_out_of_range_score_is_reported() -> None:
    with pytest.raises(ScoringError) as caught:
        score(full_marks() | {"B2.4": 4})
    assert caught.value.errors == {"B2.4": "分值 4 超出范围 0–3"}


@pytest.mark.parametrize(("code", "value"), [("B3.7", 2), ("B4.4", -1), ("B1.1", 5)])
def test_scores_outside_each_items_range_are_rejected(code: str, value: int) -> None:
    with pytest.raises(ScoringError) as caught:
        score(full_marks() | {code: value})
    assert set(caught.value.errors) == {code}


@pytest.mark.parametrize("value", [True, False])
def test_boolean_score_is_rejected(value: bool) -> None:
    with pytest.raises(ScoringError) as caught:
        score(full_marks() | {"B3.7": value})
    assert set(caught.value.errors) == {"B3.7"}


@pytest.mark.parametrize("value", [3.0, "3", None])
def test_non_integer_score_is_rejected(value: object) -> None:
    with pytest.raises(ScoringError) as caught:
        score(full_marks() | {"B1.2": value})  # type: ignore[dict-item]
    assert set(caught.value.errors) == {"B1.2"}


def test_several_errors_are_reported_together() -> None:
    items = full_marks() | {"B9.9": 1, "B2.4": 4, "B3.7": True}
    del items["B1.3"]
    with pytest.raises(ScoringError) as caught:
        score(items, diagnoses=["X"], risk_events_30d=["flood"], coma="yes")  # type: ignore[arg-type]
    errors = caught.value.errors
    assert set(errors) == {"B1.3", "B9.9", "B2.4", "B3.7", "diagnoses", "risk_events_30d", "coma"}
    assert errors["B1.3"] == "缺少此项评分"
    assert errors["B9.9"] == "未知的评估项目代码"
    assert errors["B2.4"] == "分值 4 超出范围 0–3"


def test_items_must_be_a_mapping() -> None:
    with pytest.raises(ScoringError) as caught:
        score([("B1.1", 4)])  # type: ignore[arg-type]
    assert set(caught.value.errors) == {"items"}


def test_scoring_error_is_a_value_error_with_readable_message() -> None:
    with pytest.raises(ValueError, match="B1.1"):
        score({})


# --- Serialisation -------------------------------------------------------------------------


def test_as_dict_is_json_ready() -> None:
    result = score(items_with_total(70), diagnoses=["F01.1"], risk_events_30d=["fall", "fall"])
    data = result.as_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["total"] == 70
    assert data["level"] == 3
    assert data["indicators"] == result.indicators
    assert data["rules_applied"][0] == {
        "code": "dementia",
        "description": result.rules_applied[0].description,
        "from_level": 1,
        "to_level": 2,
    }


# --- Properties ----------------------------------------------------------------------------

valid_items = st.fixed_dictionaries(
    {item.code: st.integers(item.min_score, item.max_score) for item in ITEMS}
)
diagnosis_codes = st.sampled_from(["F00", "F01.1", "f03.9", "F20", "F32.1", "F99", "I10", "G30"])
risk_event_codes = st.sampled_from([event.code for event in RISK_EVENTS])


@given(
    items=valid_items,
    coma=st.booleans(),
    diagnoses=st.lists(diagnosis_codes, max_size=3),
    events=st.lists(risk_event_codes, max_size=4),
    psychiatrist=st.booleans(),
    stack=st.booleans(),
)
def test_any_valid_input_scores_consistently(
    items: dict[str, int],
    coma: bool,
    diagnoses: list[str],
    events: list[str],
    psychiatrist: bool,
    stack: bool,
) -> None:
    result = score(
        items,
        coma=coma,
        diagnoses=diagnoses,
        risk_events_30d=events,
        psychiatrist_diagnosed=psychiatrist,
        policy=ScoringPolicy(stack_adjustments=stack),
    )
    assert result.total == sum(items.values())
    assert sum(result.indicators.values()) == result.total
    assert result.base_level == level_from_total(result.total)
    assert 0 <= result.base_level <= result.level <= 4
    assert result.level <= result.base_level + (2 if stack else 1) or coma
    if coma:
        assert result.level == 4
    for rule in result.rules_applied:
        assert 0 <= rule.from_level <= rule.to_level <= 4
    assert result.level_name == level_name(result.level)


@given(st.integers(0, TOTAL_MAX), st.integers(0, TOTAL_MAX))
def test_base_level_never_increases_with_total(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert level_from_total(low) >= level_from_total(high)
