"""Formerly seeded the guides, steps and exchange notes. They now live in
content/guides/*.yaml and are loaded by `manage.py load_guidance`; this migration stays,
empty, because installs have applied it and later migrations depend on it.

Rows it created on existing installs carry the history reason "Seeded by checklists
0002_seed_guides"; load_guidance adopts such rows as its own when nobody edited them
since (see checklists/content_loader.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_seed_exchanges"),
        ("checklists", "0001_initial"),
    ]

    operations = []
