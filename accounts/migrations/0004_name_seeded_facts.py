"""Give the facts an earlier migration seeded the keys content/exchanges.en.yaml knows
them by, so load_guidance updates them instead of adding copies. The old seed created
them in this order within each (exchange, kind); facts added in the admin get a key
made from their kind and id."""

from django.db import migrations

SEEDED_KEYS = {
    ("binance", "dormancy"): ["dormancy-notice"],
    ("binance", "assets"): ["assets-stay"],
    ("binance", "hold"): ["hold-password-reset", "hold-whitelist-off", "hold-2fa-reset"],
    ("binance-us", "escheatment"): ["escheatment"],
    ("coinbase", "escheatment"): ["escheatment"],
    ("coinbase", "hold"): ["hold-password-reset"],
    ("kraken", "escheatment"): ["unclaimed-property"],
    ("kraken", "hold"): ["hold-settings-lock"],
    ("okx", "escheatment"): ["unclaimed-property"],
    ("bitstamp", "fee"): ["inactivity-fee"],
    ("gemini", "dormancy"): ["no-dormancy-rule"],
}


def name_facts(apps, schema_editor):
    ExchangeFact = apps.get_model("accounts", "ExchangeFact")
    remaining = {group: list(keys) for group, keys in SEEDED_KEYS.items()}
    for fact in ExchangeFact.objects.select_related("exchange").order_by("id"):
        keys = remaining.get((fact.exchange.slug, fact.kind))
        fact.key = keys.pop(0) if keys else f"{fact.kind}-{fact.pk}"
        fact.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_content_from_files"),
    ]

    operations = [
        migrations.RunPython(name_facts, migrations.RunPython.noop),
    ]
