from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    import datetime as dt

    from yanglao.homeadapt.defaults import DEVICES, DOCUMENT, ITEMS, RULES

    Item = apps.get_model("homeadapt", "AdaptationItem")
    Rule = apps.get_model("homeadapt", "SubsidyRule")
    Device = apps.get_model("homeadapt", "Device")
    for sort, (code, name, group, unit, price, spec) in enumerate(ITEMS, start=1):
        Item.objects.get_or_create(code=code, defaults={"name": name, "group": group, "unit": unit, "price_fen": price,
                                                        "spec": spec, "sort": sort})
    if not Rule.objects.exists():
        for rank, name, categories, percent, cap in RULES:
            Rule.objects.create(rank=rank, name=name, categories=categories, percent=percent, cap_fen=cap,
                                valid_from=dt.date(2021, 1, 1), document_no=DOCUMENT, is_demo=True)
    for name, group, spec, deposit, rent, stock in DEVICES:
        Device.objects.get_or_create(name=name, defaults={"group": group, "spec": spec, "deposit_fen": deposit,
                                                          "rent_fen": rent, "stock": stock})


class Migration(migrations.Migration):
    dependencies = [("homeadapt", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
