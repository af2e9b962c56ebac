"""The handoff's emails, each rendered in its reader's language.

Warnings go to the owner in their language (`User.email_language`); a contact has no
account here, so their emails are written in the owner's language too (the owner chose
them and likely shares it). `warn_owner` is the one entry point for warnings, so chat
channels can be added to it later without touching the sweep.

Sent with Django's mailer, synchronously: a sweep sends a handful of these a day. A send
that fails after its claim is logged on the claim (`error`) and not retried, so a
contact never gets two different handoff links; the owner sees it on the quiet page.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from config.dates import format_date

from . import tokens

SUBJECT_MAX_LENGTH = 150


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
    _send(owner.email, owner.email_language, "warning", {
        "days_left": days_left,
        "ends_on": ends_on,
        "here_url": _url("quiet_here_link", tokens.here_token(plan.pk)),
        "plan_url": _url("quiet_plan"),
        "contacts": plan.contacts.filter(confirmed_at__isnull=False).count(),
    })


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
