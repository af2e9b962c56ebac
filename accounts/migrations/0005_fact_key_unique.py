# A migration of its own: PostgreSQL refuses to alter a table in the transaction that
# just updated its rows (0004).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_name_seeded_facts"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="exchangefact",
            constraint=models.UniqueConstraint(
                fields=("exchange", "key"), name="one_fact_per_exchange_key"
            ),
        ),
    ]
