"""A random public reference for public lookups (issue 15): added empty, filled row by row, then unique."""

from django.db import migrations, models

import yanglao.core.publicref


def fill(apps, schema_editor):
    from yanglao.core.publicref import new_reference

    Model = apps.get_model("timebank", "Member")
    used = set()
    rows = []
    for obj in Model.objects.filter(public_ref__isnull=True).only("pk").iterator():
        ref = new_reference()
        while ref in used:
            ref = new_reference()
        used.add(ref)
        obj.public_ref = ref
        rows.append(obj)
        if len(rows) >= 1000:
            Model.objects.bulk_update(rows, ["public_ref"])
            rows = []
    Model.objects.bulk_update(rows, ["public_ref"])


class Migration(migrations.Migration):
    dependencies = [("timebank", "0002_default_scheme")]

    operations = [
        migrations.AddField(model_name="member", name="public_ref",
                            field=models.CharField(max_length=12, null=True, editable=False)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(model_name="member", name="public_ref",
                              field=models.CharField(default=yanglao.core.publicref.new_reference, editable=False,
                                                     max_length=12, unique=True, verbose_name="查询编号")),
    ]
