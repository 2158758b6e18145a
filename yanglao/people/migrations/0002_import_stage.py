from django.db import migrations


def create_stage(apps, schema_editor):
    from yanglao.people.importing import STAGE

    with schema_editor.connection.cursor() as cur:
        cur.execute(
            f"""CREATE TABLE IF NOT EXISTS {STAGE} (
                job_id bigint NOT NULL, row_no integer NOT NULL, name varchar(32) NOT NULL,
                id_enc text NOT NULL, id_hash varchar(64) NOT NULL, id_masked varchar(18) NOT NULL,
                id_last4 varchar(4) NOT NULL, from15 boolean NOT NULL, birth_date date NOT NULL, sex varchar(1) NOT NULL,
                hukou varchar(12) NOT NULL, division_code varchar(12) NOT NULL, address varchar(200) NOT NULL,
                phone_enc text NOT NULL, phone_hash varchar(64) NOT NULL, phone_masked varchar(20) NOT NULL,
                living varchar(16) NOT NULL, categories text NOT NULL, contact text NOT NULL)"""
        )
        cur.execute(f"CREATE INDEX IF NOT EXISTS {STAGE}_job ON {STAGE} (job_id)")


def drop_stage(apps, schema_editor):
    from yanglao.people.importing import STAGE

    with schema_editor.connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {STAGE}")


class Migration(migrations.Migration):
    """The staging table the import validates into before one set-based INSERT into the registry.
    Not a Django model: it is scratch space, keyed by job."""

    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(create_stage, drop_stage)]
