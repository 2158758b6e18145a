"""The registry's unique ID-number index also carries what data matching reads of each person it finds
(PostgreSQL only): `UNIQUE (id_number_hash) INCLUDE (id, status, status_date, division_code)`.

Matching probes this index once per row of a department's list (benefits.matching.RESOLVE_SQL). With the
person's id, status, status date and community in the index, the probe is an index-only scan and skips
the person's row in the heap, the one page of the probe least likely to be in memory: 100,000 rows
against 1,000,000 people went from ≈ 1.6 s to ≈ 1.3 s (docs/performance.md, "Data matching"). The
constraint's name and meaning are unchanged (Django's model state still reads a plain UniqueConstraint,
as the SQLite demo builds it); the index is 14 % larger. status and division_code are indexed already
(person_status_order, person_division_order), so the updates that change them were not HOT before either.

The new index is built CONCURRENTLY, then swapped in for the constraint's own in one ALTER TABLE.
"""

from django.db import migrations

TABLE = "people_person"
CONSTRAINT = "person_one_record_per_id_number"
BUILDING = "person_id_number_cover_new"


def _swap(schema_editor, include: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {BUILDING}")  # a build interrupted earlier
        cur.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {BUILDING} ON {TABLE} (id_number_hash){include}")
        cur.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {CONSTRAINT}, "
                    f"ADD CONSTRAINT {CONSTRAINT} UNIQUE USING INDEX {BUILDING}")


def cover(apps, schema_editor):
    _swap(schema_editor, " INCLUDE (id, status, status_date, division_code)")


def uncover(apps, schema_editor):
    _swap(schema_editor, "")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("people", "0012_division_code_statistics")]

    operations = [migrations.RunPython(cover, uncover)]
