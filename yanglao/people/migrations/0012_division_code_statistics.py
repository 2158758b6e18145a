"""Finer statistics on the people's division codes (issue 17, load).

Every count and search of a jurisdiction is a prefix range of ``division_code`` (a county, a township, a
community). With the default statistics target (100) the histogram has 100 buckets, so at 1,000,000
people one bucket holds 10,000 people and the planner's estimate of a township's range can be a bucket
off: 20,404 for a township of 26,471. The workbench's and the division browser's counts are that estimate
above 10,000 (shown 约), and the search's plans follow it; 1,000 buckets (the most PostgreSQL's planner
uses well, the same target as ``name`` in 0004) bring a bucket to 1,000 people at 1,000,000 and 15,000 at
15,000,000. The new target applies from the next ANALYZE (autovacuum's, or the one after a bulk load).
"""

from django.db import migrations

COLUMNS = [("people_person", "division_code"), ("people_person", "hukou_division_code"),
           ("people_personcategory", "division_code")]


def tune(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for table, column in COLUMNS:
            cur.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 1000")


def untune(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for table, column in COLUMNS:
            cur.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("people", "0011_category_rows_follow_the_person")]
    operations = [migrations.RunPython(tune, untune)]
