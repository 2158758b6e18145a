"""Rosters as offices send them: communities named in words, summary and instruction lines, and the
template's example row.

A township's roster says 所属村居 "北门社区" and 所属镇街 "南恩街道" where the statistical name is
"北门社区居委会", and has no code column. `DivisionNames` resolves such names within the importer's
jurisdiction, built set-based (one query → dicts of normalised names → codes), and says per row why a
name cannot be used: unknown, only outside the jurisdiction (never guessed across it), or shared by
several communities (with the candidates, so the office can add the township or the code).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from yanglao.core.divisions import division_name_key, normalise_division_name
from yanglao.core.models import Division, DivisionLevel
from yanglao.core.tabular import clean_text

# field → header → other spellings (compared after normalise_header: spaces, *, "(…)" hints dropped).
ROSTER_COLUMNS: list[tuple[str, str, list[str]]] = [
    ("community_name", "所属村居", ["村居", "所属村（社区）", "村（社区）", "所属社区", "社区", "所属村委会", "所属居委会",
                                    "村/社区", "村（居）", "所属村（居）", "社区名称", "村居名称", "所在村居", "所在社区",
                                    "居住社区", "村委会", "居委会"]),
    ("township_name", "所属镇街", ["镇街", "所属镇（街道）", "所属乡镇（街道）", "乡镇（街道）", "所属乡镇", "乡镇", "镇（街）",
                                   "所属街道", "街道", "所在镇街", "镇街名称"]),
    ("county_name", "所属县区", ["县区", "所属县（市、区）", "县（市、区）", "所属区县", "区县", "县市区", "所属县市区"]),
]
MAX_CANDIDATES_SHOWN = 5

_LEVEL_WORD = {DivisionLevel.COUNTY: "县（市、区）", DivisionLevel.TOWNSHIP: "乡镇（街道）", DivisionLevel.COMMUNITY: "村（社区）"}
_LEVELS = (DivisionLevel.COUNTY, DivisionLevel.TOWNSHIP, DivisionLevel.COMMUNITY)


@dataclass
class _Names:
    """One level's names: exact key → codes, stem → codes."""

    by_key: dict[str, list[str]] = field(default_factory=dict)
    by_stem: dict[str, list[str]] = field(default_factory=dict)

    def add(self, code: str, name: str) -> None:
        self.by_key.setdefault(division_name_key(name), []).append(code)
        self.by_stem.setdefault(normalise_division_name(name), []).append(code)

    def find(self, text: str) -> list[str]:
        """Codes named `text`: the exact key first (北门社区 → 北门社区居委会, not 北门村委会), then the
        written text as a stem (新村 → 新村村委会), then stem against stem (北门 → both)."""
        key = division_name_key(text)
        return self.by_key.get(key) or self.by_stem.get(key) or self.by_stem.get(normalise_division_name(text)) or []


@dataclass
class DivisionNames:
    """County, township and community names of a province, split into the importer's jurisdiction
    (`prefix`) and the rest (only to say "不在您的管辖范围内", never to resolve)."""

    prefix: str
    inside: dict[int, _Names]
    outside: dict[int, _Names]
    names: dict[str, str]  # code → short name (北门社区, 北门村, 南恩街道), for the candidates

    @classmethod
    def build(cls, prefix: str) -> DivisionNames:
        """One query: every county, township and community of the importer's province."""
        inside = {level: _Names() for level in _LEVELS}
        outside = {level: _Names() for level in _LEVELS}
        names: dict[str, str] = {}
        rows = Division.objects.filter(code__startswith=prefix[:2], level__in=_LEVELS).values_list("code", "name", "level")
        for code, name, level in rows.iterator(chunk_size=5000):
            (inside if code.startswith(prefix) or prefix.startswith(code) else outside)[level].add(code, name)
            names[code] = Division(code=code, name=name, level=level).short_name
        return cls(prefix=prefix, inside=inside, outside=outside, names=names)

    def label(self, code: str, *, with_county: bool = False) -> str:
        parts = [code[:6]] if with_county else []
        parts += [code[:9], code] if len(code) == 12 else [code]
        return "".join(self.names.get(c, c) for c in parts)

    def _within(self, text: str, level: int, prefixes: list[str] | None) -> list[str]:
        codes = [c for c in self.inside[level].find(text) if c.startswith(self.prefix) or self.prefix.startswith(c)]
        if prefixes is not None:
            codes = [c for c in codes if c.startswith(tuple(prefixes))]
        return codes

    def _unknown(self, text: str, level: int, shown: str) -> str:
        if self.outside[level].find(text):
            return f"“{shown}”不在您的管辖范围内"
        return f"找不到名为“{shown}”的{_LEVEL_WORD[level]}（国家统计局2023年区划名称）"

    def _area(self, text: str, level: int, prefixes: list[str] | None) -> tuple[list[str] | None, str | None]:
        """The codes a county or township column narrows to (None when the column is empty)."""
        shown = clean_text(text)
        if not shown:
            return prefixes, None
        if shown.replace(" ", "").isdigit():
            return [code_prefix(shown.replace(" ", ""))], None
        codes = self._within(shown, level, prefixes)
        if codes:
            return codes, None
        if prefixes is not None and self._within(shown, level, None):
            return None, f"“{shown}”不在所填的上级区划内"
        return None, self._unknown(shown, level, shown)

    def resolve(self, community: Any, *, township: Any = "", county: Any = "") -> tuple[str | None, str | None, str]:
        """(code, None, "") for a community named once within the jurisdiction (narrowed by the county and
        township columns when filled); else (None, field, reason) with the field to blame."""
        shown = clean_text(community)
        if shown.replace(" ", "").isdigit():  # a code written in the name column: check_division checks it
            return shown.replace(" ", ""), None, ""
        prefixes, problem = self._area(county, DivisionLevel.COUNTY, None)
        if problem:
            return None, "county_name", problem
        prefixes, problem = self._area(township, DivisionLevel.TOWNSHIP, prefixes)
        if problem:
            return None, "township_name", problem
        codes = self._within(shown, DivisionLevel.COMMUNITY, prefixes)
        if len(codes) == 1:
            return codes[0], None, ""
        if not codes:
            if prefixes is not None and self._within(shown, DivisionLevel.COMMUNITY, None):
                area = clean_text(township) or clean_text(county)
                return None, "community_name", f"“{shown}”不在“{area}”内，请核对所属镇街"
            return None, "community_name", self._unknown(shown, DivisionLevel.COMMUNITY, shown)
        labels = [self.label(c) for c in codes]
        if len(set(labels)) < len(labels):
            labels = [self.label(c, with_county=True) for c in codes]
        listed = "、".join(labels[:MAX_CANDIDATES_SHOWN]) + (f"等 {len(labels)} 个" if len(labels) > MAX_CANDIDATES_SHOWN else "")
        return None, "community_name", f"找到多个同名村居：{listed}，请填写所属镇街或区划代码"


def code_prefix(code: str) -> str:
    """A division code as offices write it, padded with zeros (441702000000, 441702001000), cut to the
    prefix it stands for (441702, 441702001)."""
    if len(code) == 12:
        for cut, zeros in ((4, "00000000"), (6, "000000"), (9, "000")):
            if code[cut:] == zeros:
                return code[:cut]
    return code


# --- rows that are not people -----------------------------------------------------------------
_SUMMARY = re.compile(r"^(?:合计|总计|小计|共计|总人数|汇总|共\d+(?:人|名|条|户|位|行))")
_NOTE = re.compile(r"^(?:填表说明|填写说明|说明|注意事项|注意|注|备注|填表人|制表人|审核人|填报人|填报单位|制表单位|"
                   r"单位负责人|负责人|制表日期|填表日期|填报日期|审核日期|联系电话)[:：]")
_NOTE_ALONE = re.compile(r"^(?:填表说明|填写说明|说明|注意事项)$")
_ID_LIKE = re.compile(r"\d{15}")
_NOTE_STARTS = frozenset("合总小共汇填说注备制审单负联")


def is_note_row(cells: Sequence[Any]) -> bool:
    """A summary line (合计, 总计, 小计, "共 N 人") or an instruction line ("填表说明：…", "注：…"), found by
    its first filled cell; a row holding anything like an ID number is never one."""
    for cell in cells:  # fast path: most rows start with a number or a name that begins no note
        if cell is None or cell == "" or (isinstance(cell, str) and not cell.strip()):
            continue
        if not isinstance(cell, str) or cell.lstrip()[:1] not in _NOTE_STARTS:
            return False
        break
    first = ""
    for cell in cells:
        text = "".join(clean_text(cell).split())
        if not text:
            continue
        if _ID_LIKE.search(text):
            return False
        first = first or text
    return bool(first) and bool(_SUMMARY.match(first) or _NOTE.match(first) or _NOTE_ALONE.match(first))


def is_template_example(data: Mapping[str, Any], examples: Mapping[str, str], *, key: str = "id_number",
                        name: str = "name") -> bool:
    """The template's example row left in the file: its ID cell exactly as the template wrote it
    ("44170219500101123X（请设置为文本格式）", never a real number), or the example name with three more
    cells exactly as the template wrote them."""
    cleaned = _cleaned(tuple(examples.items()))
    raw_id = data.get(key, "")
    if isinstance(raw_id, str) and ("（" in raw_id or "(" in raw_id):  # only the example's ID cell has a hint
        if cleaned.get(key) and clean_text(raw_id) == cleaned[key]:
            return True
    if not cleaned.get(name) or clean_text(data.get(name, "")) != cleaned[name]:
        return False
    same = sum(1 for k, example in cleaned.items()
               if k != name and example and clean_text(data.get(k, "")) == example)
    return same >= 3


@functools.lru_cache(maxsize=8)
def _cleaned(examples: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The example cells as clean_text gives them, worked out once per set of examples, not once a row."""
    return {k: clean_text(v) for k, v in examples}
