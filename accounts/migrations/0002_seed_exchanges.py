"""Seed the exchange catalogue and its sourced facts.

Sources: the exchanges' terms of use and help pages, and an article on inactive
Binance accounts, each named with its URL on the fact it supports; checked on 2026-11-24. Summaries are our own wording. Nothing here is
invented: where a source gives no number or feature, the field keeps its default
(no dormancy threshold; features unverified).

Choice values are written as plain strings ("dormancy", "official", ...) because
migrations must not depend on the current model classes.
"""

import datetime
from typing import Any

from django.db import migrations

CHECKED_ON = datetime.date(2026, 11, 24)

# offers_* flags per exchange come from the "Security features" table. Exchanges
# without a "features" entry keep the model defaults (authenticator only) and get
# no features_source / features_checked_on, so the UI shows them as unverified.
EXCHANGES: list[dict[str, Any]] = [
    {
        "slug": "binance",
        "name": "Binance",
        "website": "https://www.binance.com",
        "dormancy_after_days": 90,  # Terms of Use clause 19.2
        "features_source": "Binance FAQ and Academy pages",
        "features": {
            "offers_authenticator": True,
            "offers_security_key": True,  # passkeys and security keys
            "offers_sms": True,
            "offers_anti_phishing_code": True,
            "offers_withdrawal_whitelist": True,
            "offers_device_management": True,
            "offers_api_keys": True,
        },
    },
    {
        "slug": "binance-us",
        "name": "Binance.US",
        "website": "https://www.binance.us",
        "dormancy_after_days": None,  # escheatment after years, not a dormancy start
    },
    {
        "slug": "coinbase",
        "name": "Coinbase",
        "website": "https://www.coinbase.com",
        "dormancy_after_days": None,  # escheatment after years, not a dormancy start
        "features_source": "Coinbase help",
        "features": {
            "offers_authenticator": True,
            "offers_security_key": True,  # security key / passkey
            "offers_sms": True,
            "offers_anti_phishing_code": False,
            "offers_withdrawal_whitelist": True,  # "address allowlist"
            "offers_device_management": False,
            "offers_api_keys": True,
        },
    },
    {
        "slug": "kraken",
        "name": "Kraken",
        "website": "https://www.kraken.com",
        "dormancy_after_days": None,
        "features_source": "Kraken support",
        "features": {
            "offers_authenticator": True,
            "offers_security_key": True,
            "offers_sms": False,  # not listed
            "offers_anti_phishing_code": False,
            # "Withdrawal address confirmation" is not an allowlist of addresses.
            "offers_withdrawal_whitelist": False,
            "offers_device_management": False,
            "offers_api_keys": True,  # per-key permissions
        },
    },
    {
        "slug": "okx",
        "name": "OKX",
        "website": "https://www.okx.com",
        "dormancy_after_days": None,
        "features_source": "OKX help",
        "features": {
            "offers_authenticator": True,
            "offers_security_key": True,  # passkey
            "offers_sms": True,
            "offers_anti_phishing_code": True,
            "offers_withdrawal_whitelist": True,
            "offers_device_management": False,
            "offers_api_keys": True,
        },
    },
    {
        "slug": "bybit",
        "name": "Bybit",
        "website": "https://www.bybit.com",
        "dormancy_after_days": None,
    },
    {
        "slug": "bitstamp",
        "name": "Bitstamp",
        "website": "https://www.bitstamp.net",
        "dormancy_after_days": None,
    },
    {
        "slug": "gemini",
        "name": "Gemini",
        "website": "https://www.gemini.com",
        "dormancy_after_days": None,
    },
    {
        "slug": "kucoin",
        "name": "KuCoin",
        "website": "https://www.kucoin.com",
        "dormancy_after_days": None,
    },
]

ARTICLE = "Inactive-account guide (article)"

# One row per row of the "Dormancy and inactivity" and "Holds and waits" tables.
FACTS: list[dict[str, Any]] = [
    # --- Dormancy and inactivity ---
    {
        "exchange": "binance",
        "kind": "dormancy",
        "summary": (
            "After 90 days in a row without logging in, Binance may tell you that it "
            "intends to treat your account as dormant (clause 19.2). If you do not reply "
            "within 30 days, it may mark the account dormant, convert your assets or move "
            "them to a third party, charge a monthly dormant-account fee and close the "
            "account (clause 19.3)."
        ),
        "source_name": "Binance Terms of Use, updated 2025-10-10",
        "source_url": "https://www.binance.com/en/terms",
        "certainty": "official",
    },
    {
        "exchange": "binance",
        "kind": "assets",
        "summary": (
            "A third-party guide says Binance does not wipe or seize balances just because "
            "an account has gone unused; the funds stay put unless the account was banned "
            "for breaking the rules. Binance's own terms still allow conversion or transfer "
            "once an account has been marked dormant."
        ),
        "source_name": ARTICLE,
        "source_url": "",
        "certainty": "secondary",
    },
    {
        "exchange": "binance-us",
        "kind": "escheatment",
        "summary": (
            "Money left in an inactive account is usually handed over to the state as "
            "unclaimed property after 2 to 5 years without activity, depending on the "
            "state. Crypto may first be converted to US dollars, which may be a taxable "
            "event. Logging in from time to time prevents this."
        ),
        "source_name": "Binance.US support article",
        "source_url": "https://support.binance.us/hc/en-us/articles/27331734117399",
        "certainty": "official",
    },
    {
        "exchange": "coinbase",
        "kind": "escheatment",
        "summary": (
            "Under state unclaimed-property law, Coinbase passes funds from inactive "
            "accounts to the state, typically after 3 to 5 years; the same help page also "
            "says 2 to 5 years, so the exact period is unclear. Crypto is converted to US "
            "dollars before it is sent. Signing in or contacting support counts as activity."
        ),
        "source_name": "Coinbase Help: escheatment and unclaimed funds",
        "source_url": "https://help.coinbase.com/en/coinbase/managing-my-account/other/escheatment-and-unclaimed-funds.html",  # noqa: E501
        "certainty": "official",
    },
    {
        "exchange": "kraken",
        "kind": "escheatment",
        "summary": (
            "If an account stays inactive for a long time and Kraken cannot give the assets "
            "back, it may report them as unclaimed property. An email address or phone "
            "number that no longer works can be enough for the account to count as "
            "inactive. We found no inactivity fee."
        ),
        "source_name": "Kraken Terms of Service (Open Terms Archive copy)",
        "source_url": "",
        "certainty": "official",
    },
    {
        "exchange": "okx",
        "kind": "escheatment",
        "summary": (
            "If an account is inactive and its owner does not respond when OKX tries to get "
            "in touch, OKX may report it as unclaimed property."
        ),
        "source_name": "OKX Terms of Service (Open Terms Archive copy)",
        "source_url": "",
        "certainty": "official",
    },
    {
        "exchange": "bitstamp",
        "kind": "fee",
        "summary": (
            "In July 2022 Bitstamp announced a fee of EUR 10 a month for accounts holding "
            "less than EUR 200 with no activity for 12 months (not for US users). Later "
            "press reports said it was withdrawn. Its current status is unknown."
        ),
        "source_name": "Press reports, July 2022",
        "source_url": "",
        "certainty": "uncertain",
    },
    {
        "exchange": "gemini",
        "kind": "dormancy",
        "summary": "No dormancy or unclaimed-property rule found in its public terms.",
        "source_name": "Gemini public terms",
        "source_url": "",
        "certainty": "uncertain",
    },
    # --- Holds and waits a returning user should expect ---
    {
        "exchange": "binance",
        "kind": "hold",
        "summary": (
            "After a password reset, withdrawals are blocked for 24 to 48 hours. This comes "
            "from a third-party guide; we found no official Binance page saying so."
        ),
        "source_name": ARTICLE,
        "source_url": "",
        "certainty": "secondary",
    },
    {
        "exchange": "binance",
        "kind": "hold",
        "summary": (
            "Switching off the withdrawal whitelist while a withdrawal limit is set can "
            "pause withdrawals for 24, 48 or 72 hours."
        ),
        "source_name": "Binance Academy: withdrawal address whitelist",
        "source_url": "https://academy.binance.com/en/articles/withdrawal-address-whitelist",
        "certainty": "secondary",
    },
    {
        "exchange": "binance",
        "kind": "hold",
        "summary": (
            "Getting rid of an old authenticator you can no longer use means a security "
            "reset: you send identity documents and the review may take several days."
        ),
        "source_name": ARTICLE,
        "source_url": "",
        "certainty": "secondary",
    },
    {
        "exchange": "coinbase",
        "kind": "hold",
        "summary": (
            "A password reset made from a new device can take 24 hours to go through, and "
            "sending crypto may then be blocked for up to 48 hours."
        ),
        "source_name": "Coinbase Help: why a password reset takes 24 hours",
        "source_url": "https://help.coinbase.com/en/coinbase/privacy-and-security/other/why-will-my-password-reset-require-24-hours-to-process",  # noqa: E501
        "certainty": "official",
    },
    {
        "exchange": "kraken",
        "kind": "hold",
        "summary": (
            "The Global Settings Lock comes with a waiting period, and Kraken support "
            "cannot shorten it."
        ),
        "source_name": "Kraken Support: Global Settings Lock",
        "source_url": "https://support.kraken.com/articles/360000444963",
        "certainty": "official",
    },
]


def seed(apps, schema_editor):
    Exchange = apps.get_model("accounts", "Exchange")
    ExchangeFact = apps.get_model("accounts", "ExchangeFact")

    by_slug = {}
    for row in EXCHANGES:
        fields = {
            "name": row["name"],
            "website": row["website"],
            "dormancy_after_days": row["dormancy_after_days"],
        }
        if "features" in row:
            fields.update(row["features"])
            fields["features_source"] = row["features_source"]
            fields["features_checked_on"] = CHECKED_ON
        by_slug[row["slug"]] = Exchange.objects.create(slug=row["slug"], **fields)

    ExchangeFact.objects.bulk_create(
        ExchangeFact(
            exchange=by_slug[fact["exchange"]],
            kind=fact["kind"],
            summary=fact["summary"],
            source_name=fact["source_name"],
            source_url=fact["source_url"],
            certainty=fact["certainty"],
            checked_on=CHECKED_ON,
        )
        for fact in FACTS
    )


def unseed(apps, schema_editor):
    Exchange = apps.get_model("accounts", "Exchange")
    ExchangeFact = apps.get_model("accounts", "ExchangeFact")

    slugs = [row["slug"] for row in EXCHANGES]
    ExchangeFact.objects.filter(exchange__slug__in=slugs).delete()
    # ExchangeAccount.exchange is PROTECT: this fails (rather than deleting users'
    # accounts) if anyone has an account at a seeded exchange.
    Exchange.objects.filter(slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
