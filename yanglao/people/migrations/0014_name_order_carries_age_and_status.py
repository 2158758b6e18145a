"""person_name_order carries each person's birth date and status (PostgreSQL only):
`(name COLLATE "C", division_code COLLATE "C", id) INCLUDE (birth_date, status)`.

A name prefix with an age band and a status (issue 22's slowest kind at 4,000,000 people) reads the
prefix's people in the user's area in the index's order and keeps those of the age and the status: for a
two-character prefix and the 90–99 band, 600–1,000 index entries for 20 rows. With the birth date and the
status in the index, `selectors._written_first_page` takes the page's ids by an index-only scan, which
checks them on the index entries instead of each person's heap page, then reads the 20 rows
(docs/performance.md, "Registry search at 4,000,000 people"). The index grows by about a fifth; the new
one is built CONCURRENTLY and swapped in.
"""

from django.db import migrations

NAME = "person_name_order"
KEY = 'people_person (name COLLATE "C", division_code COLLATE "C", id)'


def _rebuild(schema_editor, include: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}_new")  # a build interrupted earlier
        cur.execute(f"CREATE INDEX CONCURRENTLY {NAME}_new ON {KEY}{include}")
        cur.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
        cur.execute(f"ALTER INDEX {NAME}_new RENAME TO {NAME}")


def carry(apps, schema_editor):
    _rebuild(schema_editor, " INCLUDE (birth_date, status)")


def uncarry(apps, schema_editor):
    _rebuild(schema_editor, "")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("people", "0013_id_number_index_covers_matching")]

    operations = [migrations.RunPython(carry, uncarry)]
