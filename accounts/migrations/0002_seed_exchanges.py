"""Formerly seeded the exchange catalogue. The catalogue now lives in
content/exchanges.*.yaml and is loaded by `manage.py load_guidance`; this migration
stays, empty, because installs have applied it and later migrations depend on it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = []
