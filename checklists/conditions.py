"""When a step applies: a registry of named conditions an editor picks from.

Each condition is a pure predicate over a WalkthroughContext (the account, its status
today and the user's answers to the opening questions). Editors choose a key from a
dropdown; the model field's choices come from this registry, so an unknown key can't
be saved, and a key removed from code fails `makemigrations --check` loudly.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import ExchangeAccount
from accounts.status import DORMANT_STATUSES, Status


@dataclass(frozen=True)
class WalkthroughContext:
    account: ExchangeAccount
    # The account's status when the walkthrough started: logging in halfway through
    # makes it active, and the reactivation steps must not vanish because of it.
    status: Status
    # Answers to "Do you still know your password?" / "... have your authenticator?";
    # None when not asked or not answered.
    knows_password: bool | None = None
    has_authenticator: bool | None = None


@dataclass(frozen=True)
class Condition:
    label: str | Promise  # lazily translated
    test: Callable[[WalkthroughContext], bool]


def _returning(ctx: WalkthroughContext) -> bool:
    return ctx.status != Status.ACTIVE


CONDITIONS: dict[str, Condition] = {
    "returning": Condition(
        _("Returning after a while (due soon, overdue or dormant)"), _returning
    ),
    "dormant": Condition(_("Dormant or long dormant"), lambda c: c.status in DORMANT_STATUSES),
    "long_dormant": Condition(
        _("Long dormant (a year or more)"), lambda c: c.status == Status.LONG_DORMANT
    ),
    "forgot_password": Condition(
        _("The user no longer knows the password"), lambda c: c.knows_password is False
    ),
    "lost_authenticator": Condition(
        _("Uses an authenticator or security key, and no longer has it"),
        lambda c: c.account.uses_authenticator and c.has_authenticator is False,
    ),
    "weak_or_no_2fa": Condition(
        _("No authenticator app or security key yet"),
        lambda c: not c.account.uses_authenticator,
    ),
    "may_have_api_keys": Condition(
        _("Has API keys (or isn't sure)"), lambda c: c.account.api_keys_present is not False
    ),
    "whitelist_not_on": Condition(
        _("Withdrawal whitelist off or unknown"),
        lambda c: c.account.withdrawal_whitelist_on is not True,
    ),
    "whitelist_may_be_on": Condition(
        _("Withdrawal whitelist on (or unknown)"),
        lambda c: c.account.withdrawal_whitelist_on is not False,
    ),
    "no_anti_phishing_code": Condition(
        _("Anti-phishing code not set (or unknown)"),
        lambda c: c.account.anti_phishing_code_set is not True,
    ),
    "holds_assets": Condition(_("Still holds assets"), lambda c: c.account.holds_assets),
}

CONDITION_CHOICES = [(key, condition.label) for key, condition in CONDITIONS.items()]


def applies(key: str, ctx: WalkthroughContext) -> bool:
    """A blank key means "always". An unknown key (a step saved before its condition was
    removed from code) hides the step rather than crashing a walkthrough."""
    if not key:
        return True
    condition = CONDITIONS.get(key)
    return condition is not None and condition.test(ctx)
