from django.db import migrations


def seed(apps, schema_editor):
    from yanglao.workforce.defaults import ensure_defaults

    ensure_defaults(apps.get_model("workforce", "TrainingTarget"), apps.get_model("workforce", "StaffingNorm"),
                    apps.get_model("workforce", "SubsidyRule"))


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
