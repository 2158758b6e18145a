"""The exchanges the platform runs itself: the national system's batch and returned lists, long-term care
insurance, and the data-matching lists of the benefits module (one per kind of list)."""

from django.db import migrations


def seed(apps, schema_editor):
    from yanglao.exchanges.defaults import ensure_exchanges

    ensure_exchanges(apps.get_model("exchanges", "Exchange"))


class Migration(migrations.Migration):
    dependencies = [("exchanges", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
