"""Synthetic older people for the demo and the benchmarks, written set-based (COPY on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from yanglao.core.audit import audit_bulk
from yanglao.core.bulk import copy_rows
from yanglao.core.crypto import Sealer
from yanglao.core.idnumber import mask_id_number, mask_phone
from yanglao.core.models import Division, DivisionLevel
from yanglao.core.synth import synth_people

from .models import Contact, Person, PersonCategory
from .services import ID_PURPOSE, PHONE_PURPOSE

PERSON_COLS = [
    "id", "name", "id_number_enc", "id_number_hash", "id_number_masked", "id_last4", "id_converted_from_15",
    "birth_date", "sex", "hukou_division_code", "division_code", "address", "phone_enc", "phone_hash",
    "phone_masked", "living_situation", "status", "status_date", "consent_by", "consent_document", "source",
    "created_at", "updated_at", "version",
]
CATEGORY_COLS = ["person_id", "category", "valid_from", "valid_to", "document_no", "issuing_unit", "disability_grade",
                 "division_code", "created_at", "updated_at", "version"]
ISSUER = {"tekun": "民政局", "dibao": "民政局", "dibao_edge": "民政局", "economic_hardship": "民政局",
          "family_planning_special": "卫生健康局", "severe_disability": "残疾人联合会", "veteran": "退役军人事务局"}
COUNTY_NAMES = {"441702": "江城区", "441704": "阳东区", "441721": "阳西县", "441781": "阳春市"}


def seed_people(n: int, *, seed: int, today: dt.date | None = None, city: str = "4417") -> int:
    """Add `n` synthetic people (deterministic for `seed`). Returns how many were added; a seed
    already loaded is skipped, so running it again adds nothing."""
    today = today or timezone.localdate()
    source = f"seed:{seed}"
    if Person.objects.filter(source=source).exists():
        return 0
    communities = list(
        Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith=city).values_list("code", "name")
    )
    if not communities:
        raise ValueError(f"区划 {city} 尚未载入，请先运行 yanglao load_divisions")
    sealer = Sealer()
    now = timezone.now()
    start = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    categories: list[tuple[Any, ...]] = []
    contacts: list[Contact] = []

    def people_rows() -> Iterator[tuple[Any, ...]]:
        for i, p in enumerate(synth_people(n, seed=seed, communities=communities, today=today)):
            pid = start + i
            phone = p.phone or ""
            county = p.community_code[:6]
            for code in p.categories:
                since = today.replace(day=1) - dt.timedelta(days=30 * ((pid * 7 + len(code)) % 60))
                categories.append((
                    pid, code, since.replace(day=1), None, f"阳{COUNTY_NAMES.get(county, '')[:1]}民〔{since.year}〕{pid % 97 + 1}号",
                    COUNTY_NAMES.get(county, "阳江市") + ISSUER.get(code, "民政局"),
                    p.disability_grade if code == "severe_disability" else None, p.community_code, now, now, 1,
                ))
            yield (
                pid, p.name, sealer.encrypt(p.id_number), sealer.hash(p.id_number, purpose=ID_PURPOSE),
                mask_id_number(p.id_number), p.id_number[-4:], False, p.birth_date, p.sex, p.id_number[:6],
                p.community_code, p.address, sealer.encrypt(phone), sealer.hash(phone, purpose=PHONE_PURPOSE),
                mask_phone(phone) if phone else "", p.living_situation, p.status, p.status_date, "", "", source,
                now, now, 1,
            )

    with transaction.atomic():
        added = copy_rows(Person._meta.db_table, PERSON_COLS, people_rows())
        copy_rows(PersonCategory._meta.db_table, CATEGORY_COLS, iter(categories))
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{Person._meta.db_table}', 'id'), "
                    f"(SELECT max(id) FROM {Person._meta.db_table}))"
                )
        del contacts
        audit_bulk(Person, operation="seed", count=added, division_code=city, params={"seed": seed, "n": n})
    return added
