from django.db import migrations


def seed(apps, schema_editor):
    from yanglao.planning.defaults import seed as seed_defaults

    seed_defaults(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
