# The built-in values of 养老资金来源 (funding_source) and 养老资金用途 (funding_purpose), as funding/dictionaries.py
# declares them.

from django.db import migrations

SOURCES = [("general", "一般公共预算", "General public budget"),
           ("lottery", "福利彩票公益金", "Welfare lottery public-welfare funds"),
           ("central", "中央转移支付", "Central transfer payments"),
           ("province", "省级转移支付", "Provincial transfer payments"),
           ("social", "社会资金", "Social funds"),
           ("other", "其他资金", "Other funds")]
PURPOSES = [("institution", "机构建设与运营补贴", "Institution construction and operating subsidies"),
            ("homecare", "居家社区服务", "Home and community services"),
            ("purchase", "购买服务", "Purchase of services"),
            ("allowance", "高龄津贴等补贴", "Old-age allowances and other subsidies"),
            ("training", "人才培训", "Workforce training"),
            ("informatization", "信息化建设", "Information systems"),
            ("other", "其他养老服务支出", "Other elderly-care spending")]


def seed(apps, schema_editor):
    item = apps.get_model("core", "DictionaryItem")
    for key, values in (("funding_source", SOURCES), ("funding_purpose", PURPOSES)):
        for order, (code, label, label_en) in enumerate(values, start=1):
            item.objects.update_or_create(
                dictionary=key, code=code,
                defaults={"label": label, "label_en": label_en, "sort_order": order * 10, "built_in": True,
                          "active": True, "division_code": ""})


def unseed(apps, schema_editor):
    apps.get_model("core", "DictionaryItem").objects.filter(dictionary__in=["funding_source", "funding_purpose"],
                                                            built_in=True).delete()


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial"), ("core", "0004_dictionary_item_must_change_password")]
    operations = [migrations.RunPython(seed, unseed)]
