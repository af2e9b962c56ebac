"""What completing a step records on the account: a registry editors pick from.

Each action updates the exchange account the walkthrough is for, so the dashboard and
the findings change as the user works through the steps.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import CheckIn, ExchangeAccount, KycStatus, PhoneStatus, TwoFactorMethod


@dataclass(frozen=True)
class Action:
    label: str | Promise  # lazily translated
    apply: Callable[[ExchangeAccount, datetime.date], None]


def _logged_in(account: ExchangeAccount, today: datetime.date) -> None:
    services.record_check_in(account, today, source=CheckIn.Source.WALKTHROUGH)


def _setter(**values) -> Callable[[ExchangeAccount, datetime.date], None]:
    """An action that sets fields; the value "TODAY" stands for the completion date."""

    def apply(account: ExchangeAccount, today: datetime.date) -> None:
        for field, value in values.items():
            setattr(account, field, today if value == "TODAY" else value)
        account.save(update_fields=[*values, "updated_at"])

    return apply


def _set_up_authenticator(account: ExchangeAccount, today: datetime.date) -> None:
    # A security key is stronger still: don't downgrade it.
    if account.two_factor_method != TwoFactorMethod.SECURITY_KEY:
        _setter(two_factor_method=TwoFactorMethod.AUTHENTICATOR)(account, today)


def _contact_details_current(account: ExchangeAccount, today: datetime.date) -> None:
    values: dict[str, object] = {"email_in_use": True}
    if account.phone_status in {PhoneStatus.NOT_IN_USE, PhoneStatus.UNKNOWN}:
        values["phone_status"] = PhoneStatus.IN_USE
    _setter(**values)(account, today)


ACTIONS: dict[str, Action] = {
    "logged_in": Action(_("Records a check-in (logged in today)"), _logged_in),
    "changed_password": Action(
        _("Sets the password date, strong and unique"),
        _setter(
            password_changed_on="TODAY",  # noqa: S106 (a date marker, not a password)
            password_is_strong=True,
            password_is_unique=True,
        ),
    ),
    "set_up_authenticator": Action(
        _("Sets two-factor method to authenticator app"), _set_up_authenticator
    ),
    "set_anti_phishing_code": Action(
        _("Marks the anti-phishing code as set"), _setter(anti_phishing_code_set=True)
    ),
    "enabled_whitelist": Action(
        _("Marks the withdrawal whitelist on and reviewed"),
        _setter(withdrawal_whitelist_on=True, whitelist_reviewed_on="TODAY"),
    ),
    "reviewed_whitelist": Action(
        _("Sets the whitelist review date"), _setter(whitelist_reviewed_on="TODAY")
    ),
    "reviewed_devices": Action(
        _("Sets the devices and login history review date"), _setter(devices_reviewed_on="TODAY")
    ),
    "reviewed_api_keys": Action(
        _("Sets the API key review date"), _setter(api_keys_reviewed_on="TODAY")
    ),
    "kyc_done": Action(_("Sets KYC to verified"), _setter(kyc_status=KycStatus.VERIFIED)),
    "contact_details_current": Action(
        _("Marks the linked email (and phone) as in use"), _contact_details_current
    ),
}

ACTION_CHOICES = [(key, action.label) for key, action in ACTIONS.items()]


def perform(key: str, account: ExchangeAccount, today: datetime.date) -> bool:
    """Apply the action if it exists; an unknown key (removed from code) does nothing."""
    action = ACTIONS.get(key)
    if action is None:
        return False
    action.apply(account, today)
    return True
