from django.db import migrations


def seed(apps, schema_editor):
    from yanglao.prepaid.defaults import DEFAULT_RULES

    LimitRule = apps.get_model("prepaid", "LimitRule")
    for data in DEFAULT_RULES:
        LimitRule.objects.get_or_create(kind=data["kind"], division_code="", valid_from=data["valid_from"], defaults=data)


class Migration(migrations.Migration):
    dependencies = [("prepaid", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
