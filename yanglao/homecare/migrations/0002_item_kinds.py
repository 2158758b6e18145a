# The built-in values of 服务项目类别 (homecare_item_kind), as homecare/dictionaries.py declares them.

from django.db import migrations

ITEM_KINDS = [("meal", "助餐", "Meals"), ("cleaning", "助洁", "Cleaning"), ("bathing", "助浴", "Bathing"),
              ("medical", "助医", "Medical escort"), ("mobility", "助行", "Walking aid"),
              ("emergency", "助急", "Emergency help"), ("rehab", "康复护理", "Rehabilitation and nursing"),
              ("comfort", "精神慰藉", "Companionship")]


def seed(apps, schema_editor):
    item = apps.get_model("core", "DictionaryItem")
    for order, (code, label, label_en) in enumerate(ITEM_KINDS, start=1):
        item.objects.update_or_create(
            dictionary="homecare_item_kind", code=code,
            defaults={"label": label, "label_en": label_en, "sort_order": order * 10, "built_in": True,
                      "active": True, "division_code": ""})


def unseed(apps, schema_editor):
    apps.get_model("core", "DictionaryItem").objects.filter(dictionary="homecare_item_kind", built_in=True).delete()


class Migration(migrations.Migration):
    dependencies = [("homecare", "0001_initial"), ("core", "0004_dictionary_item_must_change_password")]
    operations = [migrations.RunPython(seed, unseed)]
