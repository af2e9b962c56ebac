"""Seed the guidance: four guides, their ordered steps and exchange-specific notes.

Sources: an article on inactive Binance accounts and the exchanges' terms of use and
help pages (named on each step and note), reviewed on 2026-11-24. Step bodies reuse
the wording of checklists/templates/checklists/guidance.html (our own words, not the
article's). Step slugs are the anchors findings and pages link to: don't rename them.

Condition, action and certainty keys are plain strings ("returning", "logged_in",
"official", ...) because migrations must not import the current registries or models.
"""

import datetime
import re
from typing import Any

from django.db import migrations
from django.utils import timezone

REVIEWED_ON = datetime.date(2026, 11, 24)
ARTICLE = "Inactive-account guide (article)"
LIST_ITEM = re.compile(r"- |\d+\. ")
HISTORY_REASON = "Seeded by checklists 0002_seed_guides"

# Official pages from exchange-facts.md; the only links step and note bodies use.
BINANCE_TERMS = "https://www.binance.com/en/terms"
BINANCE_US_ESCHEATMENT = "https://support.binance.us/hc/en-us/articles/27331734117399"
COINBASE_ESCHEATMENT = "https://help.coinbase.com/en/coinbase/managing-my-account/other/escheatment-and-unclaimed-funds.html"
COINBASE_RESET_HELP = "https://help.coinbase.com/en/coinbase/privacy-and-security/other/why-will-my-password-reset-require-24-hours-to-process"
BINANCE_ACADEMY_WHITELIST = "https://academy.binance.com/en/articles/withdrawal-address-whitelist"
KRAKEN_SETTINGS_LOCK = "https://support.kraken.com/articles/360000444963"

GUIDES: list[dict[str, Any]] = [
    {
        "slug": "while-away",
        "title": "While you were away",
        "position": 1,
        "applies_when": "returning",
        "summary": (
            "What has, and hasn't, happened to the account since your last login. "
            "Your balance is still there, but a few things may have moved and the "
            "exchange may ask more of you when you sign in."
        ),
    },
    {
        "slug": "reactivate",
        "title": "Reactivate",
        "position": 2,
        "applies_when": "returning",
        "summary": (
            "Getting back in, step by step. Work through these in order, and open the "
            "exchange by typing its address or from your own bookmark, not through a link "
            "in an email or message."
        ),
    },
    {
        "slug": "harden",
        "title": "Harden",
        "position": 3,
        "applies_when": "",
        "summary": (
            "An account nobody watches gets weaker over time: settings from years ago, an "
            "email or phone that may have leaked in data breaches, and security alerts "
            "sent to an inbox you no longer read. Most of these checks live on the "
            "exchange's security settings page."
        ),
    },
    {
        "slug": "stay-active",
        "title": "Stay active",
        "position": 4,
        "applies_when": "",
        "summary": (
            "Habits that keep an account from going dormant and make the next return easy."
        ),
    },
]

# Steps in the order they appear within their guide (their position is that order).
# Unless a step says otherwise: no condition, no action, no wait, source the article.
STEPS: list[dict[str, Any]] = [
    # --- While you were away ---
    {
        "guide": "while-away",
        "slug": "while-away-assets",
        "title": "Your balance is still there",
        "body": """\
Not logging in does not, on its own, cost you your coins. An exchange doesn't clear or
seize the crypto in an account just because nobody has used it: your bitcoin, ether
and other tokens stay where they were, and the amounts don't shrink.

The exception is an account that has been **banned for breaking the platform's
rules**. Binance describes itself as a regulated platform with a duty to safeguard
customer assets; as long as your account hasn't been banned, what's in it is still
yours.

That doesn't mean inactivity never has consequences: some exchanges' terms allow
dormancy measures, and under unclaimed-property laws funds can eventually be handed to
the state. See the next step and the notes for your exchange there.
""",
    },
    {
        "guide": "while-away",
        "slug": "while-away-dormancy",
        "title": "Check whether a dormancy process has started",
        "applies_when": "dormant",
        "body": """\
Some exchanges start a formal process once an account has gone unused for long
enough: a notice asking you to reply, a monthly fee, converting your crypto, or handing
unclaimed funds to the state. The rules differ by exchange (and, in the US, by state),
so read the note for your exchange below.

- Look in the inbox linked to the account for a notice about dormancy or inactivity,
  and answer it if it asks you to.
- Signing in usually counts as activity, so logging in is the first step to stopping
  the clock.
- If the account has already been marked dormant, follow the exchange's instructions or
  contact its support through its official site or app.
""",
        "source_name": "Exchange terms and help pages (see the notes for each exchange)",
    },
    {
        "guide": "while-away",
        "slug": "while-away-token-changes",
        "title": "Token migrations and mainnet switches",
        "body": """\
If a project you hold swapped to a new token or moved to its own mainnet, the exchange
normally converts your holding for you.

Look through the exchange's announcements for the details of that particular switch.
""",
    },
    {
        "guide": "while-away",
        "slug": "while-away-earn-products",
        "title": "Matured earn and savings products",
        "body": """\
Any earn or savings product that reached its end date while you were away has been
settled automatically: the amount and its returns are now in your **spot** account.
""",
    },
    {
        "guide": "while-away",
        "slug": "while-away-open-orders",
        "title": "Open orders may still fill",
        "body": """\
An order you never cancelled is still live and can still fill. It stays on the book
until it executes or you cancel it.

Only rarely does the system remove it for you, for example when that trading pair is
delisted. Look through your open orders and cancel any you no longer want.
""",
    },
    {
        "guide": "while-away",
        "slug": "while-away-verification",
        "title": "Stricter checks and new identity rules",
        "applies_when": "long_dormant",
        "body": """\
- **Stricter security checks.** Verification requirements may have been upgraded since
  your last visit, so expect extra steps when you sign in, such as facial recognition
  or a request for supplementary identity (KYC) details. This is routine: follow the
  on-screen prompts.
- **New identity (KYC) rules.** Crypto regulation keeps changing, so the identity
  checks you passed at sign-up may no longer meet current requirements. The exchange
  may ask for more information, and until you complete the update some features may be
  restricted.
""",
    },
    {
        "guide": "while-away",
        "slug": "while-away-interface",
        "title": "A different-looking app",
        "applies_when": "long_dormant",
        "body": """\
Exchanges redesign often and keep adding products, so after a long break the interface
may have changed a lot, with many new feature modules. Give yourself time to find your
way around again before you move any funds.
""",
    },
    # --- Reactivate ---
    {
        "guide": "reactivate",
        "slug": "reactivate-login",
        "title": "Try a normal login",
        "completes": "logged_in",
        "body": """\
Sign in with the email address or phone number you registered with, plus your
password. If you still know the password, that is usually all it takes.

Open the exchange by typing its address or from your own bookmark, not through a link
in an email or message.
""",
    },
    {
        "guide": "reactivate",
        "slug": "reactivate-verification",
        "title": "Expect extra verification",
        "body": """\
After a long gap the exchange will very likely want more proof that it's really you.
Be ready for one or more of these:

- a code sent to your email address;
- a code sent to your phone by SMS;
- a code from your authenticator app (such as Google Authenticator), if you set one up;
- a facial recognition check.

Enter these codes only on the exchange's own site or app, and never pass them on to
anyone.
""",
    },
    {
        "guide": "reactivate",
        "slug": "reactivate-password-reset",
        "title": "If you've forgotten the password",
        "applies_when": "forgot_password",
        "expected_wait": "Withdrawals restricted for 24–48 hours after a reset",
        "withdrawal_hold_hours": 48,
        "body": """\
Use the **Forgot password** link on the login page. The exchange sends a reset link to
the email address or phone number linked to the account, and you set a new password
from there.

Plan for a cooling-off period afterwards: withdrawals are restricted for a while after
a reset, typically 24 to 48 hours. The exact hold differs by exchange; see the note for
yours.
""",
    },
    {
        "guide": "reactivate",
        "slug": "reactivate-2fa-reset",
        "title": "If your authenticator is gone",
        "applies_when": "lost_authenticator",
        "expected_wait": "Identity review may take several days",
        "body": """\
If you protected the account with an authenticator app (such as Google Authenticator)
but have since changed phones or uninstalled the app, its codes went with it. You'll
need to go through the exchange's security reset to remove the old two-factor
authentication.

The reset means submitting identity documents, and the review can take several days.
Start it early; once you're back in, set up a new authenticator.
""",
    },
    {
        "guide": "reactivate",
        "slug": "reactivate-kyc",
        "title": "Finish any pending KYC",
        "completes": "kyc_done",
        "body": """\
Once you're in, look for prompts asking you to update your identity verification
(KYC). If there are any, submit the information and documents requested, following the
exchange's instructions. Until you do, some features may be restricted.
""",
    },
    {
        "guide": "reactivate",
        "slug": "reactivate-balances",
        "title": "Check every balance",
        "body": """\
Open the wallet (assets) page and go through each account separately:

- spot;
- funding;
- futures;
- any others the exchange shows.

Make sure every balance is what you expect.
""",
    },
    # --- Harden ---
    {
        "guide": "harden",
        "slug": "harden-password",
        "title": "Change the password first",
        "completes": "changed_password",
        "body": """\
Before anything else, replace the password. One set years ago may be too simple for
today. And over the years the email address or phone number on the account may well
have turned up in data breaches: if the exchange password is also one you've used
elsewhere, attackers can try leaked login details against the exchange (credential
stuffing), and the odds that they get in go up.

Make the new password:

- at least 12 characters long;
- a mix of upper-case and lower-case letters, numbers and symbols;
- unique: not used on any other site or service. A password manager makes this easy.
""",
    },
    {
        "guide": "harden",
        "slug": "harden-2fa",
        "title": "Use an authenticator app or security key, not SMS",
        "applies_when": "weak_or_no_2fa",
        "completes": "set_up_authenticator",
        "body": """\
Security set up years ago may never have included stronger options such as an
authenticator app. If two-factor authentication isn't on, turn it on now. Choose an
authenticator app (such as Google Authenticator) or, where the exchange offers it, a
hardware security key or passkey.

SMS codes are the weakest option: someone who persuades your mobile carrier to move
your number to their SIM card (a "SIM swap") receives your codes. If SMS is your only
second factor, replace it.
""",
    },
    {
        "guide": "harden",
        "slug": "harden-contact",
        "title": "Make sure the email and phone are current",
        "completes": "contact_details_current",
        "body": """\
On the exchange's security settings page, check that the email address and phone
number linked to the account are ones you still use and can get into. They are how the
exchange reaches you and how you recover the account.

When someone tries to get into your account, the exchange sends you a security alert
by email. A warning sent to an inbox you no longer read is no warning at all.

If either needs to change, update it on the exchange while you still control the old
one.
""",
    },
    {
        "guide": "harden",
        "slug": "harden-anti-phishing",
        "title": "Set an anti-phishing code",
        "applies_when": "no_anti_phishing_code",
        "completes": "set_anti_phishing_code",
        "body": """\
An anti-phishing code is a word you choose that the exchange then includes in its
genuine emails (and, at Binance, its SMS messages). A message that claims to come from
the exchange but lacks your code is fake.

Check whether the code is enabled; if you haven't set one, do it now. Dormant Guard
only records that a code is set, never the code itself.
""",
    },
    {
        "guide": "harden",
        "slug": "harden-whitelist",
        "title": "Turn on the withdrawal whitelist",
        "applies_when": "whitelist_not_on",
        "completes": "enabled_whitelist",
        "body": """\
A withdrawal whitelist (an "allowlist" at some exchanges) only lets crypto leave the
account for addresses you saved in advance, so an intruder can't simply send your funds
to their own wallet. Check that it is switched on, and turn it on if it isn't.

At some exchanges, switching it off again later pauses withdrawals for a while; see the
note for yours.
""",
    },
    {
        "guide": "harden",
        "slug": "harden-devices",
        "title": "Review devices and login history",
        "completes": "reviewed_devices",
        "body": """\
In the security settings, open the device management list and the login activity log,
and go through both carefully. Look for devices you don't recognise and sign-ins you
can't explain.

If anything looks suspicious:

1. change your password immediately;
2. contact the exchange's support through its official site or app.
""",
    },
    {
        "guide": "harden",
        "slug": "harden-api-keys",
        "title": "Remove old API keys",
        "applies_when": "may_have_api_keys",
        "completes": "reviewed_api_keys",
        "body": """\
If you ever created API keys (for a trading bot or another automated tool), check
whether they are still active: old keys keep working while you're away.

Delete every old key you no longer need.
""",
    },
    {
        "guide": "harden",
        "slug": "harden-whitelist-addresses",
        "title": "Check every whitelisted address",
        "applies_when": "whitelist_may_be_on",
        "completes": "reviewed_whitelist",
        "body": """\
If a withdrawal whitelist is on, read through the saved addresses. Each one should be a
wallet that belongs to you.

Remove any address you're unsure about.
""",
    },
    # --- Stay active ---
    {
        "guide": "stay-active",
        "slug": "stay-active",
        "title": "Check in every few months",
        "body": """\
Even if you have no plans to trade, sign in every few months. Use the visit to check
your security status and confirm your balances.

The longer an account sits untouched, the weaker its security gets and the more hoops
you'll have to jump through to get back in. A regular check-in that includes a look at
the security settings keeps both problems small. At some exchanges, signing in also
counts as activity for dormancy and unclaimed-property rules.
""",
    },
    {
        "guide": "stay-active",
        "slug": "keep-contact-active",
        "title": "Keep your email and phone active",
        "body": """\
Keep the email address and phone number on the account in use, so codes and security
alerts keep reaching you.

Changing email provider or phone number? Update the details on the exchange first,
before the old ones stop working.
""",
    },
    {
        "guide": "stay-active",
        "slug": "self-custody",
        "title": "Consider self-custody for long breaks",
        "applies_when": "holds_assets",
        "body": """\
If you're sure you won't use the exchange for a long time, consider moving your assets
to a personal wallet you control. Their safety then no longer depends on the security
of your exchange account.

In return, the wallet's recovery phrase becomes your responsibility: keep it offline
and never share it.
""",
    },
    {
        "guide": "stay-active",
        "slug": "keep-records",
        "title": "Keep a record of the account",
        "body": """\
Note down the account details you'd need to find your way back (which exchange, the
email or phone you signed up with, and so on) and keep the note somewhere safe, so you
can find it easily later.

**Never include the password.**
""",
    },
]

# Exchange-specific notes: added under the step's body for that exchange.
EXCHANGE_NOTES: list[dict[str, Any]] = [
    # --- Dormancy and unclaimed funds ---
    {
        "step": "while-away-dormancy",
        "exchange": "binance",
        "body": f"""\
**Dormancy notice.** Under Binance's Terms of Use (clauses 19.2 and 19.3), after 90
consecutive days without access Binance may tell you it intends to treat the account as
dormant. If you don't reply within 30 days, it may mark the account dormant, convert
your assets or transfer them to a third party, charge a monthly dormant-account fee,
and close the account.

Read in an archived copy of the version last updated 10 October 2025; the live terms
may differ. Source: [Binance Terms of Use]({BINANCE_TERMS}).
""",
        "source_name": "Binance Terms of Use, updated 2025-10-10",
        "source_url": BINANCE_TERMS,
        "certainty": "official",
    },
    {
        "step": "while-away-dormancy",
        "exchange": "binance-us",
        "body": f"""\
**Escheatment.** Funds in an inactive account are usually handed to the state
("escheated") after 2 to 5 years without activity, depending on your state. Crypto may
be converted to US dollars first, which could be a taxable event.

Logging in from time to time prevents this. Source: [Binance.US
support]({BINANCE_US_ESCHEATMENT}).
""",
        "source_name": "Binance.US support article",
        "source_url": BINANCE_US_ESCHEATMENT,
        "certainty": "official",
    },
    {
        "step": "while-away-dormancy",
        "exchange": "coinbase",
        "body": f"""\
**Escheatment.** Under state unclaimed-property law, Coinbase passes funds from
inactive accounts to the state, typically after 3 to 5 years. The same help page also
says 2 to 5 years, so treat the exact period as unclear. Crypto is converted to US
dollars before it goes to the state.

Signing in or contacting support counts as activity. Source: [Coinbase Help:
escheatment and unclaimed funds]({COINBASE_ESCHEATMENT}).
""",
        "source_name": "Coinbase Help: escheatment and unclaimed funds",
        "source_url": COINBASE_ESCHEATMENT,
        "certainty": "official",
    },
    {
        "step": "while-away-dormancy",
        "exchange": "kraken",
        "body": """\
**Unclaimed property.** If an account stays inactive for a long time and Kraken cannot
return the assets, it may report them under unclaimed-property law. An email address or
phone number that no longer works can be enough for the account to count as inactive,
so keep both current. We found no inactivity fee.

Source: Kraken Terms of Service (read in an Open Terms Archive copy).
""",
        "source_name": "Kraken Terms of Service (Open Terms Archive copy)",
        "certainty": "official",
    },
    {
        "step": "while-away-dormancy",
        "exchange": "okx",
        "body": """\
**Unclaimed property.** If an account is inactive and its owner doesn't respond when
OKX tries to get in touch, OKX may report it as unclaimed property.

Source: OKX Terms of Service (read in an Open Terms Archive copy).
""",
        "source_name": "OKX Terms of Service (Open Terms Archive copy)",
        "certainty": "official",
    },
    {
        "step": "while-away-dormancy",
        "exchange": "bitstamp",
        "body": """\
**Inactivity fee: uncertain.** In July 2022 Bitstamp announced a fee of EUR 10 a month
for accounts holding less than EUR 200 with no activity for 12 months (US users
excluded). Later press reports said it was withdrawn; we couldn't confirm its current
status, so check Bitstamp's current fee schedule.
""",
        "source_name": "Press reports, July 2022",
        "certainty": "uncertain",
    },
    # --- Holds and waiting periods ---
    {
        "step": "reactivate-password-reset",
        "exchange": "binance",
        "body": """\
Withdrawals are restricted for 24 to 48 hours after a password reset.

**Uncertain:** this comes from a third-party guide; no official Binance page found
stating it.
""",
        "expected_wait": "Withdrawals restricted for 24–48 hours after a reset",
        "withdrawal_hold_hours": 48,
        "source_name": ARTICLE,
        "certainty": "uncertain",
    },
    {
        "step": "reactivate-password-reset",
        "exchange": "coinbase",
        "body": f"""\
A password reset made from a new device can take 24 hours to process, and sending
crypto is then blocked for up to 48 hours: allow up to 72 hours in all.

Source: [Coinbase Help: password reset processing]({COINBASE_RESET_HELP}).
""",
        "expected_wait": "Reset can take 24 hours to process; sends blocked for up to 48 hours",
        "withdrawal_hold_hours": 72,  # 24 h processing + 48 h without sends
        "source_name": "Coinbase Help: why a password reset takes 24 hours",
        "source_url": COINBASE_RESET_HELP,
        "certainty": "official",
    },
    {
        "step": "reactivate-2fa-reset",
        "exchange": "binance",
        "body": """\
Removing an old authenticator goes through Binance's security verification reset: you
submit identity documents, and the review may take several days.

**Uncertain:** this comes from a third-party guide; no official Binance page found
stating it.
""",
        "expected_wait": "Identity review may take several days",
        "source_name": ARTICLE,
        "certainty": "uncertain",
    },
    {
        "step": "harden-whitelist",
        "exchange": "binance",
        "body": f"""\
Switching the withdrawal whitelist **off** while a withdrawal limit is set can suspend
withdrawals for 24, 48 or 72 hours. The hold applies to turning it off, not to turning
it on, so this step adds no hold to your plan; keep it in mind before you switch the
whitelist off later.

Source: [Binance Academy: withdrawal address whitelist]({BINANCE_ACADEMY_WHITELIST}).
""",
        # No withdrawal_hold_hours: enabling the whitelist (this step) causes no hold.
        "source_name": "Binance Academy: withdrawal address whitelist",
        "source_url": BINANCE_ACADEMY_WHITELIST,
        "certainty": "secondary",
    },
    {
        "step": "harden-contact",
        "exchange": "kraken",
        "body": f"""\
**Global Settings Lock.** If you turned on Kraken's Global Settings Lock, changing the
settings it protects means unlocking it first, and unlocking comes with a waiting
period that Kraken support cannot shorten. Allow for the wait before you need the
change.

Source: [Kraken Support: Global Settings Lock]({KRAKEN_SETTINGS_LOCK}).
""",
        "expected_wait": "Global Settings Lock changes wait out the lock period",
        "source_name": "Kraken Support: Global Settings Lock",
        "source_url": KRAKEN_SETTINGS_LOCK,
        "certainty": "official",
    },
]


def _unwrap(markdown: str) -> str:
    """Join the hard-wrapped lines of each paragraph and list item, so the stored
    Markdown reads well in the admin's textarea. Blank lines and the start of list
    items still break lines."""
    lines: list[str] = []
    for line in markdown.strip().splitlines():
        starts_block = not line or LIST_ITEM.match(line)
        if lines and lines[-1] and not starts_block:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return "\n".join(lines)


def _step_fields(row: dict, position: int) -> dict:
    return {
        "slug": row["slug"],
        "title": row["title"],
        "position": position,
        "body": _unwrap(row["body"]),
        "applies_when": row.get("applies_when", ""),
        "completes": row.get("completes", ""),
        "expected_wait": row.get("expected_wait", ""),
        "withdrawal_hold_hours": row.get("withdrawal_hold_hours"),
        "source_name": row.get("source_name", ARTICLE),
        "source_url": row.get("source_url", ""),
        "last_reviewed_on": REVIEWED_ON,
    }


def _note_fields(row: dict) -> dict:
    return {
        "body": _unwrap(row["body"]),
        "replaces_body": False,
        "expected_wait": row.get("expected_wait", ""),
        "withdrawal_hold_hours": row.get("withdrawal_hold_hours"),
        "source_name": row["source_name"],
        "source_url": row.get("source_url", ""),
        "certainty": row["certainty"],
        "last_reviewed_on": REVIEWED_ON,
    }


def _record_creation(history_model, objects) -> None:
    """Write a "+" (created) history entry for each object, as simple_history would."""
    now = timezone.now()
    history_model.objects.bulk_create(
        history_model(
            **{field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields},
            history_date=now,
            history_type="+",
            history_change_reason=HISTORY_REASON,
        )
        for obj in objects
    )


def seed(apps, schema_editor):
    Guide = apps.get_model("checklists", "Guide")
    Step = apps.get_model("checklists", "Step")
    ExchangeNote = apps.get_model("checklists", "ExchangeNote")
    Exchange = apps.get_model("accounts", "Exchange")

    guides = {row["slug"]: Guide.objects.create(**row) for row in GUIDES}

    steps = {}
    positions = dict.fromkeys(guides, 0)
    for row in STEPS:
        positions[row["guide"]] += 1
        steps[row["slug"]] = Step.objects.create(
            guide=guides[row["guide"]], **_step_fields(row, positions[row["guide"]])
        )

    notes = [
        ExchangeNote.objects.create(
            step=steps[row["step"]],
            exchange=Exchange.objects.get(slug=row["exchange"]),
            **_note_fields(row),
        )
        for row in EXCHANGE_NOTES
    ]

    # Historical models send no signals, so simple_history records nothing by itself.
    # Add each row's "created" entry, so the admin history starts at the seed and the
    # first edit can be diffed against it.
    for model_name, objects in (
        ("Guide", guides.values()), ("Step", steps.values()), ("ExchangeNote", notes)
    ):
        _record_creation(apps.get_model("checklists", f"Historical{model_name}"), objects)


def unseed(apps, schema_editor):
    Guide = apps.get_model("checklists", "Guide")
    Step = apps.get_model("checklists", "Step")
    ExchangeNote = apps.get_model("checklists", "ExchangeNote")

    guides = Guide.objects.filter(slug__in=[row["slug"] for row in GUIDES])
    steps = Step.objects.filter(slug__in=[row["slug"] for row in STEPS])
    notes = ExchangeNote.objects.filter(step__in=steps)

    # History of the seeded rows goes with them (it is keyed by id, not by a foreign key).
    for model_name, queryset in (("ExchangeNote", notes), ("Step", steps), ("Guide", guides)):
        history = apps.get_model("checklists", f"Historical{model_name}")
        history.objects.filter(id__in=list(queryset.values_list("id", flat=True))).delete()
        queryset.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_seed_exchanges"),
        ("checklists", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
