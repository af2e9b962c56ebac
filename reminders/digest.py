"""The reminder digest: which accounts need a login, and the email that says so.

Built in Python from rows already loaded (no queries here), so a digest costs the same
whatever the number of accounts. The email links only to this app (the walkthrough for
each account, settings, unsubscribe), never to an exchange, and never asks for a
credential: a phishing copy can't borrow a "log in here" button from us.

Each email is written in its recipient's language: `digest_message` renders inside
`translation.override(digest.language)`, one message at a time, and every sentence an
item shows (status, explanation, what to do) is produced at render time, not when the
item was built, so a batch of users in four languages comes out right.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy

from accounts.models import ExchangeAccount
from accounts.status import Status, StatusReport, account_status
from config.dates import format_date

from .mime import OutgoingEmail
from .tokens import unsubscribe_token

if TYPE_CHECKING:  # a dev dependency: str or a lazy translation, for the type checker
    from django_stubs_ext import StrOrPromise

SUBJECT_TEMPLATE = "emails/digest_subject.txt"
TEXT_TEMPLATE = "emails/digest.txt"
HTML_TEMPLATE = "emails/digest.html"
DEFAULT_SITE_URL = "http://127.0.0.1:8000"
SUBJECT_MAX_LENGTH = 150
NEVER_ASK = gettext_lazy("We will never ask for your password, 2FA codes or recovery phrase.")

WHAT_TO_DO: "dict[Status, StrOrPromise]" = {
    Status.DUE_SOON: gettext_lazy(
        "Log in before %(due)s, then record the check-in in Dormant Guard."
    ),
    Status.OVERDUE: gettext_lazy(
        "Log in soon and record the check-in. While you are there, look over the "
        "devices and API keys on the account."
    ),
    Status.DORMANT: gettext_lazy(
        "Log in as soon as you can: the exchange may restrict dormant accounts. The "
        "walkthrough lists what to check once you are back in."
    ),
    Status.LONG_DORMANT: gettext_lazy(
        "Set aside some time: expect extra verification and possibly new identity (KYC) "
        "requests. The walkthrough takes you through it step by step."
    ),
}

# Inline colours for the HTML email (mail clients ignore style sheets), from app.css.
STATUS_COLOURS: dict[Status, tuple[str, str]] = {
    Status.DUE_SOON: ("#1e40af", "#dbeafe"),
    Status.OVERDUE: ("#854d0e", "#fef3c7"),
    Status.DORMANT: ("#991b1b", "#fee2e2"),
    Status.LONG_DORMANT: ("#6b21a8", "#f3e8ff"),
}


def site_url() -> str:
    return getattr(settings, "SITE_URL", DEFAULT_SITE_URL).rstrip("/")


def absolute_url(path: str) -> str:
    return f"{site_url()}{path}"


# reverse() costs tens of microseconds and a digest has half a dozen links: each view's
# path is reversed once (per language and URLconf) around a placeholder, then filled in.
PATH_PLACEHOLDER = "9876543210"


@lru_cache(maxsize=64)
def _path_template(name: str, language: str | None, urlconf: str) -> str:
    return reverse(name, args=[PATH_PLACEHOLDER])


def link(name: str, arg: int | str) -> str:
    """The absolute URL of view `name` with its one argument (an id or a token)."""
    template = _path_template(name, get_language(), settings.ROOT_URLCONF)
    return absolute_url(template.replace(PATH_PLACEHOLDER, str(arg)))


@dataclass(frozen=True)
class DigestItem:
    account_id: int
    name: str
    report: StatusReport

    @property
    def status(self) -> Status:
        return self.report.status

    @property
    def next_check_in_on(self) -> datetime.date:
        return self.report.next_check_in_on

    @property
    def urgency(self) -> int:
        return self.report.urgency

    @property
    def days_until_due(self) -> int:
        return self.report.days_until_due

    # Worked out only when an email is rendered: the sweep's claim needs none of it.
    @cached_property
    def walkthrough_url(self) -> str:
        return link("walkthrough", self.account_id)

    @property
    def status_label(self) -> str:
        return str(self.status.label)

    @property
    def explanation(self) -> str:
        return self.report.explanation

    @property
    def what_to_do(self) -> str:
        """In the active language (a property, so it follows the email's language)."""
        text = str(WHAT_TO_DO[self.status])
        if self.status == Status.DUE_SOON:
            text %= {"due": format_date(self.next_check_in_on)}
        return text

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.status][0]

    @property
    def background(self) -> str:
        return STATUS_COLOURS[self.status][1]

    def as_log_entry(self) -> dict:
        return {"id": self.account_id, "name": self.name, "status": self.status.value}


def _item(account: ExchangeAccount, today: datetime.date, warn_days: int) -> DigestItem | None:
    report = account_status(account, today, warn_days=warn_days)
    if report.status == Status.ACTIVE:
        return None
    return DigestItem(
        account_id=account.pk,
        name=str(account),
        report=report,
    )


def digest_items(
    accounts: Iterable[ExchangeAccount], today: datetime.date, warn_days: int
) -> list[DigestItem]:
    """Every non-archived account that isn't active, most urgent first."""
    items = [
        item for account in accounts
        if account.archived_at is None and (item := _item(account, today, warn_days))
    ]
    return sorted(items, key=lambda i: (-i.urgency, i.days_until_due, i.name, i.account_id))


@dataclass(frozen=True)
class Digest:
    user_id: int
    recipient: str
    items: list[DigestItem]
    today: datetime.date
    safety_phrase: str = ""
    is_test: bool = False
    # The recipient's language (User.email_language); "" means the site's default.
    language: str = ""

    @cached_property
    def _unsubscribe_token(self) -> str:
        return unsubscribe_token(self.user_id)

    @property
    def unsubscribe_url(self) -> str:
        """The confirm page, for people; mail clients POST to `one_click_unsubscribe_url`."""
        return link("reminder_unsubscribe", self._unsubscribe_token)

    @property
    def one_click_unsubscribe_url(self) -> str:
        return link("reminder_unsubscribe_one_click", self._unsubscribe_token)

    @property
    def settings_url(self) -> str:
        return absolute_url(reverse("reminder_settings"))


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_digest(digest: Digest) -> RenderedEmail:
    """Subject, text and HTML, in the recipient's language."""
    with translation.override(digest.language or settings.LANGUAGE_CODE):
        return _render(digest)


def _render(digest: Digest) -> RenderedEmail:
    context = {
        "digest": digest,
        "items": digest.items,
        "most_urgent": digest.items[0] if digest.items else None,
        "others": len(digest.items) - 1,
        "today": format_date(digest.today),
        "unsubscribe_url": digest.unsubscribe_url,
        "settings_url": digest.settings_url,
        "site_url": site_url(),
        "never_ask": NEVER_ASK,
    }
    subject = " ".join(render_to_string(SUBJECT_TEMPLATE, context).split())
    return RenderedEmail(
        subject=subject[:SUBJECT_MAX_LENGTH],
        text=render_to_string(TEXT_TEMPLATE, context),
        html=render_to_string(HTML_TEMPLATE, context),
    )


def digest_email(digest: Digest, headers: dict[str, str] | None = None) -> OutgoingEmail:
    """The email, with RFC 8058 one-click unsubscribe headers; `headers` adds delivery
    headers such as the Message-ID (reminders/sending.py)."""
    rendered = render_digest(digest)
    return OutgoingEmail(
        from_header=settings.DEFAULT_FROM_EMAIL,
        to=digest.recipient,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        headers={
            **(headers or {}),
            "List-Unsubscribe": f"<{digest.one_click_unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # RFC 3834: stops vacation auto-replies to a machine-sent email.
            "Auto-Submitted": "auto-generated",
        },
    )


def digest_message(digest: Digest) -> EmailMultiAlternatives:
    """The email as a Django message (for previews and tests)."""
    return digest_email(digest).as_django_message()
