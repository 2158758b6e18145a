"""A random public reference for public lookups (issue 15): added empty, filled row by row, then unique."""

from django.db import migrations, models

import yanglao.core.publicref


def fill(apps, schema_editor):
    from yanglao.core.publicref import fill_missing

    fill_missing(apps.get_model("benefits", "Enrolment"))


class Migration(migrations.Migration):
    dependencies = [("benefits", "0004_insurance_claims")]

    operations = [
        migrations.AddField(model_name="enrolment", name="public_ref",
                            field=models.CharField(max_length=12, null=True, editable=False)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(model_name="enrolment", name="public_ref",
                              field=models.CharField(default=yanglao.core.publicref.new_reference, editable=False,
                                                     max_length=12, unique=True, verbose_name="查询编号")),
    ]
