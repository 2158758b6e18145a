"""The item list, subsidy rules and device catalogue a new installation starts with (the city edits them).

Prices are typical Yangjiang market prices of 2026 for the items of 民发〔2020〕86号's basic list; the
subsidy percentages and caps are demo values (演示数值): the real ones are set by the city's document."""

from __future__ import annotations

import datetime as dt

# code, name, group, unit, price (fen), spec
ITEMS: list[tuple[str, str, str, str, int, str]] = [
    ("grab-bar-bath", "卫生间安全扶手", "如厕洗浴", "件", 18_000, "不锈钢防滑，承重≥100公斤，墙面固定"),
    ("grab-bar-toilet", "坐便器助力扶手", "如厕洗浴", "件", 26_000, "落地或墙装，可上翻"),
    ("raised-toilet", "坐便器增高垫", "如厕洗浴", "个", 12_000, "加高10厘米，带扶手"),
    ("squat-to-seat", "蹲便器改坐便器", "如厕洗浴", "套", 120_000, "含拆除、防水、安装"),
    ("shower-chair", "淋浴椅", "如厕洗浴", "把", 15_000, "可调高度，防滑脚垫"),
    ("thermostatic-shower", "恒温淋浴器", "如厕洗浴", "套", 48_000, "防烫，单把手调节"),
    ("anti-slip-floor", "地面防滑处理", "地面", "平方米", 6_500, "卫生间、厨房地面防滑涂层"),
    ("threshold-ramp", "门槛高差处理（坡道）", "地面", "处", 22_000, "消除门槛，坡度≤1:12"),
    ("corridor-rail", "走道扶手", "通行", "米", 16_000, "连续设置，高度85–90厘米"),
    ("bed-rail", "床边护栏", "卧室", "件", 28_000, "防坠床，可折叠"),
    ("standing-aid", "起身助力扶手", "卧室", "件", 35_000, "床边或沙发旁"),
    ("night-light", "感应夜灯", "照明", "个", 4_500, "人体感应，卧室至卫生间"),
    ("lever-tap", "单把手水龙头", "厨房", "个", 15_000, "杠杆式，便于抓握"),
    ("emergency-call", "一键紧急呼叫器", "安全监测", "套", 38_000, "含主机与床头、卫生间按钮，接入12349"),
    ("smoke-alarm", "独立式烟雾报警器", "安全监测", "个", 12_000, "声光报警，可联网"),
    ("gas-alarm", "燃气泄漏报警器", "安全监测", "个", 26_000, "带自动切断阀"),
    ("fall-sensor", "跌倒监测雷达", "安全监测", "个", 65_000, "毫米波，卫生间安装"),
]

DOCUMENT = "民发〔2020〕86号；阳江市演示数值"

# rank, name, categories, percent, cap (fen)
RULES: list[tuple[int, str, list[str], int, int]] = [
    (1, "特困供养、低保老年人", ["tekun", "dibao"], 100, 500_000),
    (2, "低保边缘、经济困难、计划生育特殊家庭及重度残疾老年人",
     ["dibao_edge", "economic_hardship", "family_planning_special", "severe_disability"], 80, 350_000),
    (3, "退役军人及其他优抚对象", ["veteran"], 60, 200_000),
]

# name, group, spec, deposit (fen), rent per month (fen; 0 = free loan), stock
DEVICES: list[tuple[str, str, str, int, int, int]] = [
    ("手动轮椅", "移动辅助", "钢架折叠，座宽46厘米", 30_000, 0, 20),
    ("四脚助行器", "移动辅助", "铝合金，可调高度", 10_000, 0, 30),
    ("四脚拐杖", "移动辅助", "可调高度", 5_000, 0, 40),
    ("坐便椅", "如厕辅助", "带扶手，可折叠", 8_000, 0, 15),
    ("三功能电动护理床", "卧床护理", "起背、抬腿、升降，带护栏", 100_000, 15_000, 8),
    ("防褥疮气垫床", "卧床护理", "交替充气", 30_000, 4_000, 12),
    ("电动轮椅", "移动辅助", "锂电池，续航20公里", 150_000, 20_000, 5),
    ("家用制氧机", "康复护理", "5升，带雾化", 80_000, 12_000, 6),
]


def ensure_defaults() -> None:
    """Create the items, rules and devices that do not exist yet (safe to run again)."""
    from .models import AdaptationItem, Device, SubsidyRule

    for sort, (code, name, group, unit, price, spec) in enumerate(ITEMS, start=1):
        AdaptationItem.objects.get_or_create(code=code, defaults={"name": name, "group": group, "unit": unit,
                                                                  "price_fen": price, "spec": spec, "sort": sort})
    if not SubsidyRule.objects.exists():
        for rank, name, categories, percent, cap in RULES:
            SubsidyRule.objects.create(rank=rank, name=name, categories=categories, percent=percent, cap_fen=cap,
                                       valid_from=dt.date(2021, 1, 1), document_no=DOCUMENT, is_demo=True)
    for name, group, spec, deposit, rent, stock in DEVICES:
        Device.objects.get_or_create(name=name, defaults={"group": group, "spec": spec, "deposit_fen": deposit,
                                                          "rent_fen": rent, "stock": stock})
