from django.db import migrations


def install(apps, schema_editor):
    from yanglao.core import auditstore

    auditstore.install(schema_editor)


def remove(apps, schema_editor):
    from yanglao.core import auditstore

    auditstore.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
