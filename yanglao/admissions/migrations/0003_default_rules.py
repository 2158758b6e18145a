import datetime as dt

from django.db import migrations

BASIS = "粤府办〔2019〕23号；阳江市加快推进养老服务发展若干措施"

# The priority groups of the policy (YJ 3, YJ-T 11, GD 6), as data an administrator can change.
RULES = [
    (1, "特困供养人员", ["tekun"], None, False, True),
    (2, "经济困难的失能、失智老年人", ["dibao", "dibao_edge", "economic_hardship"], 2, True, False),
    (3, "计划生育特殊家庭老年人", ["family_planning_special"], None, False, False),
    (4, "退役军人及其他优抚对象", ["veteran"], None, False, False),
    (5, "其他老年人", [], None, False, False),
]


def create(apps, schema_editor):
    PriorityRule = apps.get_model("admissions", "PriorityRule")
    AdmissionPolicy = apps.get_model("admissions", "AdmissionPolicy")
    if PriorityRule.objects.exists():
        return
    start = dt.date(2020, 1, 1)
    for rank, name, categories, level, dementia, must in RULES:
        PriorityRule.objects.create(rank=rank, name=name, categories=categories, min_care_level=level,
                                    dementia_counts=dementia, must_admit=must, valid_from=start, document_no=BASIS)
    AdmissionPolicy.objects.create(valid_from=start, decline_limit=2, decline_window_days=365, removal_days=365,
                                   offer_days=7, document_no=BASIS)


class Migration(migrations.Migration):
    dependencies = [("admissions", "0002_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
