from django.db import migrations


def seed(apps, schema_editor):
    from yanglao.timebank.defaults import ensure_default_scheme

    ensure_default_scheme(apps.get_model("timebank", "Scheme"))
    account = apps.get_model("timebank", "Account")
    for kind in ("issue", "redeemed", "fund", "expired"):
        account.objects.get_or_create(kind=kind, member=None, defaults={"division_code": ""})


class Migration(migrations.Migration):
    dependencies = [("timebank", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
