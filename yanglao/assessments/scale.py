"""The GB/T 42195-2022 老年人能力评估 scale: 26 items, four indicators, five levels.

Item codes (B1.1 … B4.5) are the platform's stable codes; option wording follows
Appendix B of the standard, highest score first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "INDICATORS",
    "INDICATORS_BY_CODE",
    "ITEMS",
    "ITEMS_BY_CODE",
    "ITEM_CODES",
    "LEVELS",
    "RISK_EVENTS",
    "RISK_EVENTS_BY_CODE",
    "TOTAL_MAX",
    "Indicator",
    "Item",
    "Level",
    "Option",
    "RiskEvent",
]


@dataclass(frozen=True)
class Option:
    score: int
    label: str


@dataclass(frozen=True)
class Item:
    code: str
    indicator: str
    name_zh: str
    name_en: str
    options: tuple[Option, ...]
    definition_zh: str = ""

    @property
    def min_score(self) -> int:
        return min(option.score for option in self.options)

    @property
    def max_score(self) -> int:
        return max(option.score for option in self.options)

    @property
    def scores(self) -> frozenset[int]:
        return frozenset(option.score for option in self.options)


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    item_codes: tuple[str, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(ITEMS_BY_CODE[code] for code in self.item_codes)

    @property
    def max_score(self) -> int:
        return sum(item.max_score for item in self.items)


@dataclass(frozen=True)
class Level:
    level: int
    name_zh: str
    name_en: str
    min_total: int
    max_total: int


@dataclass(frozen=True)
class RiskEvent:
    code: str
    name_zh: str
    name_en: str


def _options(*pairs: tuple[int, str]) -> tuple[Option, ...]:
    return tuple(Option(score, label) for score, label in pairs)


def _generic() -> tuple[Option, ...]:
    """The standard's five-step assistance wording shared by several items."""
    return _options(
        (4, "独立完成，不需要协助"),
        (3, "在他人指导或提示下完成"),
        (2, "需要他人协助，但以自身完成为主"),
        (1, "主要依靠他人协助，自身能给予配合"),
        (0, "完全依赖他人协助，且不能给予配合"),
    )


SELF_CARE = "self_care"
MOVEMENT = "movement"
MENTAL = "mental"
PERCEPTION = "perception"

ITEMS: tuple[Item, ...] = (
    # B.1 自理能力
    Item(
        "B1.1",
        SELF_CARE,
        "进食",
        "Eating",
        _options(
            (4, "独立使用餐具将食物送进口中并咽下，没有呛咳"),
            (3, "在他人指导或提示下完成，或独立使用辅具，没有呛咳"),
            (2, "进食中需要少量接触式协助，偶尔（每月一次及以上）呛咳"),
            (1, "在进食中需要大量接触式协助，经常（每周一次及以上）呛咳"),
            (0, "完全依赖他人协助进食，或吞咽困难，或留置营养管"),
        ),
        "使用适当的器具将食物送入口中并咽下",
    ),
    Item(
        "B1.2",
        SELF_CARE,
        "修饰",
        "Grooming",
        _generic(),
        "指洗脸、刷牙、梳头、刮脸、剪指（趾）甲等",
    ),
    Item("B1.3", SELF_CARE, "洗澡", "Bathing", _generic(), "清洗和擦干身体"),
    Item(
        "B1.4",
        SELF_CARE,
        "穿/脱上衣",
        "Upper-body dressing",
        _generic(),
        "指穿/脱上身衣服、系扣、拉拉链等",
    ),
    Item(
        "B1.5",
        SELF_CARE,
        "穿/脱裤子和鞋袜",
        "Lower-body dressing",
        _generic(),
        "指穿/脱裤子、鞋袜等",
    ),
    Item(
        "B1.6",
        SELF_CARE,
        "小便控制",
        "Bladder control",
        _options(
            (4, "可自行控制排尿，排尿次数、排尿控制均正常"),
            (3, "白天可自行控制排尿次数，夜间出现排尿次数增多、排尿控制较差，或自行使用尿布、尿垫等辅助用物"),
            (
                2,
                "白天大部分时间可自行控制排尿，偶出现（每天<1次，但每周>1次）尿失禁，"
                "夜间控制排尿较差，或他人少量协助使用尿布、尿垫等辅助用物",
            ),
            (
                1,
                "白天大部分时间不能控制排尿（每天≥1次，但尚非完全失控），夜间出现尿失禁，"
                "或他人大量协助使用尿布、尿垫等辅助用物",
            ),
            (0, "小便失禁，完全不能控制排尿，或留置导尿管"),
        ),
        "控制和排出尿液的能力",
    ),
    Item(
        "B1.7",
        SELF_CARE,
        "大便控制",
        "Bowel control",
        _options(
            (4, "可正常自行控制大便排出"),
            (3, "有时出现（每周<1次）便秘或大便失禁，或自行使用开塞露、尿垫等辅助用物"),
            (2, "经常出现（每天<1次，但每周>1次）便秘或大便失禁，或他人少量协助使用开塞露、尿垫等辅助用物"),
            (
                1,
                "大部分时间均出现（每天≥1次）便秘或大便失禁，但尚非完全失控，"
                "或他人大量协助使用开塞露、尿垫等辅助用物",
            ),
            (0, "严重便秘或者完全大便失禁，需要依赖他人协助排便或清洁皮肤"),
        ),
        "控制和排出粪便的能力",
    ),
    Item(
        "B1.8",
        SELF_CARE,
        "如厕",
        "Toileting",
        _generic(),
        "上厕所排泄大小便，并清洁身体（排泄前解开裤子、完成排泄后清洁身体、穿上裤子）",
    ),
    # B.2 基础运动能力
    Item("B2.1", MOVEMENT, "床上体位转移", "Turning in bed", _generic(), "卧床翻身及坐起躺下"),
    Item(
        "B2.2",
        MOVEMENT,
        "床椅转移",
        "Bed–chair transfer",
        _generic(),
        "从坐位到站位，再从站位到坐位的转换过程",
    ),
    Item(
        "B2.3",
        MOVEMENT,
        "平地行走",
        "Walking on level ground",
        _options(
            (4, "独立平地步行50米左右，不需要协助，无摔倒风险"),
            (3, "能平地步行50米左右，存在摔倒风险，需要他人监护或指导，或使用拐杖、助行器等辅助工具"),
            (2, "在步行时需要他人少量扶持协助"),
            (1, "在步行时需要他人大量扶持协助"),
            (0, "完全不能步行"),
        ),
        "双脚交互的方式在地面行动，总是一只脚在前（包括他人辅助和使用辅助工具的步行）",
    ),
    Item(
        "B2.4",
        MOVEMENT,
        "上下楼梯",
        "Stairs",
        _options(
            (3, "可独立上下楼梯（连续上下10～15个台阶），不需要协助"),
            (2, "在他人指导或提示下完成"),
            (1, "需要他人协助，但以自身完成为主"),
            (0, "主要依靠他人协助，自身能给予配合；或者完全依赖他人协助，且不能给予配合"),
        ),
        "双脚交替完成楼梯台阶连续的上下移动",
    ),
    # B.3 精神状态
    Item(
        "B3.1",
        MENTAL,
        "时间定向",
        "Orientation to time",
        _options(
            (4, "时间观念（年、月）清楚，日期（或星期几）可相差一天"),
            (3, "时间观念有些下降，年、月、日（或星期几）不能全部分清（相差两天或以上）"),
            (2, "时间观念较差，年、月、日不清楚，可知上半年或下半年或季节"),
            (1, "时间观念很差，年、月、日不清楚，可知上午、下午或白天、夜间"),
            (0, "无时间观念"),
        ),
        "知道并确认时间的能力",
    ),
    Item(
        "B3.2",
        MENTAL,
        "空间定向",
        "Orientation to place",
        _options(
            (4, "能在日常生活范围内单独外出，如在日常居住小区内独自外出购物等"),
            (3, "不能单独外出，但能准确知道自己日常生活所在地的地址信息"),
            (2, "不能单独外出，但知道较多有关自己日常生活的地址信息"),
            (1, "不能单独外出，但知道较少自己居住或生活所在地的地址信息"),
            (0, "不能单独外出，无空间观念"),
        ),
        "知道并确认空间的能力",
    ),
    Item(
        "B3.3",
        MENTAL,
        "人物定向",
        "Orientation to people",
        _options(
            (4, "认识长期共同一起生活的人，能称呼家人及熟悉的人的姓名，能说出自己的姓名、年龄"),
            (3, "能认识大部分共同生活居住的人，能称呼或知道关系"),
            (2, "能认识部分日常同住的亲人或照护者等，能称呼或知道关系等"),
            (1, "只认识自己或极少数日常同住的亲人或照护者等"),
            (0, "不认识任何人（包括自己）"),
        ),
        "知道并确认人物的能力",
    ),
    Item(
        "B3.4",
        MENTAL,
        "记忆",
        "Memory",
        _options(
            (4, "总是能保持与社会、年龄所适应的记忆能力，能完整地回忆"),
            (3, "出现轻度的记忆紊乱或回忆不能（不能回忆即时信息，3个词语经过5分钟后仅能回忆0～1个）"),
            (2, "出现中度的记忆紊乱或回忆不能（不能回忆近期记忆，不记得上一顿饭吃了什么）"),
            (1, "出现重度的记忆紊乱或回忆不能（不能回忆远期记忆，不记得自己的老朋友）"),
            (0, "记忆完全紊乱或者完全不能对既往事物进行正确的回忆"),
        ),
        "短时、近期和远期记忆能力",
    ),
    Item(
        "B3.5",
        MENTAL,
        "理解能力",
        "Comprehension",
        _options(
            (4, "能正常理解他人的话"),
            (3, "能理解他人的话，但需要增加时间"),
            (2, "理解有困难，需频繁重复或简化口头表达"),
            (1, "理解有严重困难，需要大量他人帮助"),
            (0, "完全不能理解他人的话"),
        ),
        "理解语言信息和非语言信息的能力（可借助平时使用的助听设备等），即理解别人的话",
    ),
    Item(
        "B3.6",
        MENTAL,
        "表达能力",
        "Expression",
        _options(
            (4, "能正常表达自己的想法"),
            (3, "能表达自己的需要，但需要增加时间"),
            (2, "表达需要有困难，需频繁重复或简化口头表达"),
            (1, "表达有严重困难，需要大量他人帮助"),
            (0, "完全不能表达需要"),
        ),
        "表达信息的能力，包括口头的和非口头的，即表达自己的想法",
    ),
    Item(
        "B3.7",
        MENTAL,
        "攻击行为",
        "Aggressive behaviour",
        _options((1, "未出现"), (0, "近一个月内出现过攻击行为")),
        "身体攻击行为（如打、踢、推、咬、抓、摔东西）和语言攻击行为（如骂人、语言威胁、尖叫）",
    ),
    Item(
        "B3.8",
        MENTAL,
        "抑郁症状",
        "Depressive symptoms",
        _options((1, "未出现"), (0, "近一个月内出现过负性情绪")),
        "存在情绪低落、兴趣减退、活力减退等症状，甚至出现妄想、幻觉、自杀念头或自杀行为",
    ),
    Item(
        "B3.9",
        MENTAL,
        "意识水平",
        "Consciousness",
        _options(
            (2, "神志清醒，对周围环境能做出正确反应"),
            (
                1,
                "嗜睡（呼唤或推动肢体可唤醒，能正确交谈或执行指令，停止刺激后又继续入睡），"
                "或意识模糊（注意力涣散，对外界刺激不能清晰认识，时间和空间定向力障碍）",
            ),
            (
                0,
                "昏睡（一般外界刺激不能使其觉醒，较强刺激可短时清醒），"
                "或昏迷（意识丧失，呼之不应，对一般刺激全无反应）",
            ),
        ),
        "机体对自身和周围环境的刺激做出应答反应的能力程度，包括清醒和持续的觉醒状态",
    ),
    # B.4 感知觉与社会参与
    Item(
        "B4.1",
        PERCEPTION,
        "视力",
        "Vision",
        _options(
            (2, "视力正常"),
            (1, "能看清楚大字体，但看不清书报上的标准字体；视力有限，看不清报纸大标题，但能辨认物体"),
            (0, "只能看到光、颜色和形状；完全失明"),
        ),
        "感受存在的光线并感受物体的大小、形状的能力，在个体的最好矫正视力下进行评估",
    ),
    Item(
        "B4.2",
        PERCEPTION,
        "听力",
        "Hearing",
        _options(
            (2, "听力正常"),
            (1, "在轻声说话或说话距离超过2米时听不清；正常交流有些困难，需在安静的环境或大声说话才能听到"),
            (0, "讲话者大声说话或说话很慢，才能部分听见；完全失聪"),
        ),
        "能辨别声音的方位、音调、音量和音质的有关能力（可借助平时使用的助听设备等）",
    ),
    Item(
        "B4.3",
        PERCEPTION,
        "执行日常事务",
        "Daily affairs",
        _options(
            (4, "能完全独立计划、安排和完成日常事务，无需协助"),
            (3, "在计划、安排和完成日常事务时需要他人监护或指导"),
            (2, "在计划、安排和完成日常事务时需要少量协助"),
            (1, "在计划、安排和完成日常事务时需要大量协助"),
            (0, "完全依赖他人进行日常事务"),
        ),
        "计划、安排并完成日常事务，包括但不限于洗衣服、小金额购物、服药管理",
    ),
    Item(
        "B4.4",
        PERCEPTION,
        "使用交通工具外出",
        "Going out by transport",
        _options(
            (3, "能自己骑车或搭乘公共交通工具外出"),
            (2, "能自己搭乘出租车，但不会搭乘其他公共交通工具外出"),
            (1, "当有人协助或陪伴，可搭乘公共交通工具外出"),
            (0, "只能在他人协助下搭乘出租车或私家车外出；完全不能出门，或者外出完全需要协助"),
        ),
    ),
    Item(
        "B4.5",
        PERCEPTION,
        "社会交往能力",
        "Social interaction",
        _options(
            (4, "参与社会，在社会环境有一定的适应能力，待人接物恰当"),
            (3, "能适应单纯环境，主动接触他人，初见面时难让人发现智力问题，不能理解隐喻语"),
            (2, "脱离社会，可被动接触，不会主动待人，谈话中很多不适词句，容易上当受骗"),
            (1, "勉强可与他人接触，谈吐内容不清楚，表情不恰当"),
            (0, "不能与人交往"),
        ),
    ),
)

ITEMS_BY_CODE: Mapping[str, Item] = MappingProxyType({item.code: item for item in ITEMS})
ITEM_CODES: tuple[str, ...] = tuple(item.code for item in ITEMS)


def _codes_for(indicator: str) -> tuple[str, ...]:
    return tuple(item.code for item in ITEMS if item.indicator == indicator)


INDICATORS: tuple[Indicator, ...] = (
    Indicator(SELF_CARE, "自理能力", "Self-care", _codes_for(SELF_CARE)),
    Indicator(MOVEMENT, "基础运动能力", "Basic movement", _codes_for(MOVEMENT)),
    Indicator(MENTAL, "精神状态", "Mental state", _codes_for(MENTAL)),
    Indicator(
        PERCEPTION,
        "感知觉与社会参与",
        "Perception and social participation",
        _codes_for(PERCEPTION),
    ),
)
INDICATORS_BY_CODE: Mapping[str, Indicator] = MappingProxyType(
    {indicator.code: indicator for indicator in INDICATORS}
)

TOTAL_MAX: int = sum(item.max_score for item in ITEMS)

LEVELS: tuple[Level, ...] = (
    Level(0, "能力完好", "Intact", 90, 90),
    Level(1, "能力轻度受损（轻度失能）", "Mildly impaired (mild disability)", 66, 89),
    Level(2, "能力中度受损（中度失能）", "Moderately impaired (moderate disability)", 46, 65),
    Level(3, "能力重度受损（重度失能）", "Severely impaired (severe disability)", 30, 45),
    Level(4, "能力完全丧失（完全失能）", "Completely lost (complete disability)", 0, 29),
)

RISK_EVENTS: tuple[RiskEvent, ...] = (
    RiskEvent("fall", "跌倒", "Fall"),
    RiskEvent("choking", "噎食", "Choking"),
    RiskEvent("suicide", "自杀", "Suicide attempt"),
    RiskEvent("self_harm", "自伤", "Self-harm"),
    RiskEvent("wandering", "走失", "Wandering off"),
    RiskEvent("other", "其他", "Other"),
)
RISK_EVENTS_BY_CODE: Mapping[str, RiskEvent] = MappingProxyType({event.code: event for event in RISK_EVENTS})
