"""The verifiable random draw (双随机), algorithm "v1": pure Python, no database, no Django.

Anyone holding a published draw record (the JSON written by `record_document`) can re-run it with
`verify(record)` or `yanglao verify_draw FILE`; docs/supervision.md describes every step precisely
enough to re-implement it in another language.

Inputs (all inside the record):
  seed        text announced before the draw (UTF-8)
  params      {"ratio_percent": int, "min_ratio_percent": int, "inspectors_per_target": int,
               "departments": [text…], "items": [{"code", "kind": "general"|"key", "max_ratio_percent": int,
               "target_kinds": [text…]}…]}
  targets     [{"reg_no", "kind", "weight": int ≥ 1, "checked": [item codes checked in the last 12 months]}…]
  inspectors  [{"code", "department", "conflicts": [reg_no…]}…]

Steps:
  1. Sort targets by reg_no and inspectors by code (Unicode code point order); each register's hash is
     SHA-256 (hex) of its canonical JSON (sorted keys, no spaces, UTF-8, lists inside entries sorted).
  2. The random stream: block n (n = 0, 1, 2, …) is HMAC-SHA256(key = seed in UTF-8, message = n as 8 bytes
     big-endian); each block's first 8 bytes, big-endian, are one 64-bit number. `below(m)` takes numbers
     until one is < 2^64 − (2^64 mod m) and returns it mod m (rejection: no bias).
  3. Items in code order. For each item: eligible = targets whose kind is in the item's target kinds and
     whose `checked` does not hold the item's code. Ratio = params.ratio_percent, capped at the item's
     max_ratio_percent for a general item; count = ceil(len(eligible) × ratio / 100).
  4. Weighted sampling without replacement: while fewer than count are drawn, r = below(sum of remaining
     weights); walk the remaining targets in reg_no order subtracting weights; the first whose weight
     exceeds r is drawn and removed.
  5. For each drawn target in draw order: k = max(inspectors_per_target, len(departments)) inspectors.
     First one per department (departments in sorted order), then the rest from all departments; each
     pick is uniform: below(len(candidates)) over the candidates sorted by code, candidates being the
     inspectors of the department(s) not yet on this target and with no conflict with its reg_no.
     Too few candidates stops the draw with an error (the same error for everyone re-running it).
  6. The result is the list of {"item", "target", "inspectors"} in draw order; its hash is SHA-256 of its
     canonical JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

ALGORITHM_VERSION = "v1"
# What a record handed in for verification may hold (a city's registers are far smaller).
MAX_TARGETS, MAX_INSPECTORS, MAX_ITEMS = 20_000, 5_000, 200
_TWO64 = 1 << 64


class DrawError(Exception):
    """The draw cannot be completed (e.g. too few inspectors without conflicts)."""


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sha256_hex(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def normalise_targets(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [{"reg_no": str(t["reg_no"]), "kind": str(t["kind"]), "weight": int(t["weight"]),
             "checked": sorted({str(c) for c in t.get("checked", [])})} for t in targets]
    rows.sort(key=lambda t: t["reg_no"])
    seen = [t["reg_no"] for t in rows]
    if len(set(seen)) != len(seen):
        raise DrawError("检查对象名录中有重复的登记号")
    if any(t["weight"] < 1 for t in rows):
        raise DrawError("检查对象的权重应为不小于1的整数")
    return rows


def normalise_inspectors(inspectors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [{"code": str(i["code"]), "department": str(i["department"]),
             "conflicts": sorted({str(c) for c in i.get("conflicts", [])})} for i in inspectors]
    rows.sort(key=lambda i: i["code"])
    codes = [i["code"] for i in rows]
    if len(set(codes)) != len(codes):
        raise DrawError("执法检查人员名录中有重复的编号")
    return rows


def register_hash(rows: list[dict[str, Any]]) -> str:
    return sha256_hex(rows)


@dataclass
class Stream:
    """The seeded stream: HMAC-SHA256(seed, counter) blocks, 64 bits each."""

    seed: str
    counter: int = 0
    used: list[int] = field(default_factory=list)

    def next64(self) -> int:
        block = hmac.new(self.seed.encode("utf-8"), self.counter.to_bytes(8, "big"), hashlib.sha256).digest()
        self.counter += 1
        return int.from_bytes(block[:8], "big")

    def below(self, m: int) -> int:
        if m <= 0:
            raise DrawError("内部错误：抽取范围为空")
        limit = _TWO64 - (_TWO64 % m)
        while True:
            x = self.next64()
            if x < limit:
                return x % m


def _ceil_percent(n: int, percent: int) -> int:
    return (n * percent + 99) // 100


def run(*, seed: str, params: dict[str, Any], targets: list[dict[str, Any]],
        inspectors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The draw: the list of {"item", "target", "inspectors"} (deterministic in its inputs)."""
    if not seed:
        raise DrawError("随机种子为空")
    targets = normalise_targets(targets)
    inspectors = normalise_inspectors(inspectors)
    ratio = int(params["ratio_percent"])
    if ratio < int(params.get("min_ratio_percent", 0)) or ratio > 100:
        raise DrawError("抽查比例低于最低比例或超过100%")
    departments = sorted({str(d) for d in params["departments"]})
    if not departments:
        raise DrawError("未指定参加检查的部门")
    per_target = max(int(params.get("inspectors_per_target", 2)), len(departments))
    stream = Stream(seed)
    result: list[dict[str, Any]] = []
    for item in sorted(params["items"], key=lambda i: str(i["code"])):
        code = str(item["code"])
        kinds = {str(k) for k in item["target_kinds"]}
        eligible = [t for t in targets if t["kind"] in kinds and code not in t["checked"]]
        item_ratio = ratio if item["kind"] == "key" else min(ratio, int(item["max_ratio_percent"]))
        count = min(len(eligible), _ceil_percent(len(eligible), item_ratio))
        remaining = list(eligible)
        for _ in range(count):
            r = stream.below(sum(t["weight"] for t in remaining))
            for index, t in enumerate(remaining):
                if r < t["weight"]:
                    drawn = remaining.pop(index)
                    break
                r -= t["weight"]
            chosen: list[str] = []
            for slot in range(per_target):
                allowed = [departments[slot]] if slot < len(departments) else departments
                candidates = [i["code"] for i in inspectors if i["department"] in allowed
                              and i["code"] not in chosen and drawn["reg_no"] not in i["conflicts"]]
                if not candidates:
                    raise DrawError(f"事项 {code} 的检查对象 {drawn['reg_no']} 没有足够的无利害关系检查人员"
                                    f"（需要 {per_target} 人）")
                chosen.append(candidates[stream.below(len(candidates))])
            result.append({"item": code, "target": drawn["reg_no"], "inspectors": chosen})
    return result


def record_document(*, seed: str, params: dict[str, Any], targets: list[dict[str, Any]],
                    inspectors: list[dict[str, Any]], result: list[dict[str, Any]] | None = None,
                    extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The published record: everything needed to re-run the draw, with the hashes and the result."""
    t, i = normalise_targets(targets), normalise_inspectors(inspectors)
    if result is None:
        result = run(seed=seed, params=params, targets=t, inspectors=i)
    return {
        "algorithm": ALGORITHM_VERSION, "seed": seed, "params": params,
        "targets": t, "inspectors": i, "targets_hash": register_hash(t), "inspectors_hash": register_hash(i),
        "result": result, "result_hash": sha256_hex(result), **(extra or {}),
    }


@dataclass
class Verification:
    ok: bool
    problems: list[str]
    targets_hash: str = ""
    inspectors_hash: str = ""
    result: list[dict[str, Any]] = field(default_factory=list)


def verify(record: dict[str, Any]) -> Verification:
    """Re-run a published record: the register hashes, the result and its hash must all match."""
    problems: list[str] = []
    try:
        sizes = (len(record["targets"]), len(record["inspectors"]), len(record["params"]["items"]))
        if sizes[0] > MAX_TARGETS or sizes[1] > MAX_INSPECTORS or sizes[2] > MAX_ITEMS:
            return Verification(False, [f"记录过大：最多 {MAX_TARGETS} 个检查对象、{MAX_INSPECTORS} 名检查人员、{MAX_ITEMS} 个事项"])
        if record.get("algorithm") != ALGORITHM_VERSION:
            return Verification(False, [f"不支持的算法版本：{record.get('algorithm')!r}（本程序实现 {ALGORITHM_VERSION}）"])
        t = normalise_targets(record["targets"])
        i = normalise_inspectors(record["inspectors"])
        th, ih = register_hash(t), register_hash(i)
        if th != record.get("targets_hash"):
            problems.append("检查对象名录的哈希值与记录不符（名录被改动）")
        if ih != record.get("inspectors_hash"):
            problems.append("执法检查人员名录的哈希值与记录不符（名录被改动）")
        rerun = run(seed=str(record["seed"]), params=record["params"], targets=t, inspectors=i)
    except DrawError as exc:
        return Verification(False, [str(exc)])
    except (KeyError, TypeError, ValueError) as exc:
        return Verification(False, [f"记录格式不正确：{exc}"])
    if rerun != record.get("result"):
        problems.append("重新抽取的结果与公布的结果不一致")
    if sha256_hex(record.get("result")) != record.get("result_hash"):
        problems.append("公布结果的哈希值与结果不符")
    return Verification(not problems, problems, th, ih, rerun)
