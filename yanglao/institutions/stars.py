"""Star level of an elderly-care institution per GB/T 37276-2018 (养老机构等级划分与评定).

Four sections with maxima 环境 120, 设施设备 130, 运营管理 150, 服务 600 (= 1000). A level needs a
total of at least its threshold and every section at or above its share of that section's maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

SECTIONS: dict[str, tuple[str, int]] = {
    "environment": ("环境", 120),
    "facilities": ("设施设备", 130),
    "operations": ("运营管理", 150),
    "service": ("服务", 600),
}
# level → (minimum total, minimum share of each section's maximum)
LEVELS: dict[int, tuple[int, float]] = {1: (360, 0.40), 2: (450, 0.50), 3: (570, 0.60), 4: (780, 0.80), 5: (900, 0.90)}


class StarSheetError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("；".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class StarResult:
    total: int
    level: int  # 0 = below 一级
    limiting: str  # why not one level higher, in Chinese ("" at 五级)


def star_level(scores: dict[str, int]) -> StarResult:
    """The level a scoring sheet earns. Scores above a section's maximum, negative or missing are refused."""
    errors: dict[str, str] = {}
    for key, (name, maximum) in SECTIONS.items():
        value = scores.get(key)
        if value is None:
            errors[key] = f"缺少“{name}”得分"
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[key] = f"“{name}”得分应为整数"
        elif value < 0 or value > maximum:
            errors[key] = f"“{name}”得分 {value} 超出范围 0–{maximum}"
    for key in scores:
        if key not in SECTIONS:
            errors[key] = "未知的评分部分"
    if errors:
        raise StarSheetError(errors)
    total = sum(scores[k] for k in SECTIONS)
    earned = 0
    limiting = ""
    for level, (min_total, share) in LEVELS.items():
        short = [name for key, (name, maximum) in SECTIONS.items() if scores[key] < share * maximum]
        if total >= min_total and not short:
            earned = level
            continue
        reasons = []
        if total < min_total:
            reasons.append(f"总分 {total} 低于 {min_total}")
        if short:
            reasons.append(f"{'、'.join(short)}未达该部分满分的 {int(share * 100)}%")
        limiting = f"未达{level}星级：" + "；".join(reasons)
        break
    return StarResult(total=total, level=earned, limiting=limiting)
