"""Search that stays fast in its slowest cases (issue 22).

- person_name_order (PostgreSQL): name and division code in "C" collation (byte order, which serves
  ``LIKE 'prefix%'`` on both columns) and the id, in the order a name search reads its pages
  (selectors.NAME_ORDER). It replaces person_name (name varchar_pattern_ops), which served the name prefix
  but not the order, so the planner could prefer walking the primary key backwards hoping to meet a rare
  name — 2.4 s at 4,000,000 people. Created CONCURRENTLY: the registry stays writable meanwhile.
- person_division_order (PostgreSQL): division code in "C" collation and the id. It replaces
  person_division (division_code varchar_pattern_ops): the same prefix ranges (a jurisdiction, a township, a
  community), now also in the order every other search and the list read (selectors.DIVISION_ORDER), so a
  county user's page reads the county's rows only, not the registry backwards by id.
- person_birth_order replaces person_birth_date: birth-date ranges as before, and an age-band search's
  page oldest first with the user's division checked inside the index (selectors.AGE_ORDER).
- person_status_order: a status filter's page in community order reads only that status's rows.
- category_scope: a category's holders in one area (the category rows carry the person's community), so
  a category filter reads the holders in the user's area, not every holder in the province.
"""

from django.db import migrations

INDEXES = {
    "person_name_order": 'people_person (name COLLATE "C", division_code COLLATE "C", id)',
    "person_division_order": 'people_person (division_code COLLATE "C", id)',
    "person_birth_order": 'people_person (birth_date, division_code COLLATE "C", id)',
    "person_status_order": 'people_person (status, division_code COLLATE "C", id)',
    "category_scope": 'people_personcategory (category, division_code COLLATE "C", person_id) INCLUDE (valid_from, valid_to)',
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for name, columns in INDEXES.items():
            cur.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {columns}")
        cur.execute("ANALYZE people_person")
        cur.execute("ANALYZE people_personcategory")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for name in INDEXES:
            cur.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("people", "0009_dictionary_codes_without_fixed_choices")]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RemoveIndex(model_name="person", name="person_name"),
        migrations.RemoveIndex(model_name="person", name="person_division"),
        migrations.RemoveIndex(model_name="person", name="person_birth_date"),
    ]
