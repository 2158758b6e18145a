"""Loading the NBS 2023 division codes shipped in core/data/divisions (copied from the shared data)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction

from .audit import audit_bulk
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
    return counts
