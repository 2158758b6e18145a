# Accounts managed in the console (a temporary password must be changed) and code lists as data (字典管理).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_throttle_ratecounter_token_credentials'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='must_change_password',
            field=models.BooleanField(default=False, verbose_name='下次登录须修改密码'),
        ),
        migrations.CreateModel(
            name='DictionaryItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('version', models.PositiveIntegerField(default=1)),
                ('dictionary', models.CharField(max_length=32, verbose_name='字典')),
                ('code', models.CharField(max_length=32, verbose_name='代码')),
                ('label', models.CharField(max_length=32, verbose_name='名称')),
                ('label_en', models.CharField(blank=True, max_length=64, verbose_name='英文名称')),
                ('sort_order', models.PositiveSmallIntegerField(default=100, verbose_name='排序')),
                ('active', models.BooleanField(default=True, verbose_name='启用')),
                ('built_in', models.BooleanField(default=False, verbose_name='内置')),
                ('division_code', models.CharField(blank=True, max_length=12, verbose_name='适用区划')),
            ],
            options={
                'verbose_name': '字典项',
                'verbose_name_plural': '字典项',
                'ordering': ['dictionary', 'sort_order', 'code'],
                'constraints': [models.UniqueConstraint(fields=('dictionary', 'code'), name='dictionaryitem_dictionary_code')],
            },
        ),
    ]
