"""The handoff's emails, each rendered in its reader's language.

Warnings go to the owner in their language (`User.email_language`); a contact has no
account here, so their emails are written in the owner's language too (the owner chose
them and likely shares it). `warn_owner` is the one entry point for warnings: the
email to the sign-in address, then every channel the owner set to get quiet warnings
(reminders/channels.py): another verified address gets the same email, a chat or push
channel a short text whose only link is the quiet page, behind sign-in (the email's
signed "I'm here" link stays out of chat services' logs).

Sent with Django's mailer, synchronously: a sweep sends a handful of these a day. A send
that fails after its claim is logged on the claim (`error`) and not retried, so a
contact never gets two different handoff links; the owner sees it on the quiet page.
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop, ngettext

from config.dates import format_date
from reminders import channels
from reminders.models import Channel, ChannelKind

from . import tokens

SUBJECT_MAX_LENGTH = 150
# The same words as the reminder sender's skip reason, so the catalogs hold one entry.
UNVERIFIED = gettext_noop("The email address is not verified.")


def _site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def _url(name: str, *args) -> str:
    return _site_url() + reverse(name, args=args)


def _send(to: str, language: str, template: str, context: dict) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {**context, "site_url": _site_url()}
        rendered = render_to_string(f"emails/handoff/{template}_subject.txt", context)
        subject = " ".join(rendered.split())
        body = render_to_string(f"emails/handoff/{template}.txt", context)
    EmailMessage(
        subject=subject[:SUBJECT_MAX_LENGTH], body=body, to=[to],
        headers={"Auto-Submitted": "auto-generated"},
    ).send()


def warn_owner(plan, days_left: int) -> None:
    """Tell the owner the quiet period ends in `days_left` days, with an "I'm here" link."""
    owner = plan.owner
    with translation.override(owner.email_language):
        ends_on = format_date(plan.ends_at.date())
    context = {
        "days_left": days_left,
        "ends_on": ends_on,
        "here_url": _url("quiet_here_link", tokens.here_token(plan.pk)),
        "plan_url": _url("quiet_plan"),
        "contacts": plan.contacts.filter(confirmed_at__isnull=False).count(),
    }
    _send(owner.email, owner.email_language, "warning", context)
    for channel in Channel.objects.filter(user=owner, enabled=True, gets_quiet_warnings=True):
        _warn_on_channel(channel, owner.email_language, context)


def _warn_on_channel(channel: Channel, language: str, context: dict) -> None:
    """One channel's copy of the warning. A failing channel is noted on its card and
    does not stop the others: the email to the sign-in address has already gone."""
    try:
        if channel.kind == ChannelKind.EMAIL:
            if not _still_verified(channel):
                # Removed from the owner's addresses since: the signed link stays home.
                channels.note_outcome(channel.pk, sent=False, error=UNVERIFIED)
                return
            _send(channel.email, language, "warning", context)
        else:
            channels.send(channel, _chat_warning(language, context))
    except Exception as error:  # noqa: BLE001 - any channel failure is the channel's own
        channels.note_outcome(channel.pk, sent=False, error=str(error))
    else:
        channels.note_outcome(channel.pk, sent=True)


def _still_verified(channel: Channel) -> bool:
    return EmailAddress.objects.filter(
        user_id=channel.user_id, email__iexact=channel.email, verified=True
    ).exists()


def _chat_warning(language: str, context: dict) -> channels.ChatMessage:
    with translation.override(language or settings.LANGUAGE_CODE):
        days = context["days_left"]
        return channels.ChatMessage(
            title=ngettext(
                "Dormant Guard: your trusted contacts get your handoff in %(days)d day",
                "Dormant Guard: your trusted contacts get your handoff in %(days)d days",
                days,
            ) % {"days": days},
            body="\n".join([
                gettext(
                    "You have not signed in or recorded a check-in for a while. Sign in "
                    "and press “I'm here” to keep your plan waiting: %(url)s"
                ) % {"url": context["plan_url"]},
                gettext("We will never ask for your password, 2FA codes or recovery phrase."),
            ]),
        )


def ask_contact_to_confirm(contact) -> None:
    owner = contact.plan.owner
    _send(contact.email, owner.email_language, "confirm", {
        "owner_email": owner.email,
        "confirm_url": _url("handoff_confirm", tokens.confirm_token(contact.pk)),
        "quiet_days": contact.plan.quiet_days,
    })


def send_handoff(contact, access_token: str) -> None:
    owner = contact.plan.owner
    with translation.override(owner.email_language):
        expires_on = format_date(contact.access_expires_at.date())
    _send(contact.email, owner.email_language, "handoff", {
        "owner_email": owner.email,
        "handoff_url": _url("handoff_page", access_token),
        "expires_on": expires_on,
        "quiet_days": contact.plan.quiet_days,
    })
