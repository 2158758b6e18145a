"""PostgreSQL only: bands of a programme may not overlap (in age/level and in time), nor may two
versions of its eligibility rule (in time). SQLite relies on the service check (services.py)."""

from django.db import migrations

BANDS = """
ALTER TABLE benefits_amountband ADD CONSTRAINT band_no_overlap EXCLUDE USING gist (
    programme_id WITH =,
    int4range(key_min, coalesce(key_max, 32767), '[]') WITH &&,
    daterange(valid_from, valid_to, '[]') WITH &&
)"""
RULES = """
ALTER TABLE benefits_eligibilityrule ADD CONSTRAINT rule_no_overlap EXCLUDE USING gist (
    programme_id WITH =,
    daterange(valid_from, valid_to, '[]') WITH &&
)"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    # btree_gist is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(BANDS)
    schema_editor.execute(RULES)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE benefits_amountband DROP CONSTRAINT IF EXISTS band_no_overlap")
    schema_editor.execute("ALTER TABLE benefits_eligibilityrule DROP CONSTRAINT IF EXISTS rule_no_overlap")


class Migration(migrations.Migration):
    dependencies = [("benefits", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
