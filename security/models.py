"""The security log: what happened to an account, when, and from where.

Rows hold no secrets: never a password, code, token or session key (see `events.record`,
which drops detail keys that look like one). A failed sign-in for an address that has no
account stores no address at all, only a keyed hash of it (`email_ref`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

USER_AGENT_MAX_LENGTH = 300


class SecurityEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in attempt")
        LOGOUT = "logout", _("Signed out")
        MFA_ADDED = "mfa_added", _("Two-factor method added")
        MFA_REMOVED = "mfa_removed", _("Two-factor method removed")
        RECOVERY_CODES_GENERATED = "recovery_codes_generated", _("Recovery codes generated")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset by email")
        EMAIL_CHANGED = "email_changed", _("Email addresses changed")
        DATA_EXPORTED = "data_exported", _("Data exported")
        ACCOUNT_DELETED = "account_deleted", pgettext_lazy("security event", "Account deleted")
        CALENDAR_TOKEN_REGENERATED = "calendar_token_regenerated", _("Calendar link replaced")
        SESSIONS_REVOKED = "sessions_revoked", _("Other sessions signed out")
        # "If I go quiet" (the handoff app).
        QUIET_PLAN_SAVED = "quiet_plan_saved", _("Quiet period set")
        QUIET_PLAN_CANCELLED = "quiet_plan_cancelled", _("Quiet period turned off")
        QUIET_CONTACT_ADDED = "quiet_contact_added", _("Trusted contact added")
        QUIET_CONTACT_CONFIRMED = "quiet_contact_confirmed", _("Trusted contact confirmed")
        QUIET_CONTACT_REMOVED = "quiet_contact_removed", _("Trusted contact removed")
        QUIET_STILL_HERE = "quiet_still_here", _("Confirmed you are still here")
        QUIET_WARNING_SENT = "quiet_warning_sent", _("Quiet period warning sent")
        QUIET_HANDOFF_SENT = "quiet_handoff_sent", _("Handoff sent to trusted contacts")
        QUIET_HANDOFF_OPENED = "quiet_handoff_opened", _("Handoff page opened by a contact")
        QUIET_OWNER_RETURNED = "quiet_owner_returned", _(
            "Back after a handoff: contacts' access ended"
        )

    # SET_NULL, not CASCADE, so an event can outlive or lack a user (a failed sign-in
    # for an unknown address, "account deleted"). Deleting a user still removes their
    # events: see security.receivers.forget_security_events.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="security_events",
    )
    kind = models.CharField(max_length=32, choices=Kind)
    created_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The activity page: one user's newest events.
            models.Index(fields=["user", "-created_at"], name="securityevent_user_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"
