"""Demo and benchmark data.

    python manage.py seed_demo                      # the demo user (see README)
    python manage.py seed_demo --today 2026-12-01   # the same, dated relative to a fixed day
    python manage.py seed_demo --users 100000 --accounts 5   # synthetic load-test users

The default run creates, or resets, demo@example.com with a realistic mix of accounts:
one per dormancy status, typical hygiene problems and a few past check-ins each. It goes
through the same services as the app (create_account, record_check_in), so last login
always equals the latest check-in.

Benchmark mode writes synthetic users with bulk inserts, one transaction per batch. Each
user's data comes from its own seeded random generator, so the same arguments always give
the same rows. Existing users with the same prefix are skipped unless --reset is given.

Nothing written here is secret: only dates, choices and masked login hints.
"""

import datetime
import random
import re
import time
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    DEFAULT_CHECK_IN_DAYS,
    EARLIEST_PLAUSIBLE_DATE,
    CheckIn,
    Exchange,
    ExchangeAccount,
    KycStatus,
    PhoneStatus,
    TwoFactorMethod,
)
from accounts.services import create_account, record_check_in

DEMO_EMAIL = "demo@example.com"
# A public demo credential, printed by this command and documented in the README.
DEMO_PASSWORD = "demo-password-2024"  # noqa: S105

DEFAULT_BENCH_PREFIX = "bench-user"
DEFAULT_BENCH_ACCOUNTS = 5
DEFAULT_BATCH_SIZE = 2000
BENCH_SEED = 42

PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,40}$")


# --------------------------------------------------------------------------------------------
# The demo user's accounts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    """One demo account; every date is given in days before *today*."""

    exchange_slug: str | None
    # Check-ins, most recent first; the first is the last login.
    history: tuple[int, ...]
    fields: dict = field(default_factory=dict)
    # Dates among `fields`, as days before today.
    days_ago: dict = field(default_factory=dict)
    archived_days_ago: int | None = None


EMAIL_HINT = "d***@example.com"
PHONE_HINT = "+44 *** **23"

DEMO_ACCOUNTS = [
    DemoAccount(  # active: a well-kept main account
        "coinbase",
        history=(12, 47, 105, 168, 259),
        fields={
            "label": "Main",
            "login_hint": EMAIL_HINT,
            "notes": "Monthly DCA lands here. The allowlist only holds my hardware wallet.",
            "two_factor_method": TwoFactorMethod.AUTHENTICATOR,
            "password_is_strong": True,
            "password_is_unique": True,
            "withdrawal_whitelist_on": True,
            "email_in_use": True,
            "phone_status": PhoneStatus.IN_USE,
            "api_keys_present": False,
            "kyc_status": KycStatus.VERIFIED,
        },
        days_ago={
            "opened_on": 1900,
            "password_changed_on": 61,
            "whitelist_reviewed_on": 12,
            "devices_reviewed_on": 12,
        },
    ),
    DemoAccount(  # long dormant: forgotten since a promotion, with every classic problem
        "binance",
        history=(400, 530, 720),
        fields={
            "label": "Old DCA account",
            "login_hint": PHONE_HINT,
            "notes": "Opened for a 2021 promotion. Some BNB and USDT are still there.",
            "two_factor_method": TwoFactorMethod.SMS,
            "anti_phishing_code_set": False,
            "password_is_strong": True,
            "email_in_use": True,
            "phone_status": PhoneStatus.IN_USE,
            "api_keys_present": True,
            "kyc_status": KycStatus.VERIFIED,
            "holds_assets": True,
        },
        days_ago={"opened_on": 1700, "password_changed_on": 3 * 365 + 1},
    ),
    DemoAccount(  # due soon
        "kraken",
        history=(80, 172, 265, 390),
        fields={
            "label": "Staking",
            "login_hint": EMAIL_HINT,
            "notes": "Two security keys registered: the blue one lives in the drawer.",
            "two_factor_method": TwoFactorMethod.SECURITY_KEY,
            "password_is_strong": True,
            "password_is_unique": True,
            "email_in_use": True,
            "phone_status": PhoneStatus.NONE,
            "api_keys_present": False,
            "kyc_status": KycStatus.VERIFIED,
        },
        days_ago={"opened_on": 1200, "password_changed_on": 200, "devices_reviewed_on": 80},
    ),
    DemoAccount(  # overdue
        "okx",
        history=(100, 215),
        fields={
            "label": "Trading",
            "login_hint": EMAIL_HINT,
            "notes": "Only for altcoins that Coinbase does not list.",
            "two_factor_method": TwoFactorMethod.AUTHENTICATOR,
            "anti_phishing_code_set": True,
            "withdrawal_whitelist_on": False,
            "password_is_strong": True,
            "password_is_unique": False,
            "email_in_use": True,
            "phone_status": PhoneStatus.IN_USE,
            "api_keys_present": False,
            "kyc_status": KycStatus.VERIFIED,
        },
        days_ago={"opened_on": 800, "password_changed_on": 400},
    ),
    DemoAccount(  # dormant, with a pending KYC request
        "bybit",
        history=(200, 330, 470),
        fields={
            "label": "Futures (paused)",
            "login_hint": EMAIL_HINT,
            "notes": "Bybit asked for a new proof of address; sort that out before withdrawing.",
            "two_factor_method": TwoFactorMethod.EMAIL,
            "email_in_use": True,
            "kyc_status": KycStatus.UPDATE_REQUESTED,
            "check_in_every_days": 120,
        },
        days_ago={"opened_on": 700},
    ),
    DemoAccount(  # an exchange outside the catalogue, tied to a mailbox that is gone
        None,
        history=(35, 160, 290, 420, 610, 800),
        fields={
            "other_exchange_name": "LocalBitBank",
            "label": "Savings",
            "login_hint": "d***@oldisp.net",
            "notes": "Small local exchange. The old ISP mailbox it uses no longer exists.",
            "two_factor_method": TwoFactorMethod.NONE,
            "email_in_use": False,
            "phone_status": PhoneStatus.UNKNOWN,
            "password_is_strong": False,
            "check_in_every_days": 180,
        },
        days_ago={"opened_on": 2400, "password_changed_on": 2400},
    ),
    DemoAccount(  # archived: emptied and kept only for the records
        "bitstamp",
        history=(320, 450, 700),
        fields={
            "label": "First account",
            "login_hint": EMAIL_HINT,
            "notes": "Moved everything to Kraken; kept for tax records.",
            "two_factor_method": TwoFactorMethod.AUTHENTICATOR,
            "holds_assets": False,
            "email_in_use": True,
            "kyc_status": KycStatus.VERIFIED,
            "check_in_every_days": 365,
        },
        days_ago={"opened_on": 3000, "password_changed_on": 900},
        archived_days_ago=318,
    ),
]

# Later check-ins alternate between these, so the history shows both kinds.
HISTORY_SOURCES = (CheckIn.Source.MANUAL, CheckIn.Source.WALKTHROUGH)


# --------------------------------------------------------------------------------------------
# Synthetic benchmark data
# --------------------------------------------------------------------------------------------

BENCH_LABELS = ("Main", "Trading", "Old DCA account", "Savings", "Staking", "Family", "")
BENCH_NOTES = (
    "Check the dormancy notice before it converts anything.",
    "Used for a one-off purchase.",
    "Moved most funds to a hardware wallet.",
    "Asked for a new proof of address last time.",
)
BENCH_INTERVALS = (30, 60, 90, 90, 90, 120, 180, 365)
TWO_FACTOR_CHOICES = (
    TwoFactorMethod.UNKNOWN,
    TwoFactorMethod.NONE,
    TwoFactorMethod.SMS,
    TwoFactorMethod.EMAIL,
    TwoFactorMethod.AUTHENTICATOR,
    TwoFactorMethod.SECURITY_KEY,
)
TWO_FACTOR_WEIGHTS = (10, 8, 20, 12, 38, 12)
TRI_STATE = (True, True, False, None)
PHONE_CHOICES = tuple(PhoneStatus.values)
KYC_CHOICES = (KycStatus.VERIFIED, KycStatus.VERIFIED, KycStatus.UNKNOWN,
               KycStatus.UPDATE_REQUESTED)


def _noon(day: datetime.date) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(12))
    return timezone.make_aware(moment) if settings.USE_TZ else moment


def _parse_date(value) -> datetime.date:
    if value is None:
        return timezone.localdate()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise CommandError(f"--today must be a date as YYYY-MM-DD, not {value!r}.") from None


def _bench_account(rng: random.Random, owner_id: int, exchange: Exchange, label: str,
                   hint: str, today: datetime.date) -> ExchangeAccount:
    """One synthetic account: varied dates and settings, all from `rng`."""
    bucket = rng.random()
    if bucket < 0.45:
        days_since = rng.randint(0, 79)
    elif bucket < 0.65:
        days_since = rng.randint(80, 179)
    elif bucket < 0.85:
        days_since = rng.randint(180, 364)
    else:
        days_since = rng.randint(365, 1500)
    last_login = today - datetime.timedelta(days=days_since)
    every = rng.choice(BENCH_INTERVALS)

    def before_login(max_days: int, none_chance: float) -> datetime.date | None:
        if rng.random() < none_chance:
            return None
        return max(
            EARLIEST_PLAUSIBLE_DATE, last_login - datetime.timedelta(days=rng.randint(0, max_days))
        )

    api_keys = rng.choice(TRI_STATE)
    whitelist = rng.choice(TRI_STATE)
    archived_at = None
    if rng.random() < 0.05:
        archived_on = min(today, last_login + datetime.timedelta(days=rng.randint(0, 60)))
        archived_at = _noon(archived_on)
    return ExchangeAccount(
        owner_id=owner_id,
        exchange=exchange,
        label=label,
        login_hint=hint,
        notes=rng.choice(BENCH_NOTES) if rng.random() < 0.1 else "",
        opened_on=before_login(2500, 0.2),
        last_login_on=last_login,
        check_in_every_days=every,
        # bulk_create skips ExchangeAccount.save(), which normally computes this.
        next_check_in_on=last_login + datetime.timedelta(days=every),
        holds_assets=rng.random() < 0.8,
        two_factor_method=rng.choices(TWO_FACTOR_CHOICES, TWO_FACTOR_WEIGHTS)[0],
        anti_phishing_code_set=rng.choice(TRI_STATE),
        withdrawal_whitelist_on=whitelist,
        whitelist_reviewed_on=before_login(400, 0.5) if whitelist else None,
        password_changed_on=before_login(1500, 0.3),
        password_is_strong=rng.choice(TRI_STATE),
        password_is_unique=rng.choice(TRI_STATE),
        email_in_use=rng.choice((True, True, True, False, None)),
        phone_status=rng.choice(PHONE_CHOICES),
        api_keys_present=api_keys,
        api_keys_reviewed_on=before_login(400, 0.5) if api_keys else None,
        devices_reviewed_on=before_login(300, 0.6),
        kyc_status=rng.choice(KYC_CHOICES),
        archived_at=archived_at,
    )


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo user demo@example.com with realistic accounts, or with "
        "--users N --accounts M create synthetic users for load testing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", metavar="YYYY-MM-DD",
            help="Date every generated date is relative to (default: today).",
        )
        parser.add_argument(
            "--users", type=int, metavar="N",
            help="Benchmark mode: create N synthetic users instead of the demo user.",
        )
        parser.add_argument(
            "--accounts", type=int, metavar="M",
            help=f"Benchmark mode: accounts per user (default {DEFAULT_BENCH_ACCOUNTS}).",
        )
        parser.add_argument(
            "--prefix", default=DEFAULT_BENCH_PREFIX,
            help="Benchmark mode: emails are PREFIX-1@example.com, PREFIX-2@example.com, ... "
            f"(default {DEFAULT_BENCH_PREFIX}).",
        )
        parser.add_argument(
            "--reset", action="store_true",
            help="Benchmark mode: delete existing users with this prefix first "
            "(otherwise they are skipped).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
            help=f"Benchmark mode: users per transaction (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args, **options):
        today = _parse_date(options["today"])
        self.verbosity = options["verbosity"]
        if options["users"] is None:
            if options["accounts"] is not None or options["reset"]:
                raise CommandError("--accounts and --reset only apply together with --users.")
            self.seed_demo(today)
            return
        users = options["users"]
        accounts = options["accounts"]
        accounts = DEFAULT_BENCH_ACCOUNTS if accounts is None else accounts
        batch_size = options["batch_size"]
        prefix = str(options["prefix"]).lower()
        if users < 1 or accounts < 0 or batch_size < 1:
            raise CommandError(
                "--users and --batch-size must be at least 1, --accounts at least 0."
            )
        if not PREFIX_RE.fullmatch(prefix):
            raise CommandError(
                "--prefix may hold only letters, digits, dots, dashes and underscores."
            )
        self.seed_bench(users, accounts, prefix, options["reset"], batch_size, today)

    # ----------------------------------------------------------------------------------------

    def _exchanges_by_slug(self, slugs) -> dict[str, Exchange]:
        exchanges = Exchange.objects.in_bulk(list(slugs), field_name="slug")
        missing = sorted(set(slugs) - set(exchanges))
        if missing:
            raise CommandError(
                f"Missing exchanges {', '.join(missing)}: run `python manage.py migrate` first."
            )
        return exchanges

    @transaction.atomic
    def seed_demo(self, today: datetime.date) -> None:
        exchanges = self._exchanges_by_slug(
            {spec.exchange_slug for spec in DEMO_ACCOUNTS if spec.exchange_slug}
        )
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(email=DEMO_EMAIL)
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save()
        EmailAddress.objects.filter(user=user).exclude(email__iexact=DEMO_EMAIL).update(
            primary=False
        )
        EmailAddress.objects.update_or_create(
            user=user, email=DEMO_EMAIL, defaults={"primary": True, "verified": True}
        )
        _, deleted = ExchangeAccount.objects.filter(owner=user).delete()
        removed = deleted.get(ExchangeAccount._meta.label, 0)

        def ago(days: int) -> datetime.date:
            return max(EARLIEST_PLAUSIBLE_DATE, today - datetime.timedelta(days=days))

        made = []
        for spec in DEMO_ACCOUNTS:
            history = sorted(ago(days) for days in spec.history)  # oldest first
            account = ExchangeAccount(
                owner=user,
                exchange=exchanges[spec.exchange_slug] if spec.exchange_slug else None,
                last_login_on=history[0],
                **{"check_in_every_days": DEFAULT_CHECK_IN_DAYS, **spec.fields},
                **{name: ago(days) for name, days in spec.days_ago.items()},
            )
            if spec.archived_days_ago is not None:
                account.archived_at = _noon(ago(spec.archived_days_ago))
            # Same validation as the forms, secret detection included.
            account.full_clean(exclude=["next_check_in_on"])
            create_account(account)
            for i, day in enumerate(history[1:]):
                record_check_in(account, day, source=HISTORY_SOURCES[i % len(HISTORY_SOURCES)])
            made.append((account, len(history)))

        self.stdout.write(
            f"{'Created' if created else 'Reset'} the demo user {DEMO_EMAIL} "
            f"({f'replaced {removed} accounts' if removed else 'no earlier accounts'}); "
            f"dates are relative to {today.isoformat()}."
        )
        for account, check_ins in made:
            state = "archived" if account.is_archived else f"last login {account.last_login_on}"
            self.stdout.write(f"  {account}: {state}, {check_ins} check-ins")
        self.stdout.write(
            self.style.SUCCESS(
                f"Sign in at {reverse('account_login')} with email {DEMO_EMAIL} "
                f"and password {DEMO_PASSWORD}."
            )
        )

    # ----------------------------------------------------------------------------------------

    def _delete_users(self, queryset, batch_size: int) -> int:
        user_ids = list(queryset.values_list("pk", flat=True))
        for start in range(0, len(user_ids), batch_size):
            chunk = user_ids[start:start + batch_size]
            with transaction.atomic():
                # Children first with plain DELETEs; the user delete then has little to collect.
                CheckIn.objects.filter(account__owner_id__in=chunk).delete()
                ExchangeAccount.objects.filter(owner_id__in=chunk).delete()
                EmailAddress.objects.filter(user_id__in=chunk).delete()
                queryset.model.objects.filter(pk__in=chunk).delete()
        return len(user_ids)

    def seed_bench(self, n_users: int, n_accounts: int, prefix: str, reset: bool,
                   batch_size: int, today: datetime.date) -> None:
        user_model = get_user_model()
        exchanges = list(Exchange.objects.order_by("slug"))
        if n_accounts and not exchanges:
            raise CommandError("No exchanges found: run `python manage.py migrate` first.")
        domain = "example.com"
        same_prefix = user_model.objects.filter(
            email__regex=rf"^{re.escape(prefix)}-[0-9]+@{re.escape(domain)}$"
        )
        started = time.monotonic()
        if reset:
            deleted = self._delete_users(same_prefix, batch_size)
            self.stdout.write(f"Deleted {deleted:,} existing {prefix}-* users.")
            existing = set()
        else:
            existing = set(same_prefix.values_list("email", flat=True))

        todo = [i for i in range(1, n_users + 1) if f"{prefix}-{i}@{domain}" not in existing]
        skipped = n_users - len(todo)
        if skipped:
            self.stdout.write(f"Skipping {skipped:,} users that already exist (use --reset).")
        # Hashing is deliberately slow; every synthetic user shares one hash.
        password_hash = make_password(DEMO_PASSWORD)
        hint_initial = prefix[0]
        rng = random.Random(BENCH_SEED)
        now = timezone.now()
        made_users = made_accounts = 0

        for start in range(0, len(todo), batch_size):
            numbers = todo[start:start + batch_size]
            with transaction.atomic():
                users = [
                    user_model(email=f"{prefix}-{i}@{domain}", password=password_hash,
                               is_active=True, date_joined=now)
                    for i in numbers
                ]
                user_model.objects.bulk_create(users, batch_size=batch_size)
                if any(user.pk is None for user in users):  # backends without RETURNING
                    ids = dict(
                        user_model.objects.filter(email__in=[u.email for u in users])
                        .values_list("email", "pk")
                    )
                    for user in users:
                        user.pk = ids[user.email]
                EmailAddress.objects.bulk_create(
                    [EmailAddress(user_id=user.pk, email=user.email, primary=True, verified=True)
                     for user in users],
                    batch_size=batch_size,
                )

                accounts = []
                for number, user in zip(numbers, users, strict=True):
                    # One generator state per user: the same user always gets the same data,
                    # whatever the batch size or which users were skipped.
                    rng.seed(BENCH_SEED * 10_000_000 + number)
                    order = rng.sample(exchanges, len(exchanges)) if exchanges else []
                    for k in range(n_accounts):
                        label = BENCH_LABELS[k % len(BENCH_LABELS)]
                        if k >= len(exchanges):
                            label = f"{label or 'Account'} {k // len(exchanges) + 1}".strip()
                        hint_roll = rng.random()
                        if hint_roll < 0.7:
                            hint = f"{hint_initial}***@{domain}"
                        elif hint_roll < 0.9:
                            hint = f"+44 *** **{rng.randint(10, 99)}"
                        else:
                            hint = ""
                        accounts.append(_bench_account(
                            rng, user.pk, order[k % len(order)], label, hint, today
                        ))
                ExchangeAccount.objects.bulk_create(accounts, batch_size=batch_size)
                if any(account.pk is None for account in accounts):
                    rows = list(ExchangeAccount.objects.filter(
                        owner_id__in=[user.pk for user in users]
                    ).values_list("pk", "last_login_on"))
                else:
                    rows = [(account.pk, account.last_login_on) for account in accounts]
                CheckIn.objects.bulk_create(
                    [CheckIn(account_id=pk, on=on, source=CheckIn.Source.ADDED)
                     for pk, on in rows],
                    batch_size=batch_size,
                )
            made_users += len(users)
            made_accounts += len(accounts)
            if self.verbosity >= 1:
                elapsed = time.monotonic() - started
                self.stdout.write(
                    f"  {made_users:,}/{len(todo):,} users, {made_accounts:,} accounts "
                    f"({elapsed:.1f}s)"
                )
                self.stdout.flush()

        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {made_users:,} users and {made_accounts:,} accounts "
                f"(each with one check-in) in {elapsed:.1f}s; dates relative to {today}."
            )
        )
        self.stdout.write(
            f"Sign in at {reverse('account_login')} as {prefix}-1@{domain} "
            f"(up to {prefix}-{n_users}@{domain}) with password {DEMO_PASSWORD}."
        )
