from django.db import migrations


def create(apps, schema_editor):
    from yanglao.admissions.defaults import ensure_default_rules

    ensure_default_rules(apps.get_model("admissions", "PriorityRule"), apps.get_model("admissions", "AdmissionPolicy"))


class Migration(migrations.Migration):
    dependencies = [("admissions", "0002_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
