"""Everything the app holds about one user: to export it, and to delete it.

Known models get explicit, reviewed sections. Any other model that points at the user
(or at one of their exchange accounts) is found by introspection and exported too, minus
fields that look like credentials, so a model added later is not silently left out.
Deletion relies on CASCADE from the user; tests check that no row is left behind.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CheckIn, ExchangeAccount
from checklists.models import StepProgress, Walkthrough

from .events import pseudonym
from .models import SecurityEvent

EXPORT_FORMAT = "dormant-guard-personal-data"
EXPORT_VERSION = 1

# Never exported, from any model: credentials and what can stand in for one.
SECRET_FIELD = re.compile(r"password|token|secret|hash|session_key|(^|_)key$", re.IGNORECASE)


def _optional_model(label: str) -> type[models.Model] | None:
    """A model from an app someone else maintains, or None while it doesn't exist."""
    app_label, _, model_name = label.partition(".")
    if not apps.is_installed(app_label):
        return None
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        return None


def reminder_models() -> tuple[type[models.Model] | None, type[models.Model] | None]:
    return _optional_model("reminders.ReminderPreference"), _optional_model("reminders.ReminderLog")


def row(
    obj: models.Model, exclude: Collection[str] = frozenset(), *, screen: bool = False
) -> dict:
    """A model instance as a dict of its own columns (foreign keys as ids).

    `screen` also leaves out any column whose name looks like a credential: used for
    models this app does not own, whose fields it has not reviewed. (Our own exchange
    account fields such as `password_changed_on` are dates and yes/no answers.)
    """
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or (screen and SECRET_FIELD.search(field.name)):
            continue
        data[field.attname] = field.value_from_object(obj)
    return data


def referencing(target: type[models.Model]) -> list[tuple[type[models.Model], models.Field]]:
    """Every (model, field) with a foreign key or one-to-one to `target`."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is target:
                found.append((model, field))
    return found


def _known_models() -> set[type[models.Model]]:
    known = {EmailAddress, Authenticator, UserSession, ExchangeAccount, SecurityEvent,
             CheckIn, Walkthrough}
    known.update(m for m in reminder_models() if m is not None)
    return known


# --- Export ---------------------------------------------------------------------------


def build_export(user) -> dict:
    included: set[str] = {user._meta.label}
    export: dict = {
        "export": {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "generated_at": timezone.now(),
            "note": _(
                "Everything Dormant Guard holds about you. It never stores exchange "
                "passwords, 2FA codes, API keys or recovery phrases, so none are here; "
                "your own password is stored only as a one-way hash and is left out."
            ),
        },
        "user": {**row(user, exclude={"password"}, screen=True),
                 "groups": sorted(user.groups.values_list("name", flat=True))},
        "email_addresses": [
            row(a, exclude={"user"}, screen=True) for a in EmailAddress.objects.filter(user=user)
        ],
        # Types and dates only: an authenticator's data holds its secret.
        "two_factor_methods": [
            {"type": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
            for a in Authenticator.objects.filter(user=user).order_by("created_at")
        ],
        # Never the session key: it is the session.
        "signed_in_sessions": [
            {"created_at": s.created_at, "last_seen_at": s.last_seen_at, "ip": s.ip,
             "user_agent": s.user_agent}
            for s in UserSession.objects.filter(user=user).order_by("created_at")
        ],
        "exchange_accounts": _accounts(user),
        "security_events": [
            row(e, exclude={"user"}) for e in SecurityEvent.objects.filter(user=user)
        ],
    }
    included.update(m._meta.label for m in (EmailAddress, Authenticator, UserSession,
                                             ExchangeAccount, StepProgress, SecurityEvent))
    # _accounts exports every model that points at an exchange account.
    included.update(m._meta.label for m, _ in referencing(ExchangeAccount))
    preference_model, log_model = reminder_models()
    reminders: dict = {}
    if preference_model is not None:
        preference = preference_model._default_manager.filter(user=user).first()
        reminders["preference"] = (
            row(preference, exclude={"user"}, screen=True) if preference else None
        )
        if preference is not None and hasattr(preference, "feed_token_hash"):
            reminders["preference"]["has_calendar_feed"] = bool(preference.feed_token_hash)
        included.add(preference_model._meta.label)
    if log_model is not None:
        reminders["emails"] = [
            row(log, exclude={"user", "lease_token"}, screen=True)
            for log in log_model._default_manager.filter(user=user)
        ]
        included.add(log_model._meta.label)
    if reminders:
        export["reminders"] = reminders

    other: dict[str, list[dict]] = {}
    for model, field in referencing(get_user_model()):
        if model in _known_models():
            continue
        rows = [
            row(obj, screen=True)
            for obj in model._default_manager.filter(**{field.name: user})
        ]
        if rows:
            other.setdefault(model._meta.label, []).extend(rows)
        included.add(model._meta.label)
    if other:
        export["other"] = other
    export["export"]["models"] = sorted(included)
    return export


def _accounts(user) -> list[dict]:
    accounts = (
        ExchangeAccount.objects.filter(owner=user).select_related("exchange")
        .prefetch_related("check_ins", "walkthroughs__progress").order_by("id")
    )
    extra = [(m, f) for m, f in referencing(ExchangeAccount) if m not in _known_models()]
    result = []
    for account in accounts:
        data = row(account, exclude={"owner"})
        data["exchange_name"] = account.exchange_name
        data["check_ins"] = [row(c, exclude={"account"}) for c in account.check_ins.all()]
        data["walkthroughs"] = [
            {**row(w, exclude={"account"}),
             "progress": [row(p, exclude={"walkthrough"}) for p in w.progress.all()]}
            for w in account.walkthroughs.all()
        ]
        for model, field in extra:
            rows = [
                row(obj, screen=True)
                for obj in model._default_manager.filter(**{field.name: account})
            ]
            if rows:
                data.setdefault("other", {})[model._meta.label] = rows
        result.append(data)
    return result


def export_filename(today: datetime.date) -> str:
    return f"dormant-guard-data-{today.isoformat()}.json"


# --- Deletion -------------------------------------------------------------------------


def inventory(user) -> list[tuple[str, int]]:
    """What deleting the account removes, as (label, count) for the warning page."""
    accounts = ExchangeAccount.objects.filter(owner=user)
    items = [
        (_("Exchange accounts"), accounts.count()),
        (_("Check-ins"), CheckIn.objects.filter(account__in=accounts).count()),
        (_("Walkthroughs and their progress"),
         Walkthrough.objects.filter(account__in=accounts).count()),
    ]
    preference_model, log_model = reminder_models()
    if preference_model is not None:
        items.append((_("Reminder settings and calendar link"),
                      preference_model._default_manager.filter(user=user).count()))
    if log_model is not None:
        items.append((_("Reminder emails sent"),
                      log_model._default_manager.filter(user=user).count()))
    items += [
        (_("Security events"), SecurityEvent.objects.filter(user=user).count()),
        (_("Email addresses"), EmailAddress.objects.filter(user=user).count()),
        (_("Two-factor methods"), Authenticator.objects.filter(user=user).count()),
        (_("Signed-in sessions"), UserSession.objects.filter(user=user).count()),
    ]
    return items


def user_reference(user) -> str:
    return pseudonym("account_deleted", str(user.pk))


def delete_account(user) -> str:
    """Delete the user and everything hanging off them; end all their sessions.

    Returns a keyed hash of the user's id: the only trace kept, in the
    `account_deleted` event, so support can answer "was account #N deleted?"
    without the event naming anyone.
    """
    reference = user_reference(user)
    session_keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    with transaction.atomic():
        SecurityEvent.objects.filter(user=user).delete()  # also done by the pre_delete hook
        user.delete()  # CASCADE: accounts, check-ins, walkthroughs, reminders, MFA, ...
    # Sign out every other device: their session rows hold the user's id.
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for key in session_keys:
        store.delete(key)
    return reference
