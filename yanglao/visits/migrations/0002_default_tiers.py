from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from yanglao.visits.defaults import ensure_default_tiers

    ensure_default_tiers(apps.get_model("visits", "VisitTier"))


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
