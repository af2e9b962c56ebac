"""Hygiene findings: what is weak or stale about an account's security, and a score.

Pure functions of an account's fields, its exchange's features and *today*. The risks
follow the hardening advice for returning to an inactive exchange account: outdated
passwords and 2FA, reused passwords exposed in breaches, missed security alerts,
forgotten API keys and whitelist addresses, and KYC prompts on return.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import KycStatus, PhoneStatus, TwoFactorMethod
from .status import Status, StatusReport, account_status

# A password older than this was probably set before the latest round of breaches.
PASSWORD_MAX_AGE_DAYS = 365
# API keys, whitelist addresses and devices are worth a look twice a year.
REVIEW_MAX_AGE_DAYS = 180

GRADE_GOOD_MIN = 80
GRADE_FAIR_MIN = 50


class Severity(models.IntegerChoices):
    LOW = 1, pgettext_lazy("finding severity", "Low")
    MEDIUM = 2, pgettext_lazy("finding severity", "Medium")
    HIGH = 3, pgettext_lazy("finding severity", "High")
    CRITICAL = 4, pgettext_lazy("finding severity", "Critical")


SEVERITY_WEIGHTS: dict[Severity, int] = {
    Severity.CRITICAL: 40,
    Severity.HIGH: 20,
    Severity.MEDIUM: 10,
    Severity.LOW: 3,
}


@dataclass(frozen=True)
class Finding:
    """Title and explanation are lazy: the dashboard builds every finding of every
    account to score it but shows one title per row, and translating all of them
    cost more than rendering the rows."""

    code: str
    severity: Severity
    title: str | Promise
    explanation: str | Promise
    fix_anchor: str

    @property
    def fix_url(self) -> str:
        return reverse("guidance") + "#" + self.fix_anchor

    @property
    def severity_class(self) -> str:
        """CSS hook: 'severity-critical', 'severity-low', ..."""
        return f"severity-{self.severity.name.lower()}"


def _older_than(day: datetime.date | None, today: datetime.date, max_days: int) -> bool:
    """True when never recorded (None) or more than `max_days` before today."""
    return day is None or (today - day).days > max_days


def _offers(exchange, feature: str) -> bool:
    # An exchange outside our catalogue ("Other") may offer anything; assume it does.
    return exchange is None or getattr(exchange, feature)


def _two_factor(account) -> list[Finding]:
    method = account.two_factor_method
    if method == TwoFactorMethod.NONE:
        return [Finding(
            "no_2fa", Severity.CRITICAL, _("No two-factor authentication"),
            _("Anyone who gets your password can log in and withdraw; "
              "turn on an authenticator app or a security key."),
            "harden-2fa",
        )]
    if method == TwoFactorMethod.SMS:
        return [Finding(
            "sms_2fa", Severity.HIGH, _("Two-factor codes by SMS"),
            _("A SIM swap hands your codes to an attacker; "
              "switch to an authenticator app or a security key."),
            "harden-2fa",
        )]
    if method == TwoFactorMethod.EMAIL:
        return [Finding(
            "email_2fa", Severity.MEDIUM, _("Two-factor codes by email"),
            _("Whoever gets into your mailbox gets your codes too; "
              "an authenticator app or a security key is stronger."),
            "harden-2fa",
        )]
    if method == TwoFactorMethod.UNKNOWN:
        return [Finding(
            "2fa_unknown", Severity.MEDIUM, _("Two-factor method not known"),
            _("Check which 2FA is on: settings set up years ago may be missing or weak."),
            "harden-2fa",
        )]
    return []


def _password(account, today: datetime.date) -> list[Finding]:
    found = []
    if account.password_is_unique is False:
        found.append(Finding(
            "password_reused", Severity.CRITICAL, _("Password used elsewhere"),
            _("Once another site leaks it, attackers try the same email and password "
              "here (credential stuffing); give this exchange its own password."),
            "harden-password",
        ))
    if account.password_is_strong is False:
        found.append(Finding(
            "password_weak", Severity.HIGH, _("Weak password"),
            _("Use 12 or more characters mixing upper and lower case, digits and symbols."),
            "harden-password",
        ))
    if account.password_changed_on is None:
        found.append(Finding(
            "password_age_unknown", Severity.LOW, _("Password age not known"),
            _("A password from years ago may already be in a breach; "
              "note when you last changed it."),
            "harden-password",
        ))
    elif _older_than(account.password_changed_on, today, PASSWORD_MAX_AGE_DAYS):
        found.append(Finding(
            "password_old", Severity.MEDIUM, _("Password over a year old"),
            _("Old passwords are more likely to have leaked; change it on your next login."),
            "harden-password",
        ))
    if account.password_is_strong is None or account.password_is_unique is None:
        found.append(Finding(
            "password_unknown", Severity.LOW, _("Password strength or reuse not known"),
            _("Check that it is 12+ characters with mixed types and used on no other site."),
            "harden-password",
        ))
    return found


def _anti_phishing(account) -> list[Finding]:
    if not _offers(account.exchange, "offers_anti_phishing_code"):
        return []
    if account.anti_phishing_code_set is False:
        return [Finding(
            "no_anti_phishing", Severity.MEDIUM, _("No anti-phishing code"),
            _("Without it, a fake email that looks like the exchange is hard to tell "
              "from a real one; set a code so genuine emails carry it."),
            "harden-anti-phishing",
        )]
    if account.anti_phishing_code_set is None:
        return [Finding(
            "anti_phishing_unknown", Severity.LOW, _("Anti-phishing code not known"),
            _("Check whether an anti-phishing code is set, so you can spot fake emails."),
            "harden-anti-phishing",
        )]
    return []


def _whitelist(account, today: datetime.date) -> list[Finding]:
    if not _offers(account.exchange, "offers_withdrawal_whitelist"):
        return []
    if account.withdrawal_whitelist_on is False:
        return [Finding(
            "whitelist_off", Severity.MEDIUM, _("Withdrawal whitelist off"),
            _("Anyone who gets in can withdraw to any address; "
              "a whitelist limits withdrawals to addresses you approved."),
            "harden-whitelist",
        )]
    if account.withdrawal_whitelist_on is None:
        return [Finding(
            "whitelist_unknown", Severity.LOW, _("Withdrawal whitelist not known"),
            _("Check whether withdrawals are limited to addresses you approved."),
            "harden-whitelist",
        )]
    if account.withdrawal_whitelist_on and _older_than(
        account.whitelist_reviewed_on, today, REVIEW_MAX_AGE_DAYS
    ):
        return [Finding(
            "whitelist_unreviewed", Severity.LOW, _("Whitelist addresses not reviewed recently"),
            _("Make sure every address on the list is yours and remove any you are unsure of."),
            "harden-whitelist-addresses",
        )]
    return []


def _api_keys(account, today: datetime.date, dormant: bool) -> list[Finding]:
    if account.api_keys_present is not True or not _older_than(
        account.api_keys_reviewed_on, today, REVIEW_MAX_AGE_DAYS
    ):
        return []
    return [Finding(
        "api_keys_unreviewed",
        # Forgotten keys on an account nobody is watching can trade unnoticed.
        Severity.HIGH if dormant else Severity.MEDIUM,
        _("API keys not reviewed recently"),
        _("Old keys keep working while you are away; delete any you no longer use."),
        "harden-api-keys",
    )]


def _devices(account, today: datetime.date, dormant: bool) -> list[Finding]:
    if not _older_than(account.devices_reviewed_on, today, REVIEW_MAX_AGE_DAYS):
        return []
    return [Finding(
        "devices_unreviewed",
        Severity.MEDIUM if dormant else Severity.LOW,
        _("Devices and logins not reviewed recently"),
        _("Look through devices and login history for anything you don't recognise."),
        "harden-devices",
    )]


def _contact(account) -> list[Finding]:
    found = []
    if account.email_in_use is False:
        found.append(Finding(
            "email_not_in_use", Severity.HIGH, _("Linked email no longer in use"),
            _("Security alerts and password resets go to an inbox you don't read; "
              "update the email on the exchange."),
            "harden-contact",
        ))
    if account.phone_status == PhoneStatus.NOT_IN_USE:
        sms = account.two_factor_method == TwoFactorMethod.SMS
        found.append(Finding(
            "phone_not_in_use",
            # With SMS 2FA, whoever gets the old number next gets your codes.
            Severity.HIGH if sms else Severity.MEDIUM,
            _("Linked phone no longer in use"),
            _("Codes and recovery messages go to a number you no longer have; "
              "update the phone on the exchange."),
            "harden-contact",
        ))
    return found


def _kyc(account) -> list[Finding]:
    if account.kyc_status != KycStatus.UPDATE_REQUESTED:
        return []
    return [Finding(
        "kyc_update", Severity.MEDIUM, _("Identity verification update requested"),
        _("Some features, withdrawals included, may be restricted until you complete it."),
        "reactivate-kyc",
    )]


def _assets(account, status: StatusReport) -> list[Finding]:
    if not (account.holds_assets and status.status == Status.LONG_DORMANT):
        return []
    return [Finding(
        "assets_on_long_dormant", Severity.HIGH, _("Assets on a long-dormant account"),
        _("If you won't use this exchange, consider moving to a wallet you control."),
        "self-custody",
    )]


def account_findings(
    account, today: datetime.date, status: StatusReport | None = None
) -> list[Finding]:
    """Everything worth fixing on `account`, most severe first.

    Ties keep a fixed rule order (2FA, password, anti-phishing, whitelist, API keys,
    devices, contact details, KYC, assets), so the list is stable between page loads.
    """
    if status is None:
        status = account_status(account, today)
    dormant = status.is_dormant
    found = [
        *_two_factor(account),
        *_password(account, today),
        *_anti_phishing(account),
        *_whitelist(account, today),
        *_api_keys(account, today, dormant),
        *_devices(account, today, dormant),
        *_contact(account),
        *_kyc(account),
        *_assets(account, status),
    ]
    return sorted(found, key=lambda f: -f.severity)


def hygiene_score(findings: Iterable[Finding]) -> int:
    """100 with nothing to fix, minus a weight per finding, never below 0."""
    return max(0, 100 - sum(SEVERITY_WEIGHTS[f.severity] for f in findings))


def overall_score(scores: Iterable[int]) -> int | None:
    """Mean of per-account scores, rounded half up; None with no accounts."""
    values = list(scores)
    if not values:
        return None
    # Integer arithmetic: round-half-up without float or banker's rounding surprises.
    return (2 * sum(values) + len(values)) // (2 * len(values))


def score_grade(score: int) -> str:
    """'good', 'fair' or 'poor', used as a CSS class."""
    if score >= GRADE_GOOD_MIN:
        return "good"
    if score >= GRADE_FAIR_MIN:
        return "fair"
    return "poor"
