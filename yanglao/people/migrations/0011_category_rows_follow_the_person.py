"""A category row's community is its person's, enforced by the database (PostgreSQL; issue 22).

The category search reads a category's holders in the user's area from category_scope (category,
division_code, person_id) in the page's order, and checks the user's jurisdiction on the category rows'
division_code (selectors.with_category_rows): correct only if that code is always the person's. Every writer
sets it (services, API, import, the benefits lists, merge, move); this makes it a guarantee:

- person_id_division: UNIQUE (id, division_code) on people_person (id alone is already unique, so this
  only gives the pair a key to reference; built CONCURRENTLY, the registry writable meanwhile);
- category_follows_person: FOREIGN KEY (person_id, division_code) → people_person (id, division_code)
  ON UPDATE CASCADE: a category row in another community than its person's cannot be written, and a
  person who moves takes their category rows along in the same statement.

SQLite (the demo) has neither; the search there also checks the person's own division.
"""

from django.db import migrations

FORWARD = [
    "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS person_id_division ON people_person (id, division_code)",
    "ALTER TABLE people_person ADD CONSTRAINT person_id_division UNIQUE USING INDEX person_id_division",
    "ALTER TABLE people_personcategory ADD CONSTRAINT category_follows_person FOREIGN KEY (person_id, division_code) "
    "REFERENCES people_person (id, division_code) ON UPDATE CASCADE NOT VALID",
    "ALTER TABLE people_personcategory VALIDATE CONSTRAINT category_follows_person",
]
BACKWARD = [
    "ALTER TABLE people_personcategory DROP CONSTRAINT IF EXISTS category_follows_person",
    "ALTER TABLE people_person DROP CONSTRAINT IF EXISTS person_id_division",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute(  # rows written before the rule, in another community than their person's: re-coded
            "UPDATE people_personcategory c SET division_code = p.division_code FROM people_person p "
            "WHERE p.id = c.person_id AND c.division_code <> p.division_code")
        for sql in FORWARD:
            cur.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for sql in BACKWARD:
            cur.execute(sql)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("people", "0010_search_indexes")]

    operations = [migrations.RunPython(forward, backward)]
