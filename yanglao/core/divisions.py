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
