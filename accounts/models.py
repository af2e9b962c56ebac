"""Exchanges, a user's accounts at them, and check-ins.

Nothing here ever holds a secret: only dates, choices and yes/no statements about
the security of an account ("anti-phishing code: set"), never the code itself.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.dates import format_date

from .secret_detection import reject_secrets
from .translatable import (
    SOURCE_LANGUAGE,
    LoadedContent,
    Shown,
    SourceText,
    Translation,
    shown,
    translations_in,
)

DEFAULT_CHECK_IN_DAYS = 90  # the article's "log in every few months"
MIN_CHECK_IN_DAYS = 7
MAX_CHECK_IN_DAYS = 730
# No exchange account can predate the first exchanges; a floor for typed dates.
EARLIEST_PLAUSIBLE_DATE = datetime.date(2010, 1, 1)
# Far more exchange accounts than a person has, archived ones included; a cap so that one
# user (or a script with their session) can't fill the database or slow every page.
MAX_ACCOUNTS_PER_USER = 1000


class Certainty(models.TextChoices):
    OFFICIAL = "official", _("Official source")
    SECONDARY = "secondary", _("Secondary source")
    UNCERTAIN = "uncertain", _("Uncertain")


class Exchange(LoadedContent):
    """A catalogue entry, loaded from content/exchanges.en.yaml and kept current in the
    admin (an admin edit survives the next load)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    website = models.URLField(_("website"), blank=True)
    # Days without a login after which the exchange may start treating the account
    # as dormant; blank when no source says.
    dormancy_after_days = models.PositiveIntegerField(
        _("dormant after (days)"), null=True, blank=True
    )
    offers_authenticator = models.BooleanField(_("authenticator app"), default=True)
    offers_security_key = models.BooleanField(_("security key / passkey"), default=False)
    offers_sms = models.BooleanField(_("SMS codes"), default=False)
    offers_anti_phishing_code = models.BooleanField(_("anti-phishing code"), default=False)
    offers_withdrawal_whitelist = models.BooleanField(_("withdrawal whitelist"), default=False)
    offers_device_management = models.BooleanField(_("device management"), default=False)
    offers_api_keys = models.BooleanField(_("API keys"), default=False)
    features_source = models.CharField(_("features source"), max_length=200, blank=True)
    features_checked_on = models.DateField(_("features checked on"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["loaded_values"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")

    def __str__(self) -> str:
        return self.name


class ExchangeFactQuerySet(models.QuerySet["ExchangeFact"]):
    def shown_in(self, language: str) -> list[Shown]:
        """Each fact in `language` where translated, else in English (one extra query)."""
        facts = self
        if language != SOURCE_LANGUAGE:
            facts = facts.prefetch_related(translations_in(language, ExchangeFactTranslation))
        return [shown(fact, language) for fact in facts]


class ExchangeFact(SourceText):
    """One sourced statement about an exchange: a dormancy rule, a hold, a fee."""

    translated_fields = ("summary", "source_name")

    class Kind(models.TextChoices):
        DORMANCY = "dormancy", _("Dormancy and inactivity")
        ESCHEATMENT = "escheatment", _("Unclaimed property")
        FEE = "fee", _("Inactivity fee")
        HOLD = "hold", _("Hold or wait")
        ASSETS = "assets", _("Asset safety")

    exchange = models.ForeignKey(
        Exchange, on_delete=models.CASCADE, related_name="facts", verbose_name=_("exchange")
    )
    # The fact's name in content/exchanges.*.yaml, unique within its exchange.
    key = models.SlugField(
        _("key"), max_length=60,
        help_text=_("Names the fact in the content files; unique per exchange."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    summary = models.TextField(_("summary"))
    source_name = models.CharField(_("source name"), max_length=200, blank=True)
    source_url = models.URLField(_("source URL"), blank=True)
    certainty = models.CharField(
        _("certainty"), max_length=20, choices=Certainty, default=Certainty.OFFICIAL
    )
    checked_on = models.DateField(_("checked on"))
    history = HistoricalRecords(excluded_fields=["loaded_values", "english_hash"])

    objects = ExchangeFactQuerySet.as_manager()

    class Meta:
        ordering = ["exchange", "kind", "id"]
        verbose_name = _("exchange fact")
        verbose_name_plural = _("exchange facts")
        constraints = [
            models.UniqueConstraint(fields=["exchange", "key"], name="one_fact_per_exchange_key"),
        ]

    def __str__(self) -> str:
        return f"{self.exchange}: {self.get_kind_display()}"

    @property
    def is_uncertain(self) -> bool:
        return self.certainty == Certainty.UNCERTAIN


class ExchangeFactTranslation(Translation):
    """A fact's summary and source name in one language other than English."""

    source_field = "fact"
    translated_fields = ExchangeFact.translated_fields

    fact = models.ForeignKey(
        ExchangeFact, verbose_name=_("exchange fact"), on_delete=models.CASCADE,
        related_name="translations",
    )
    summary = models.TextField(_("summary"), blank=True)
    source_name = models.CharField(_("source name"), max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["loaded_values"])

    class Meta:
        ordering = ["fact", "language"]
        constraints = [
            models.UniqueConstraint(fields=["fact", "language"], name="one_fact_translation"),
        ]


class TwoFactorMethod(models.TextChoices):
    # Ordered weakest to strongest; findings rely on the names, not the order.
    UNKNOWN = "unknown", pgettext_lazy("answer", "Not sure")
    NONE = "none", pgettext_lazy("two-factor method", "None")
    SMS = "sms", _("SMS code")
    EMAIL = "email", _("Email code")
    AUTHENTICATOR = "authenticator", _("Authenticator app")
    SECURITY_KEY = "security_key", _("Security key or passkey")


# Second factors bound to something the user holds (an app or a key): strong, and
# lost with the phone or key, which is what the 2FA-reset guidance is about.
AUTHENTICATOR_METHODS = frozenset({TwoFactorMethod.AUTHENTICATOR, TwoFactorMethod.SECURITY_KEY})


class PhoneStatus(models.TextChoices):
    UNKNOWN = "unknown", pgettext_lazy("answer", "Not sure")
    IN_USE = "in_use", _("Still mine and in use")
    NOT_IN_USE = "not_in_use", _("No longer in use")
    NONE = "none", _("No phone linked")


class KycStatus(models.TextChoices):
    UNKNOWN = "unknown", pgettext_lazy("answer", "Not sure")
    VERIFIED = "verified", pgettext_lazy("identity verification", "Verified")
    UPDATE_REQUESTED = "update_requested", _("Update requested")


class ExchangeAccountQuerySet(models.QuerySet):
    def owned_by(self, user) -> "ExchangeAccountQuerySet":
        return self.filter(owner=user)

    def active(self) -> "ExchangeAccountQuerySet":
        return self.filter(archived_at__isnull=True)

    def active_by_owner(self, owner_ids) -> "dict[int, list[ExchangeAccount]]":
        """Every owner's non-archived accounts with their exchange, in one query: what
        the reminder sweep, digests and calendar feeds work from."""
        grouped: dict[int, list[ExchangeAccount]] = {owner_id: [] for owner_id in owner_ids}
        for account in self.active().filter(owner_id__in=owner_ids).select_related("exchange"):
            grouped[account.owner_id].append(account)
        return grouped


class ExchangeAccount(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_accounts",
        verbose_name=_("owner"),
    )
    exchange = models.ForeignKey(
        Exchange, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts",
        verbose_name=_("exchange"),
    )
    other_exchange_name = models.CharField(
        _("exchange name"), max_length=80, blank=True, validators=[reject_secrets],
        help_text=_("Only for an exchange that is not in our list."),
    )
    label = models.CharField(
        _("label"), max_length=80, blank=True, validators=[reject_secrets],
        help_text=_("Your own name for it, e.g. “Main” or “Old DCA account”."),
    )
    login_hint = models.CharField(
        _("login hint"), max_length=80, blank=True, validators=[reject_secrets],
        help_text=_(
            "Which email or phone it uses, masked (j***@mail.com). "
            "Full addresses are masked for you."
        ),
    )
    notes = models.TextField(
        _("notes"), blank=True, max_length=2000, validators=[reject_secrets],
        help_text=_(
            "Anything that helps you later. Never passwords, codes or recovery phrases."
        ),
    )
    opened_on = models.DateField(
        _("opened on"), null=True, blank=True,
        help_text=_("Roughly when you opened it, if you know."),
    )
    last_login_on = models.DateField(_("last login"))
    check_in_every_days = models.PositiveSmallIntegerField(
        _("check in every (days)"),
        default=DEFAULT_CHECK_IN_DAYS,
        validators=[MinValueValidator(MIN_CHECK_IN_DAYS), MaxValueValidator(MAX_CHECK_IN_DAYS)],
    )
    # Stored, indexed copy of last_login_on + check_in_every_days, so the reminder
    # sweep and the dashboard sort scan one index instead of computing per row.
    next_check_in_on = models.DateField(_("next check-in"), editable=False, db_index=True)
    holds_assets = models.BooleanField(_("still holds assets"), default=True)

    two_factor_method = models.CharField(
        _("two-factor method"), max_length=20, choices=TwoFactorMethod,
        default=TwoFactorMethod.UNKNOWN,
    )
    anti_phishing_code_set = models.BooleanField(
        _("anti-phishing code set"), null=True, blank=True
    )
    withdrawal_whitelist_on = models.BooleanField(
        _("withdrawal whitelist on"), null=True, blank=True
    )
    whitelist_reviewed_on = models.DateField(
        _("whitelist last reviewed"), null=True, blank=True
    )
    password_changed_on = models.DateField(_("password last changed"), null=True, blank=True)
    password_is_strong = models.BooleanField(
        _("password is 12+ characters with mixed character types"), null=True, blank=True
    )
    password_is_unique = models.BooleanField(
        _("password is used only on this exchange"), null=True, blank=True
    )
    email_in_use = models.BooleanField(_("linked email still in use"), null=True, blank=True)
    phone_status = models.CharField(
        _("linked phone"), max_length=20, choices=PhoneStatus, default=PhoneStatus.UNKNOWN
    )
    api_keys_present = models.BooleanField(_("has API keys"), null=True, blank=True)
    api_keys_reviewed_on = models.DateField(
        _("API keys last reviewed"), null=True, blank=True
    )
    devices_reviewed_on = models.DateField(
        _("devices and login history last reviewed"), null=True, blank=True
    )
    kyc_status = models.CharField(
        _("identity verification (KYC)"), max_length=20, choices=KycStatus,
        default=KycStatus.UNKNOWN,
    )

    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ExchangeAccountQuerySet.as_manager()

    class Meta:
        ordering = ["next_check_in_on", "id"]
        verbose_name = _("exchange account")
        verbose_name_plural = _("exchange accounts")
        indexes = [
            # Dashboard: one owner's live accounts in due order.
            models.Index(
                fields=["owner", "next_check_in_on"],
                condition=models.Q(archived_at__isnull=True),
                name="account_owner_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(exchange__isnull=False) | ~models.Q(other_exchange_name=""),
                name="account_names_an_exchange",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exchange_name} – {self.label}" if self.label else self.exchange_name

    def save(self, *args, **kwargs):
        self.next_check_in_on = self.last_login_on + datetime.timedelta(
            days=self.check_in_every_days
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and (
            {"last_login_on", "check_in_every_days"} & set(update_fields)
        ):
            kwargs["update_fields"] = {*update_fields, "next_check_in_on"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("account_detail", args=[self.pk])

    @property
    def exchange_name(self) -> str:
        return self.exchange.name if self.exchange is not None else self.other_exchange_name

    @property
    def uses_authenticator(self) -> bool:
        return self.two_factor_method in AUTHENTICATOR_METHODS

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def dormancy_after_days(self) -> int | None:
        return self.exchange.dormancy_after_days if self.exchange is not None else None


class CheckIn(models.Model):
    """One day the owner logged in to the account. The latest is its last login."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Recorded by you")
        ADDED = "added", _("When the account was added")
        WALKTHROUGH = "walkthrough", _("From a walkthrough")
        IMPORT = "import", _("Imported")

    account = models.ForeignKey(
        ExchangeAccount, on_delete=models.CASCADE, related_name="check_ins",
        verbose_name=_("exchange account"),
    )
    on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=20, choices=Source, default=Source.MANUAL)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["account", "on"], name="one_check_in_per_day"),
        ]

    def __str__(self) -> str:
        return gettext("%(account)s on %(date)s") % {
            "account": self.account, "date": format_date(self.on),
        }

