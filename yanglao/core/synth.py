"""Deterministic synthetic older people for demos, load tests and benchmarks.

Rates follow published figures for Guangdong/Yangjiang closely enough to make screens and
statistics look real; nobody generated here exists.  A million people take a few seconds.
"""

from __future__ import annotations

import csv
import math
import random
from array import array
from bisect import bisect
from collections.abc import Iterator, Sequence
from datetime import date
from itertools import accumulate
from os import PathLike
from typing import NamedTuple

from yanglao.core.idnumber import CHECK_CHARS, WEIGHTS

__all__ = [
    "CATEGORIES",
    "LIVING_SITUATIONS",
    "STATUSES",
    "SynthPerson",
    "synth_people",
    "yangjiang_communities_from_csv",
]

LIVING_SITUATIONS = {
    "alone": "独居",
    "empty_nest": "空巢",
    "left_behind": "留守",
    "with_children": "与子女同住",
    "institution": "入住机构",
    "other": "其他",
}
CATEGORIES = {
    "tekun": "特困供养",
    "dibao": "低保",
    "dibao_edge": "低保边缘",
    "economic_hardship": "经济困难",
    "family_planning_special": "计划生育特殊家庭",
    "severe_disability": "重度残疾",
    "veteran": "退役军人及其他优抚对象",
}
STATUSES = {"active": "在册", "deceased": "已故", "moved_away": "已迁出"}

MIN_AGE, MAX_AGE = 60, 105
OWN_COUNTY_SHARE = 0.85
NO_PHONE_SHARE = 0.12
TEKUN, DIBAO, DIBAO_EDGE = 0.008, 0.04, 0.015  # mutually exclusive; 经济困难 is their union
FAMILY_PLANNING_SPECIAL = 0.003
SEVERE_DISABILITY = 0.025
VETERAN = 0.03
DECEASED, MOVED_AWAY = 0.02, 0.01
_BATCH = 4096

OTHER_GUANGDONG_COUNTIES = (
    "440103 440104 440106 440111 440303 440304 440402 440703 440803 440902 441202 441302 441402 "
    "441502 441602 441702 441704 441721 441781 441802 441900 442000 445102 445202 445302"
).split()

# (living situation, urban share, rural share): 留守 is mostly a rural phenomenon.
_LIVING = (
    ("alone", 0.13, 0.115),
    ("empty_nest", 0.36, 0.28),
    ("left_behind", 0.01, 0.11),
    ("with_children", 0.44, 0.45),
    ("institution", 0.04, 0.025),
    ("other", 0.02, 0.02),
)

_SURNAMES = (
    "陈9 李6 黄6 梁5.5 林5 张4 刘3 罗2.5 何2.5 吴2.5 冯2.5 王2 郑2 谢2 杨2 邓2 许1.5 关1.5 莫1.5 叶1.5 "
    "谭1.5 曾1.5 周1.5 蔡1.5 朱1.2 冼1 姚1 卢1 苏1 彭1 钟1 余1 胡.8 徐.8 郭.8 潘.8 赖.8 麦.7 温.7 伍.6 "
    "袁.6 方.6 严.5 戴.5 江.5 孙.5 马.5 区.5 敖.4 庞.4 甘.4 程.4 龙.3 邝.3 古.3 孔.3 植.2 容.2 利.2 "
    "司徒.2 欧阳.2"
).split()

# Given names usual for people born 1920–1966 in western Guangdong; 亚 (阿) names are typically Cantonese.
_FEMALE_NAMES = (
    "秀英 桂英 玉兰 亚妹 金花 秀珍 玉英 桂芳 秀兰 玉珍 桂兰 美容 惠珍 少娟 丽琼 月娥 亚娣 带娣 来娣 金娣 "
    "银娣 三妹 亚四 亚好 二妹 玉梅 秀梅 凤英 凤娇 彩霞 翠玲 瑞莲 秀莲 亚桂 亚玉 亚群 少芳 少英 淑贞 淑芬 "
    "丽华 丽珍 燕芳 雪梅 雪英 美玲 美珍 群英 惠英 惠芳 月英 月华 月好 杏娟 碧霞 碧玉 素珍 素英 银好 四妹"
).split()
_FEMALE_SINGLE = "英 娇 好 妹 兰 珍 芳 娣 娥 梅 莲 琼 群 凤".split()
_FEMALE_FIRST = "秀 玉 桂 金 银 美 惠 淑 丽 月 亚 少 彩 翠 凤 瑞 燕 群 碧 素 杏 雪 爱 结".split()
_FEMALE_SECOND = "英 兰 珍 芳 华 娣 妹 娇 梅 莲 琼 容 凤 霞 芬 清 好 娥 群 玲 贞 萍 卿 香".split()
_MALE_NAMES = (
    "国华 建国 志强 亚明 国强 建华 志明 振华 永强 德明 锦华 家强 伟明 国良 汉文 文辉 耀华 荣华 德胜 伟雄 "
    "少雄 少华 锦荣 炳南 炳坤 炳辉 亚福 亚生 亚德 亚才 亚金 亚三 亚四 亚九 金水 金生 观生 福生 有才 树林 "
    "土生 水生 家和 国庆 建新 卫国 学文 志华 永和 永康 亚伯 亚荣 汝南 其昌"
).split()
_MALE_SINGLE = "炳 伟 健 明 强 雄 光 辉 荣 祥 坤 林 才 汉 斌 贵".split()
_MALE_FIRST = "国 建 志 亚 炳 伟 德 锦 家 汉 文 耀 荣 振 永 金 福 树 观 少 成 广 海 景 兆 其 松".split()
_MALE_SECOND = "华 强 明 生 才 荣 辉 良 文 雄 坤 南 胜 平 新 和 康 林 祥 贵 发 成 昌 光 全 基 泉 洪".split()

_LANES = "一 二 三 四 五 六 七 八 九 十 东 西 南 北 新 和平 新华 东风 建设 民主 解放 光明 幸福 前进 安宁 石桥 塘边 东门 西门".split()
_NATURAL_VILLAGES = (
    "上屋 下屋 新屋 大垌 塘尾 岭脚 坑口 石头 新村 旧村 东边 西边 北坑 上村 下村 大塘 田心 水口 那蓬 那洛 "
    "松柏 大岭 竹山 禾仓 榕树 石桥 围仔 沙田 龙头 牛角"
).split()
# Mobile prefixes in use; 13x/15x are the most common among older people.
_PHONE_PREFIXES = (
    "134 135 136 137 138 139 150 151 152 157 158 159 182 183 187 188 130 131 132 155 156 185 186 133 153 "
    "180 189 134 135 136 137 138 139 130 131 132 133 147 178 198 166 175 176 173 177 181 191 199"
).split()


class SynthPerson(NamedTuple):
    """One synthetic older person; codes are keys of the module's label dicts."""

    id_number: str
    name: str
    sex: str  # "M" / "F"
    birth_date: date
    phone: str | None
    community_code: str
    address: str
    living_situation: str
    categories: tuple[str, ...]
    disability_grade: int | None  # 1 or 2 when "severe_disability" is among the categories
    status: str
    status_date: date | None


def yangjiang_communities_from_csv(
    path: str | PathLike[str], *, city_code: str = "4417"
) -> list[tuple[str, str]]:
    """``(12-digit code, name)`` of every community/village committee of one city in a villages CSV
    (columns ``code,name,streetCode,provinceCode,cityCode,areaCode``)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [(row["code"], row["name"]) for row in csv.DictReader(fh) if row["cityCode"] == city_code]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _weighted_pool(items: Sequence[tuple[str, int]]) -> list[str]:
    return [name for name, weight in items for _ in range(weight)]


def _given_name_pool(curated: list[str], single: list[str], first: list[str], second: list[str]) -> list[str]:
    combos = [a + b for a in first for b in second if a != b]
    return _weighted_pool([(n, 6) for n in curated] + [(n, 3) for n in single] + [(n, 1) for n in combos])


def _community_kind(name: str) -> tuple[str, float, bool]:
    """(address base, sampling weight, is rural) for a committee name."""
    if "监狱" in name:
        return name.replace("虚拟", ""), 0.01, False
    if "虚拟" in name:
        return name.replace("虚拟", ""), 0.05, False
    for suffix in ("村民委员会", "村委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)], 1.0, True
    for suffix in ("居民委员会", "居委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)], 1.6, False
    if name.endswith("渔委会"):
        return name[:-3], 0.6, False
    if "渔民委员会" in name or name.endswith("生活区"):
        return name.replace("渔民委员会", ""), 0.6, False
    return name, 1.0, False


def _normalised(raw: list[float], base: list[float], target: float) -> list[float]:
    """Scale ``raw`` so its mean weighted by ``base`` equals ``target`` (capped at 0.95)."""
    factor = target * sum(base) / sum(r * b for r, b in zip(raw, base, strict=True))
    return [min(0.95, r * factor) for r in raw]


class _Model:
    """Tables precomputed once per call so the per-person loop only indexes lists."""

    def __init__(self, communities: Sequence[tuple[str, str]], today: date) -> None:
        if not communities:
            raise ValueError("communities must not be empty")
        self.today = today
        regions: list[str] = list(
            dict.fromkeys([*OTHER_GUANGDONG_COUNTIES, *(c[:6] for c, _ in communities)])
        )
        region_index = {r: i for i, r in enumerate(regions)}
        self.regions = regions
        self.region_weight = [sum(int(d) * w for d, w in zip(r, WEIGHTS[:6], strict=True)) for r in regions]
        self.others: dict[int, list[int]] = {
            i: [region_index[r] for r in OTHER_GUANGDONG_COUNTIES if r != region]
            for i, region in enumerate(regions)
        }

        self.communities: list[tuple[str, int, str, bool]] = []
        weights = []
        for code, name in communities:
            if len(code) != 12 or not code.isdigit():
                raise ValueError(f"community code must have 12 digits: {code!r}")
            base, weight, rural = _community_kind(name)
            self.communities.append((code, region_index[code[:6]], base, rural))
            weights.append(weight)
        self.community_cw = list(accumulate(weights))

        # Age/sex table: smooth decline from 60 (55 % aged 60–69, 30 % 70–79, 12 % 80–89, 3 % 90+),
        # women a growing majority at older ages.
        self.first_ord = _years_before(today, MAX_AGE + 1).toordinal() + 1
        last_ord = _years_before(today, MIN_AGE).toordinal()
        self.n_days = last_ord - self.first_ord + 1
        cells: list[tuple[int, int, int, int]] = []  # (age, is_male, first ordinal offset, span)
        weights = []
        for age in range(MIN_AGE, MAX_AGE + 1):
            x = age - MIN_AGE
            w = math.exp(-0.026 * x - 0.0019 * x * x)
            female = min(0.72, 0.49 + 0.0045 * x)
            lo = _years_before(today, age + 1).toordinal() + 1
            hi = _years_before(today, age).toordinal()
            for is_male, share in ((1, 1 - female), (0, female)):
                cells.append((age, is_male, lo - self.first_ord, hi - lo + 1))
                weights.append(w * share)
        self.cells = cells
        self.cell_cw = list(accumulate(weights))
        ages = [c[0] - MIN_AGE for c in cells]
        self.p_disability = _normalised([math.exp(0.04 * x) for x in ages], weights, SEVERE_DISABILITY)
        self.p_veteran = _normalised([9.0 if c[1] else 1.0 for c in cells], weights, VETERAN)
        self.p_deceased = _normalised([math.exp(0.09 * x) for x in ages], weights, DECEASED)

        self.dates = [date.fromordinal(self.first_ord + i) for i in range(self.n_days)]
        self.date_text = [d.strftime("%Y%m%d") for d in self.dates]
        self.date_weight = [
            sum(int(c) * w for c, w in zip(t, WEIGHTS[6:14], strict=True)) for t in self.date_text
        ]
        self.seq_text = [f"{s:03d}" for s in range(1000)]
        self.seq_weight = [
            sum(int(c) * w for c, w in zip(t, WEIGHTS[14:], strict=True)) for t in self.seq_text
        ]

        self.surnames = [s.rstrip("0123456789.") for s in _SURNAMES]
        self.surname_cw = list(
            accumulate(float(s[len(n) :]) for s, n in zip(_SURNAMES, self.surnames, strict=True))
        )
        self.female_names = _given_name_pool(_FEMALE_NAMES, _FEMALE_SINGLE, _FEMALE_FIRST, _FEMALE_SECOND)
        self.male_names = _given_name_pool(_MALE_NAMES, _MALE_SINGLE, _MALE_FIRST, _MALE_SECOND)
        self.living_urban = list(accumulate(u for _, u, _ in _LIVING))
        self.living_rural = list(accumulate(r for _, _, r in _LIVING))
        self.living_codes = [code for code, _, _ in _LIVING]


def synth_people(
    n: int, *, seed: int, communities: Sequence[tuple[str, str]], today: date
) -> Iterator[SynthPerson]:
    """Yield ``n`` synthetic people aged 60–105 on ``today``, living in ``communities``.

    The same ``seed``, communities and ``today`` give the same people, and a shorter run yields a
    prefix of a longer one.  ID numbers are valid and unique within a run; 85 % carry the county of
    the person's community, the rest another Guangdong county (people move).
    """
    if n < 0:
        raise ValueError("n must not be negative")
    m = _Model(communities, today)
    rng = random.Random(seed)
    rand = rng.random
    choices = rng.choices
    regions, region_weight, others = m.regions, m.region_weight, m.others
    comms, cells, dates, date_text, date_weight = m.communities, m.cells, m.dates, m.date_text, m.date_weight
    seq_text, seq_weight = m.seq_text, m.seq_weight
    female_names, male_names = m.female_names, m.male_names
    n_female, n_male = len(female_names), len(male_names)
    lanes, n_lanes = _LANES, len(_LANES)
    villages, n_villages = _NATURAL_VILLAGES, len(_NATURAL_VILLAGES)
    prefixes, n_prefixes = _PHONE_PREFIXES, len(_PHONE_PREFIXES)
    living_urban, living_rural, living_codes = m.living_urban, m.living_rural, m.living_codes
    p_disability, p_veteran, p_deceased = m.p_disability, m.p_veteran, m.p_deceased
    n_days = m.n_days
    today_ord = today.toordinal()
    poverty = (TEKUN, TEKUN + DIBAO, TEKUN + DIBAO + DIBAO_EDGE)
    used = array("H", bytes(2 * len(regions) * n_days * 2))  # ID numbers issued per (region, day, sex)
    new = tuple.__new__

    produced = 0
    while produced < n:
        batch_comm = choices(range(len(comms)), cum_weights=m.community_cw, k=_BATCH)
        batch_cell = choices(range(len(cells)), cum_weights=m.cell_cw, k=_BATCH)
        batch_surname = choices(m.surnames, cum_weights=m.surname_cw, k=_BATCH)
        for j in range(min(_BATCH, n - produced)):
            code, county, base, rural = comms[batch_comm[j]]
            cell = batch_cell[j]
            age, male, day0, span = cells[cell]
            day = day0 + int(rand() * span)

            u = rand()
            region = county if u < OWN_COUNTY_SHARE else _pick(others[county], (u - OWN_COUNTY_SHARE) / 0.15)
            key = (region * n_days + day) * 2 + male
            k = used[key]
            while k >= 500:  # every sequence number of this region/day/sex is taken: move county
                region = others[region][(key + k) % len(others[region])]
                key = (region * n_days + day) * 2 + male
                k = used[key]
            used[key] = k + 1
            seq = 2 * ((day * 31 + region * 17 + k * 37) % 500) + male
            check = CHECK_CHARS[(region_weight[region] + date_weight[day] + seq_weight[seq]) % 11]
            id_number = regions[region] + date_text[day] + seq_text[seq] + check

            if male:
                name = batch_surname[j] + male_names[int(rand() * n_male)]
            else:
                name = batch_surname[j] + female_names[int(rand() * n_female)]

            u = rand()
            phone = (
                None
                if u < NO_PHONE_SHARE
                else f"{prefixes[int(rand() * n_prefixes)]}{int(u * 1e12) % 100000000:08d}"
            )

            u = rand() * (n_villages if rural else n_lanes)
            number = int((u - int(u)) * 80) + 1
            if rural:
                address = f"{base}{villages[int(u)]}村{number}号"
            else:
                address = f"{base}{lanes[int(u)]}巷{number}号"

            living = living_codes[bisect(living_rural if rural else living_urban, rand() * 0.999999)]

            categories: tuple[str, ...] = ()
            grade = None
            u = rand()
            if u < poverty[2]:
                if u < poverty[0]:
                    categories = ("tekun", "economic_hardship")
                    if living == "with_children":  # 特困: no family able to support them
                        living = "institution" if u < TEKUN * 0.3 else "alone"
                elif u < poverty[1]:
                    categories = ("dibao", "economic_hardship")
                else:
                    categories = ("dibao_edge", "economic_hardship")
            if rand() < FAMILY_PLANNING_SPECIAL:
                categories += ("family_planning_special",)
            u = rand()
            if u < p_disability[cell]:
                categories += ("severe_disability",)
                grade = 1 if u < p_disability[cell] * 0.4 else 2
            if rand() < p_veteran[cell]:
                categories += ("veteran",)

            u = rand()
            if u < p_deceased[cell]:
                status, status_date = "deceased", date.fromordinal(today_ord - 1 - int(rand() * 1095))
            elif u < p_deceased[cell] + MOVED_AWAY:
                status, status_date = "moved_away", date.fromordinal(today_ord - 1 - int(rand() * 1095))
            else:
                status, status_date = "active", None

            yield new(
                SynthPerson,
                (
                    id_number,
                    name,
                    "M" if male else "F",
                    dates[day],
                    phone,
                    code,
                    address,
                    living,
                    categories,
                    grade,
                    status,
                    status_date,
                ),
            )
        produced += _BATCH


def _pick(items: list[int], fraction: float) -> int:
    return items[min(len(items) - 1, int(fraction * len(items)))]
