"""The draw algorithm v1 on its own (no database): deterministic, hashed registers, verifiable, the local rules."""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from yanglao.supervision import draw

PARAMS = {"ratio_percent": 30, "min_ratio_percent": 5, "inspectors_per_target": 2, "departments": ["市民政局", "市市场监管局"],
          "items": [{"code": "YL-01", "kind": "general", "max_ratio_percent": 30, "target_kinds": ["institution"]},
                    {"code": "YL-02", "kind": "key", "max_ratio_percent": 30, "target_kinds": ["institution", "facility"]}]}


def targets(n: int = 20) -> list[dict]:
    return [{"reg_no": f"52441702MJ{k:07d}X", "kind": "institution" if k % 4 else "facility", "weight": 1, "checked": []}
            for k in range(n)]


def inspectors() -> list[dict]:
    return ([{"code": f"4417000{k}", "department": "市民政局", "conflicts": []} for k in range(4)]
            + [{"code": f"4417100{k}", "department": "市市场监管局", "conflicts": []} for k in range(3)])


def test_the_same_seed_and_registers_give_the_same_result_and_another_seed_another():
    a = draw.run(seed="2026078-03-11-17", params=PARAMS, targets=targets(), inspectors=inspectors())
    b = draw.run(seed="2026078-03-11-17", params=PARAMS, targets=list(reversed(targets())), inspectors=inspectors())
    c = draw.run(seed="2026078-03-11-18", params=PARAMS, targets=targets(), inspectors=inspectors())
    assert a == b  # the registers' order as given does not matter: they are sorted by registration number
    assert a != c


def test_changing_one_register_entry_changes_its_hash_and_only_its_hash():
    t, i = draw.normalise_targets(targets()), draw.normalise_inspectors(inspectors())
    before_t, before_i = draw.register_hash(t), draw.register_hash(i)
    changed = copy.deepcopy(t)
    changed[7]["weight"] = 2
    assert draw.register_hash(changed) != before_t
    assert draw.register_hash(draw.normalise_inspectors(inspectors())) == before_i
    renamed = copy.deepcopy(i)
    renamed[0]["conflicts"] = ["52441702MJ0000001X"]
    assert draw.register_hash(renamed) != before_i


def test_a_published_record_verifies_and_a_tampered_result_or_register_does_not():
    record = draw.record_document(seed="lottery-2026137", params=PARAMS, targets=targets(), inspectors=inspectors())
    assert draw.verify(record).ok
    tampered = copy.deepcopy(record)
    tampered["result"][0]["target"] = next(t["reg_no"] for t in record["targets"]
                                           if t["reg_no"] not in {r["target"] for r in record["result"]})
    check = draw.verify(tampered)
    assert not check.ok and any("结果" in p for p in check.problems)
    swapped = copy.deepcopy(record)
    swapped["targets"][3]["weight"] = 5  # a register changed after the draw: its hash no longer matches
    check = draw.verify(swapped)
    assert not check.ok and any("检查对象名录的哈希值" in p for p in check.problems)
    assert not draw.verify({**record, "algorithm": "v0"}).ok


def test_every_target_gets_two_inspectors_from_the_departments_and_none_with_a_conflict():
    people = inspectors()
    people[0]["conflicts"] = [t["reg_no"] for t in targets()]  # 44170000 may inspect nobody
    result = draw.run(seed="seed-123456", params=PARAMS, targets=targets(), inspectors=people)
    departments = {p["code"]: p["department"] for p in people}
    assert result
    for row in result:
        assert len(row["inspectors"]) == 2 and len(set(row["inspectors"])) == 2
        assert {departments[c] for c in row["inspectors"]} == {"市民政局", "市市场监管局"}  # a joint inspection
        assert "44170000" not in row["inspectors"]


def test_too_few_inspectors_without_conflicts_stops_the_draw():
    people = [{"code": "1", "department": "市民政局", "conflicts": []}, {"code": "2", "department": "市市场监管局",
                                                                       "conflicts": [t["reg_no"] for t in targets()]}]
    with pytest.raises(draw.DrawError, match="没有足够的无利害关系检查人员"):
        draw.run(seed="seed-123456", params=PARAMS, targets=targets(), inspectors=people)


def test_sampling_ratio_general_items_capped_key_items_not_and_the_minimum_enforced():
    params = {**PARAMS, "ratio_percent": 60}
    result = draw.run(seed="seed-ratio", params=params, targets=targets(20), inspectors=inspectors())
    counts = Counter(r["item"] for r in result)
    assert counts["YL-01"] == 5  # 15 institutions × 30 % cap of a general item = 4.5 → 5
    assert counts["YL-02"] == 12  # 20 targets × 60 % (a key item has no cap)
    with pytest.raises(draw.DrawError, match="最低比例"):
        draw.run(seed="seed-ratio", params={**PARAMS, "ratio_percent": 3}, targets=targets(), inspectors=inspectors())


def test_a_target_already_checked_for_an_item_this_year_is_not_drawn_for_it_again():
    t = targets(10)
    for entry in t:
        if entry["kind"] == "institution":
            entry["checked"] = ["YL-01"]
    result = draw.run(seed="seed-checked", params=PARAMS, targets=t, inspectors=inspectors())
    assert not [r for r in result if r["item"] == "YL-01"]
    assert [r for r in result if r["item"] == "YL-02"]


def test_risk_weight_raises_the_chance_of_being_drawn():
    t = targets(20)
    risky = t[5]["reg_no"]
    t[5]["weight"] = 7  # complaints and violations
    params = {**PARAMS, "ratio_percent": 10, "items": [PARAMS["items"][1]]}
    hits = sum(any(r["target"] == risky for r in draw.run(seed=f"s-{n:04d}", params=params, targets=t,
                                                          inspectors=inspectors())) for n in range(300))
    plain = t[6]["reg_no"]
    plain_hits = sum(any(r["target"] == plain for r in draw.run(seed=f"s-{n:04d}", params=params, targets=t,
                                                                inspectors=inspectors())) for n in range(300))
    assert hits > 2 * plain_hits


def test_the_stream_is_hmac_sha256_of_the_counter_as_documented():
    import hashlib
    import hmac

    stream = draw.Stream("abc")
    expected = int.from_bytes(hmac.new(b"abc", (0).to_bytes(8, "big"), hashlib.sha256).digest()[:8], "big")
    assert stream.next64() == expected
    assert draw.canonical([{"b": 1, "a": "阳"}]) == '[{"a":"阳","b":1}]'.encode()


def test_a_record_too_large_or_malformed_is_refused_with_a_reason():
    record = draw.record_document(seed="lottery-2026137", params=PARAMS, targets=targets(), inspectors=inspectors())
    huge = {**record, "targets": [{"reg_no": str(k), "kind": "institution", "weight": 1} for k in range(draw.MAX_TARGETS + 1)]}
    assert "记录过大" in draw.verify(huge).problems[0]
    assert "记录格式不正确" in draw.verify({"algorithm": "v1"}).problems[0]
