"""The rules and parameters in force when the module was written, with their sources: seeded by migration 0002,
and by ensure_defaults() where a database was emptied (transactional tests) — never over rows already there."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.apps import apps as global_apps

GD15 = ("居家社区养老服务设施要纳入城乡社区配套用房建设范围,新建住宅小区按每百户不低于20平方米的标准配套建设养老服务设施,"
        "并在规划设计条件中予以明确。……到2022年,全省各地新建住宅小区配建养老服务设施100%达标。")
GD15_OLD = ("旧城区和已建住宅区无养老服务设施,或者养老服务设施未达到规划要求和建设标准的,县级人民政府要加强统筹协调,"
            "按照每百户不低于15平方米的标准,通过新建、改建、购置、置换和租赁等方式进行配置。")
YJ_MEASURE2 = ("居家社区养老服务设施要纳入城乡社区配套用房建设范围，新建住宅小区按每户不低于20平方米的标准配套建设养老服务设施，"
               "并在规划设计中予以明确。")

RULES = [
    # area_kind, m² per 100 households, valid_from, applied, source, text, note
    ("new", Decimal("20"), dt.date(2019, 12, 1), True, "粤府办〔2019〕23号 第十五条（推进设施配建）", GD15,
     "阳江市措施第五项工作任务同为每百户不低于20平方米"),
    ("old", Decimal("15"), dt.date(2019, 12, 1), True, "粤府办〔2019〕23号 第十五条（推进设施配建）", GD15_OLD,
     "阳江市措施第二条同文"),
    ("new", Decimal("2000"), dt.date(2020, 1, 1), False, "阳江市加快推进养老服务发展若干措施（征求意见稿）第二条",
     YJ_MEASURE2,
     "“每户不低于20平方米”即每百户2000平方米，与本文件第五项工作任务及粤府办〔2019〕23号第十五条（每百户不低于20平方米）"
     "相冲突，按省文件执行，本条不适用"),
]


def seed(apps: Any, schema_editor: Any = None) -> None:
    AreaRule = apps.get_model("planning", "AreaRule")
    CircleParameters = apps.get_model("planning", "CircleParameters")
    for kind, value, start, applied, source, text, note in RULES:
        AreaRule.objects.get_or_create(area_kind=kind, valid_from=start, applied=applied, defaults={
            "min_m2_per_100": value, "source": source, "source_text": text, "note": note})
    CircleParameters.objects.get_or_create(valid_from=dt.date(2019, 12, 1), defaults={
        "walking_speed_mps": Decimal("1.20"), "detour_factor": Decimal("1.40"), "threshold_minutes": 15,
        "max_snap_m": 500,
        "source": "步行速度按老年人常用的 1.2 米/秒（约 4.3 公里/小时）；直线距离绕行系数 1.4；"
                  "15 分钟见粤府办〔2019〕23号第一条“社区15分钟居家养老服务圈”"})


def ensure_defaults() -> None:
    seed(global_apps)
