"""Masked phones show the prefix and the last two digits only (issue: masked phone + exact search = full phone).

Mobiles (almost every row) are re-masked by one UPDATE from their old mask; landlines and other
forms are re-masked from the decrypted value."""

from django.db import migrations

TABLES = ("people_person", "people_contact")


def remask(apps, schema_editor):
    from yanglao.core import crypto
    from yanglao.core.idnumber import mask_phone

    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                f"UPDATE {table} SET phone_masked = substr(phone_masked, 1, 3) || '******' || substr(phone_masked, 10, 2) "
                "WHERE length(phone_masked) = 11 AND substr(phone_masked, 4, 4) = '****'"
            )
            cursor.execute(
                f"SELECT id, phone_enc FROM {table} WHERE phone_masked <> '' AND phone_enc <> '' "
                "AND NOT (length(phone_masked) = 11 AND substr(phone_masked, 4, 6) = '******')"
            )
            rows = cursor.fetchall()
            for pk, enc in rows:
                cursor.execute(f"UPDATE {table} SET phone_masked = %s WHERE id = %s", [mask_phone(crypto.decrypt(enc)), pk])


class Migration(migrations.Migration):
    dependencies = [("people", "0005_fewer_indexes")]
    operations = [migrations.RunPython(remask, migrations.RunPython.noop, elidable=True)]
