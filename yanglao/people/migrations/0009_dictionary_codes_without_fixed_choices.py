# The registry's code lists become data (core.DictionaryItem, 字典管理): the built-in values of today's
# TextChoices are seeded with built_in=True, and the model fields lose their fixed choices so that a
# value an office adds is stored like a built-in one (validation reads the dictionary).

from django.db import migrations, models

LIVING = [("alone", "独居", "Living alone"), ("empty_nest", "空巢", "Empty nest"), ("left_behind", "留守", "Left behind"),
          ("with_children", "与子女同住", "With children"), ("with_spouse", "与配偶同住", "With spouse"),
          ("institution", "入住养老机构", "In a care home"), ("other", "其他", "Other")]
CATEGORIES = [("tekun", "特困供养", "Extreme hardship support"), ("dibao", "低保", "Minimum living allowance"),
              ("dibao_edge", "低保边缘", "Near minimum living allowance"),
              ("economic_hardship", "经济困难", "Economic hardship"),
              ("family_planning_special", "计划生育特殊家庭", "Special family-planning family"),
              ("severe_disability", "重度残疾", "Severe disability"),
              ("veteran", "退役军人及其他优抚对象", "Veteran or entitled group")]
RELATIONS = [("spouse", "配偶", "Spouse"), ("son", "儿子", "Son"), ("daughter", "女儿", "Daughter"),
             ("daughter_in_law", "儿媳", "Daughter-in-law"), ("son_in_law", "女婿", "Son-in-law"),
             ("grandchild", "孙子女", "Grandchild"), ("sibling", "兄弟姐妹", "Sibling"),
             ("relative", "其他亲属", "Other relative"), ("neighbour", "邻居", "Neighbour"), ("friend", "朋友", "Friend"),
             ("committee", "村（居）委会", "Village/residents' committee"), ("other", "其他", "Other")]


def seed(apps, schema_editor):
    item = apps.get_model("core", "DictionaryItem")
    for key, values in (("living_situation", LIVING), ("person_category", CATEGORIES), ("contact_relation", RELATIONS)):
        for order, (code, label, label_en) in enumerate(values, start=1):
            item.objects.update_or_create(
                dictionary=key, code=code,
                defaults={"label": label, "label_en": label_en, "sort_order": order * 10, "built_in": True,
                          "active": True, "division_code": ""},
            )


def unseed(apps, schema_editor):
    apps.get_model("core", "DictionaryItem").objects.filter(
        dictionary__in=["living_situation", "person_category", "contact_relation"], built_in=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_dictionary_item_must_change_password'),
        ('people', '0008_unmasked_export_requests'),
    ]

    operations = [
        migrations.AlterField(
            model_name='person',
            name='living_situation',
            field=models.CharField(max_length=16, verbose_name='居住状况'),
        ),
        migrations.AlterField(
            model_name='personcategory',
            name='category',
            field=models.CharField(max_length=32, verbose_name='类别'),
        ),
        migrations.RunPython(seed, unseed),
    ]
