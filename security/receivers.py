"""Signal receivers: allauth's and Django's account signals become security events.

Connected in SecurityConfig.ready().
"""

from allauth.account import signals as account_signals
from allauth.account.authentication import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from . import sessions
from .events import pseudonym, record
from .models import SecurityEvent

Kind = SecurityEvent.Kind


@receiver(account_signals.user_logged_in, dispatch_uid="security.login")
def on_login(sender, request, user, **kwargs):
    methods = []
    for entry in get_authentication_records(request, user):
        method = entry.get("type") if entry.get("method") == "mfa" else entry.get("method")
        if method and method not in methods:
            methods.append(method)
    record(request, user, Kind.LOGIN, methods=methods or None)


@receiver(auth_signals.user_logged_in, dispatch_uid="security.start_session_clock")
def on_django_login(sender, request, user, **kwargs):
    # Every login, allauth's or not (the test client's force_login too).
    if request is not None and hasattr(request, "session"):
        sessions.start_clock(request.session)


@receiver(auth_signals.user_logged_out, dispatch_uid="security.logout")
def on_logout(sender, request, user, **kwargs):
    if user is None or user.pk is None:  # anonymous, or a user being deleted
        return
    reason = getattr(request, "_security_logout_reason", None) if request is not None else None
    record(request, user, Kind.LOGOUT, reason=reason)


def _user_for_email(email: str):
    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    if address is not None:
        return address.user
    return get_user_model().objects.filter(email__iexact=email).first()


@receiver(auth_signals.user_login_failed, dispatch_uid="security.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    email = credentials.get("email") or credentials.get("username") or ""
    user = _user_for_email(email) if isinstance(email, str) and email else None
    if user is not None:
        # Shown to the account's owner only: nothing about it is visible to whoever
        # typed the address, so this does not reveal which addresses have accounts.
        record(request, user, Kind.LOGIN_FAILED, step="password")
    else:
        # Unknown address: store no address, only a keyed hash, so staff can still see
        # one address being tried again and again.
        ref = pseudonym("login_failed", email.strip().lower()) if isinstance(email, str) else None
        record(request, None, Kind.LOGIN_FAILED, step="password", email_ref=ref)


@receiver(mfa_signals.authentication_failed, dispatch_uid="security.mfa_failed")
def on_mfa_failed(sender, request, user, authenticator=None, **kwargs):
    # The password was right: this is the event that most needs the owner's attention.
    record(
        request, user, Kind.LOGIN_FAILED, step="two_factor",
        method=getattr(authenticator, "type", None),
        reauthentication=bool(kwargs.get("reauthentication")) or None,
    )


@receiver(account_signals.password_changed, dispatch_uid="security.password_changed")
def on_password_changed(sender, request, user, **kwargs):
    record(request, user, Kind.PASSWORD_CHANGED)


@receiver(account_signals.password_set, dispatch_uid="security.password_set")
def on_password_set(sender, request, user, **kwargs):
    record(request, user, Kind.PASSWORD_CHANGED, change="set")


@receiver(account_signals.password_reset, dispatch_uid="security.password_reset")
def on_password_reset(sender, request, user, **kwargs):
    record(request, user, Kind.PASSWORD_RESET)


# The addresses themselves are not copied into the log: the owner sees them on the
# email page, and a copy here would outlive their removal.
@receiver(account_signals.email_changed, dispatch_uid="security.email_changed")
def on_email_changed(sender, request, user, **kwargs):
    record(request, user, Kind.EMAIL_CHANGED, change="primary")


@receiver(account_signals.email_added, dispatch_uid="security.email_added")
def on_email_added(sender, request, user, **kwargs):
    record(request, user, Kind.EMAIL_CHANGED, change="added")


@receiver(account_signals.email_removed, dispatch_uid="security.email_removed")
def on_email_removed(sender, request, user, **kwargs):
    record(request, user, Kind.EMAIL_CHANGED, change="removed")


@receiver(account_signals.email_confirmed, dispatch_uid="security.email_confirmed")
def on_email_confirmed(sender, request, email_address, **kwargs):
    record(request, email_address.user, Kind.EMAIL_CHANGED, change="verified")


@receiver(mfa_signals.authenticator_added, dispatch_uid="security.mfa_added")
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        record(request, user, Kind.RECOVERY_CODES_GENERATED)
    else:
        record(request, user, Kind.MFA_ADDED, method=authenticator.type)


@receiver(mfa_signals.authenticator_reset, dispatch_uid="security.mfa_reset")
def on_authenticator_reset(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        record(request, user, Kind.RECOVERY_CODES_GENERATED, change="regenerated")
    else:
        record(request, user, Kind.MFA_ADDED, method=authenticator.type, change="reset")


@receiver(mfa_signals.authenticator_removed, dispatch_uid="security.mfa_removed")
def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    record(request, user, Kind.MFA_REMOVED, method=authenticator.type)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="security.forget")
def forget_security_events(sender, instance, **kwargs):
    """A deleted user's events go with them (IPs and user agents are personal data),
    whether the account is deleted by its owner or by staff in the admin."""
    SecurityEvent.objects.filter(user_id=instance.pk).delete()
