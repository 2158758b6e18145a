"""Loading the NBS 2023 division codes shipped in core/data/divisions (copied from the shared data)."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from .audit import audit_bulk
from .errors import ValidationFailed
from .models import Division, DivisionLevel, UrbanRural

DATA_DIR = Path(__file__).resolve().parent / "data" / "divisions"
PROVINCES = {"44": "广东省"}
RURAL_SUFFIXES = ("村委会", "村民委员会", "渔委会", "生活区")


def urban_rural_of(name: str) -> str:
    """The files carry no 城乡分类代码: village, fishing committees and farm/forest living areas are
    rural (村); residents' committees and every "…社区" (including virtual communities) are urban (社区)."""
    return UrbanRural.RURAL if name.endswith(RURAL_SUFFIXES) else UrbanRural.URBAN


# Names as people write them: "北门社区" for 北门社区居委会, "北门村" for 北门村委会, "南恩" for 南恩街道.
_COMMITTEE_SUFFIXES = (("社区居民委员会", "社区"), ("居民委员会", ""), ("村民委员会", "村"), ("社区居委会", "社区"),
                       ("居委会", ""), ("村委会", "村"), ("渔委会", ""), ("街道办事处", "街道"), ("办事处", ""),
                       ("人民政府", ""))
_KIND_SUFFIXES = ("社区", "街道", "村", "镇", "乡")


def division_name_key(name: str) -> str:
    """A division's name as compared exactly: full-width characters and spaces gone, the committee or
    office suffix dropped (``北门社区居委会`` and ``北门社区`` -> ``北门社区``; ``北门村委会`` -> ``北门村``)."""
    from .tabular import clean_text

    text = "".join(clean_text(name).split())
    for suffix, kind in _COMMITTEE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)] + kind
    return text


def normalise_division_name(name: str) -> str:
    """A division's name reduced to its stem, for matching names as offices write them:
    ``北门社区居委会``, ``北门社区``, ``北门`` and ``ＢＥＩ 门 村委会`` style variants meet at ``北门``
    (``南恩街道`` and ``南恩`` at ``南恩``). Different divisions may share a stem (北门社区 and 北门村):
    callers compare `division_name_key` first and fall back to the stem."""
    text = division_name_key(name)
    for suffix in _KIND_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def _rows(filename: str) -> Iterator[dict[str, str]]:
    with open(DATA_DIR / filename, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def division_rows(prefix: str) -> list[Division]:
    """Every division whose code starts with `prefix` (a province "44" or a city "4417"), parents first."""
    province = prefix[:2]
    out = [Division(code=province, name=PROVINCES.get(province, province), level=DivisionLevel.PROVINCE)]
    for row in _rows("guangdong_cities.csv"):
        if row["code"].startswith(prefix[:4]) or row["code"] == prefix[:4]:
            if len(prefix) <= 2 or row["code"] == prefix[:4]:
                out.append(Division(code=row["code"], name=row["name"], level=DivisionLevel.CITY, parent_id=province))
    for filename, level, parent_key in (
        ("guangdong_counties.csv", DivisionLevel.COUNTY, "cityCode"),
        ("guangdong_townships.csv", DivisionLevel.TOWNSHIP, "areaCode"),
        ("guangdong_villages.csv", DivisionLevel.COMMUNITY, "streetCode"),
    ):
        for row in _rows(filename):
            if row["code"].startswith(prefix):
                out.append(
                    Division(
                        code=row["code"],
                        name=row["name"],
                        level=level,
                        parent_id=row[parent_key],
                        urban_rural=urban_rural_of(row["name"]) if level == DivisionLevel.COMMUNITY else "",
                    )
                )
    return out


def load_divisions(prefix: str) -> dict[int, int]:
    """Upsert the divisions under `prefix`; safe to run again. Returns the count per level."""
    rows = division_rows(prefix)
    with transaction.atomic():
        for level in DivisionLevel.values:
            batch = [d for d in rows if d.level == level]
            Division.objects.bulk_create(
                batch,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["name", "level", "parent", "urban_rural"],
            )
        counts = {level: sum(1 for d in rows if d.level == level) for level in DivisionLevel.values}
        audit_bulk(Division, operation="load_divisions", count=len(rows), division_code=prefix,
                   params={"prefix": prefix, "source": "NBS 2023"})
        transaction.on_commit(forget_division_index)
    return counts


# --- Finding a division by what people type -------------------------------------------------------
#
#   resolve_division("北门", within=user.scope_prefix, level=DivisionLevel.COMMUNITY) -> Division
#
# accepts codes as offices write them (441700, 441702, 441702000000, 441702001001) and names with or
# without their statistical suffix (北门, 北门社区, 北门社区居委会, full-width or spaced), optionally with
# their parents (南恩街道/北门社区, 南恩街道北门社区). Only divisions inside `within` (the caller's
# jurisdiction prefix) are ever returned: an unknown, out-of-jurisdiction or ambiguous text raises
# ValidationFailed with a Chinese message and `details={"candidates": [{code, name, path}, ...]}`.
# Divisions are static: one process-level index (code → name, level) serves the resolver and the
# `division_name` template filter, rebuilt when load_divisions runs or the table's size changed.

COMMUNITY_SUFFIXES = ("社区居民委员会", "渔民委员会社区", "居民委员会", "村民委员会", "渔民委员会", "社区居委会",
                      "虚拟生活区", "虚拟社区", "居委会", "村委会", "渔委会", "生活区", "社区", "村")
CONTAINER_SUFFIXES = ("街道办事处", "办事处", "街道", "镇", "乡", "区", "县", "市", "省")
_SUFFIXES = tuple(sorted(COMMUNITY_SUFFIXES + CONTAINER_SUFFIXES, key=len, reverse=True))
_PATH_SEPARATORS = re.compile(r"\s*[/>›»|\\,，]\s*")
_CODE_IN_TEXT = re.compile(r"^(.*?)\((\d{2,12})\)$")
_CONTAINER_END = re.compile(r"(街道办事处|办事处|街道|镇|乡|区|县|市|省)")
CODE_LENGTHS = (2, 4, 6, 9, 12)


@dataclass(frozen=True)
class _Index:
    names: dict[str, tuple[str, int]]  # code -> (name, level)
    by_name: dict[str, list[str]]  # normalised full name -> codes
    by_core: dict[str, list[str]]  # name without its suffix, and the short name -> codes


_index: _Index | None = None


def normalise_text(text: str) -> str:
    """Full-width to half-width, no spaces of any kind."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def core_name(name: str) -> str:
    """A division's name without its statistical suffix: 北门社区居委会 → 北门, 南恩街道 → 南恩, 江城区 → 江城."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def normalise_code(digits: str) -> str | None:
    """A code as offices write it, cut to the division's own length: 441700 → 4417, 441702000000 → 441702."""
    if not digits.isdigit() or len(digits) not in CODE_LENGTHS:
        return None
    code = digits
    for keep in (9, 6, 4, 2):
        if len(code) > keep and set(code[keep:]) == {"0"}:
            code = code[:keep]
    return code


def _build_index() -> _Index:
    names: dict[str, tuple[str, int]] = {}
    by_name: dict[str, list[str]] = {}
    by_core: dict[str, list[str]] = {}
    for code, name, level in Division.objects.order_by("code").values_list("code", "name", "level"):
        names[code] = (name, level)
        full = normalise_text(name)
        by_name.setdefault(full, []).append(code)
        keys = {core_name(full), normalise_text(Division(name=name).short_name)}
        for key in keys:
            by_core.setdefault(key, []).append(code)
    return _Index(names=names, by_name=by_name, by_core=by_core)


def division_index(*, refresh: bool = False) -> _Index:
    global _index
    if _index is None or refresh:
        index = _build_index()
        if not index.names:
            return index  # an empty table is not worth keeping (the divisions may be loaded next)
        _index = index
    return _index


def forget_division_index() -> None:
    global _index
    _index = None


def _fresh_index_on_miss() -> _Index | None:
    """After a miss: the cached index again if the table changed size since it was built, else None."""
    index = division_index()
    if Division.objects.count() != len(index.names):
        return division_index(refresh=True)
    return None


def division_short_name(code: str) -> str:
    """The name people use (北门社区), or the code itself when it is not a known division."""
    entry = division_index().names.get(code or "")
    return Division(name=entry[0]).short_name if entry else (code or "")


def division_full_name(code: str) -> str:
    entry = division_index().names.get(code or "")
    return entry[0] if entry else (code or "")


def division_path(code: str) -> str:
    """The division's place from the county down, in short names: 江城区 / 南恩街道 / 北门社区."""
    names = division_index().names
    parts = [Division(name=names[code[:n]][0]).short_name for n in CODE_LENGTHS
             if n <= len(code) and code[:n] in names and (n >= 6 or n == len(code))]
    return " / ".join(parts) or code


def division_choice(code: str) -> dict[str, Any]:
    """How the pickers and error messages show a division: {code, name, path, level}."""
    name, level = division_index().names.get(code, (code, 0))
    return {"code": code, "name": Division(name=name).short_name, "full_name": name, "path": division_path(code),
            "level": level}


def _scope_label(within: str) -> str:
    return division_full_name(within) if within else "—"


def _candidates_text(codes: list[str]) -> str:
    return "；".join(f"{division_path(c)}（{c}）" for c in codes[:10]) + ("…" if len(codes) > 10 else "")


def _name_matches(index: _Index, text: str) -> list[list[str]]:
    """The codes a name may mean, best tier first: full name, name without suffix or short name,
    and the text without its own suffix (a 街道/镇 then only means a township or above, a 社区/村 a community)."""
    stripped = core_name(text)
    loose = index.by_core.get(stripped, []) if stripped != text else []
    if loose:
        community = text.endswith(COMMUNITY_SUFFIXES)
        loose = [c for c in loose if (index.names[c][1] == DivisionLevel.COMMUNITY) == community]
    return [index.by_name.get(text, []), index.by_core.get(text, []), loose]


def _level_label(level: int) -> str:
    return str(DivisionLevel(level).label) if level in DivisionLevel.values else str(level)


def resolve_division(text: str, *, within: str | None, level: int | None = None) -> Division:
    """The one division `text` means inside the jurisdiction `within` (a division code prefix, e.g. the
    user's `scope_prefix`), optionally of one `level` (DivisionLevel). Raises ValidationFailed (Chinese
    message; details={"candidates": [...]}) when it is unknown, ambiguous, outside `within` or of
    another level. Never guesses across jurisdictions."""
    if not within:
        raise ValidationFailed("您的账户没有管辖区划，不能选择区划")
    raw = unicodedata.normalize("NFKC", text or "").strip()
    if not raw:
        raise ValidationFailed("请输入区划名称或代码")
    index = division_index()
    m = _CODE_IN_TEXT.match(normalise_text(raw))
    digits = m.group(2) if m else normalise_text(raw)
    if digits.isdigit():
        return _resolve_code(digits, within=within, level=level)
    found = _resolve_name(index, raw, within=within, level=level)
    if found is None:
        fresh = _fresh_index_on_miss()
        if fresh is not None:
            found = _resolve_name(fresh, raw, within=within, level=level)
    if found is None:
        _refuse_name(index, normalise_text(raw), within=within, level=level)
    return Division(code=found, name=division_full_name(found), level=division_index().names[found][1],
                    parent_id=_parent_code(found))


def _parent_code(code: str) -> str | None:
    shorter = [n for n in CODE_LENGTHS if n < len(code)]
    return code[: shorter[-1]] if shorter else None


def _resolve_code(digits: str, *, within: str, level: int | None) -> Division:
    code = normalise_code(digits)
    if code is None:
        raise ValidationFailed(f"区划代码“{digits}”应为 6、9 或 12 位数字（如 441702、441702001、441702001001）")
    index = division_index()
    if code not in index.names:
        index = _fresh_index_on_miss() or index
    if code not in index.names:
        raise ValidationFailed(f"区划代码“{digits}”不存在")
    name, found_level = index.names[code]
    if not code.startswith(within):
        raise ValidationFailed(f"{name}（{code}）不在您的管辖范围（{_scope_label(within)}）内")
    if level is not None and found_level != level:
        raise ValidationFailed(f"{name}（{code}）是{_level_label(found_level)}，请选择{_level_label(level)}")
    return Division(code=code, name=name, level=found_level, parent_id=_parent_code(code))


def _resolve_name(index: _Index, raw: str, *, within: str, level: int | None, depth: int = 0) -> str | None:
    """The code of the one division `raw` names inside `within`; None when nothing matches; raises when
    the name is ambiguous there."""
    text = normalise_text(raw)
    for tier in _name_matches(index, text):
        codes = [c for c in tier if c.startswith(within) and (level is None or index.names[c][1] == level)]
        if len(codes) == 1:
            return codes[0]
        if len(codes) > 1:
            raise ValidationFailed(
                f"“{text}”在您的管辖范围内有 {len(codes)} 个，请选择其一或写上所属乡镇（如“乡镇/村居”）：{_candidates_text(codes)}",
                details={"candidates": [division_choice(c) for c in codes[:20]]},
            )
    if depth >= 3:
        return None
    # With its parents: 南恩街道/北门社区, 江城区 南恩街道 北门社区, 南恩街道北门社区.
    parts = [p for p in _PATH_SEPARATORS.split(raw.strip()) if p]
    if len(parts) < 2 and re.search(r"\s", raw.strip()):
        parts = raw.split()
    splits: list[tuple[str, str]] = []
    if len(parts) >= 2:
        splits.append((parts[0], "/".join(parts[1:])))
    else:
        splits += [(text[: m.end()], text[m.end():]) for m in _CONTAINER_END.finditer(text) if m.end() < len(text)]
    for head, tail in splits:
        containers = [c for tier in _name_matches(index, normalise_text(head)) for c in tier
                      if index.names[c][1] < DivisionLevel.COMMUNITY and (c.startswith(within) or within.startswith(c))]
        containers = sorted(set(containers))
        if len(containers) != 1:
            continue
        base = containers[0] if len(containers[0]) > len(within) else within
        try:
            found = _resolve_name(index, tail, within=base, level=level, depth=depth + 1)
        except ValidationFailed:
            if len(splits) == 1:
                raise
            continue
        if found:
            return found
    return None


def _refuse_name(index: _Index, text: str, *, within: str, level: int | None) -> None:
    everywhere = [c for tier in _name_matches(index, text) for c in tier]
    inside = [c for c in everywhere if c.startswith(within)]
    if inside and level is not None:
        other = index.names[inside[0]]
        raise ValidationFailed(f"{other[0]}（{inside[0]}）是{_level_label(other[1])}，请选择{_level_label(level)}",
                               details={"candidates": []})
    if everywhere:
        raise ValidationFailed(f"“{text}”不在您的管辖范围（{_scope_label(within)}）内", details={"candidates": []})
    similar: list[str] = []
    for probe in (core_name(text), core_name(text)[:2]):
        similar = similar or [c for c, (name, lvl) in index.names.items() if c.startswith(within)
                              and probe in normalise_text(name) and (level is None or lvl == level)]
    hint = f"，相近的有：{_candidates_text(similar)}" if similar else "，请检查名称或输入区划代码"
    raise ValidationFailed(f"在您的管辖范围（{_scope_label(within)}）内没有名为“{text}”的区划{hint}",
                           details={"candidates": [division_choice(c) for c in similar[:20]]})
