"""Emails and the calendar feed in the recipient's language, one message at a time.

The `..._is_in_<language>` tests pass with empty catalogs (lang attributes, dates, the
per-message switch); the `..._has_no_english_left` tests need the translations."""

import datetime
import email
import email.policy

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from reminders import preferences
from reminders.digest import Digest, digest_items, digest_message
from reminders.sweep import run_sweep
from tests.english import html_lang, readable_text, untranslated
from tests.factories import ExchangeFactory, UserFactory
from tests.test_reminders_support import NOW, TODAY, account_for, set_preference

pytestmark = pytest.mark.django_db

SITE = "https://guard.example.com"
JA_TODAY = f"{TODAY.year}年{TODAY.month}月{TODAY.day}日"


@pytest.fixture(autouse=True)
def _pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


def holder(email_address: str, language: str):
    user = UserFactory(email=email_address, language=language)
    binance = ExchangeFactory(slug="binance", name="Binance", dormancy_after_days=180)
    kraken = ExchangeFactory(slug="kraken", name="Kraken", dormancy_after_days=None)
    account_for(user, 80, exchange=kraken, label="Staking")  # due soon
    account_for(user, 100, exchange=kraken, label="Trading")  # overdue
    account_for(user, 200, exchange=binance, label="Bot")  # dormant
    account_for(user, 400, exchange=binance, label="Old DCA")  # long dormant
    set_preference(user, safety_phrase="purple otter at noon")
    return user


USER_DATA = ("Binance", "Kraken", "Staking", "Trading", "Old DCA", "purple otter at noon")


def html_part(message) -> str:
    return next(body for body, kind in message.alternatives if kind == "text/html")


def digest_for(user, language: str):
    """The same digest as the sweep would build, rendered in `language`."""
    accounts = list(user.exchange_accounts.select_related("exchange"))
    digest = Digest(
        user_id=user.pk, recipient=user.email, items=digest_items(accounts, TODAY, 14),
        today=TODAY, safety_phrase="purple otter at noon", language=language,
    )
    return digest_message(digest)


def english_left(english, other) -> list[str]:
    """English sentences shared by the two versions of one email (subject, text, HTML)."""
    texts = {
        "subject": ([english.subject], [other.subject]),
        "text": (english.body.splitlines(), other.body.splitlines()),
        "html": (readable_text(html_part(english)), readable_text(html_part(other))),
    }
    return [f"{part}: {run}" for part, (en, xx) in texts.items()
            for run in untranslated(en, xx, USER_DATA)]


# --- The digest ------------------------------------------------------------------------


@override_settings(SITE_URL=SITE)
def test_a_digest_is_written_in_its_recipients_language_one_message_at_a_time():
    """One sweep, two users, two languages: each email in its own, whatever the
    process's language."""
    holder("en@example.com", "en")
    holder("ja@example.com", "ja")
    with translation.override("ko"):
        run_sweep()
    sent = {message.to[0]: message for message in mail.outbox}
    assert html_lang(html_part(sent["ja@example.com"])) == "ja"
    assert html_lang(html_part(sent["en@example.com"])) == "en"
    assert JA_TODAY in sent["ja@example.com"].body
    assert TODAY.strftime("%-d %b %Y") in sent["en@example.com"].body
    assert translation.get_language() == "en"  # nothing leaked into the process


@override_settings(SITE_URL=SITE)
def test_a_japanese_subject_is_an_encoded_header():
    user = holder("ja@example.com", "ja")
    message = digest_for(user, "ja")
    message.subject = "休眠中のアカウントがあります"
    raw = message.message().as_bytes()
    assert raw.isascii()  # every header encoded (RFC 2047), body 8-bit-safe
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "休眠中のアカウントがあります"


@override_settings(SITE_URL=SITE)
def test_a_japanese_digest_has_no_english_left():
    user = holder("ja@example.com", "ja")
    left = english_left(digest_for(user, "en"), digest_for(user, "ja"))
    assert not left, "English left in the Japanese digest:\n  " + "\n  ".join(left)


@override_settings(SITE_URL=SITE)
@pytest.mark.parametrize("language", ["zh-hans", "ko"])
def test_digests_in_the_other_languages_have_no_english_left(language):
    user = holder("someone@example.com", language)
    left = english_left(digest_for(user, "en"), digest_for(user, language))
    assert not left, f"English left in the {language} digest:\n  " + "\n  ".join(left)


# --- The test reminder -------------------------------------------------------------------


def send_test_reminder(user):
    client = Client()
    client.force_login(user)
    response = client.post(reverse("reminder_send_test"))
    assert response.status_code == 302
    (message,) = mail.outbox
    mail.outbox.clear()
    return message


@override_settings(SITE_URL=SITE)
def test_a_test_reminder_to_a_japanese_reader_is_in_japanese():
    user = holder("ja@example.com", "ja")
    japanese = send_test_reminder(user)
    assert html_lang(html_part(japanese)) == "ja"
    assert JA_TODAY in japanese.body

    user.language = "en"
    user.save()
    english = send_test_reminder(user)
    left = english_left(english, japanese)
    assert not left, "English left in the Japanese test reminder:\n  " + "\n  ".join(left)


# --- The calendar feed --------------------------------------------------------------------


def feed_texts(user, token: str) -> list[str]:
    """Every reader-facing text of the feed: calendar name, event titles, descriptions,
    alarm texts (a calendar app sends no cookies and no useful Accept-Language)."""
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("reminder_calendar_feed", args=[token])
    )
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    texts = [str(calendar["X-WR-CALNAME"])]
    for component in calendar.walk():
        texts += [str(component[key]) for key in ("SUMMARY", "DESCRIPTION") if key in component]
    return texts


@override_settings(SITE_URL=SITE)
def test_the_calendar_feed_is_in_the_users_language():
    user = holder("ja@example.com", "ja")
    token = preferences.create_feed_token(preferences.preference_for(user, NOW), NOW)
    japanese = feed_texts(user, token)
    due = min(a.next_check_in_on for a in user.exchange_accounts.all())
    assert any(f"{due.year}年{due.month}月{due.day}日" in text for text in japanese)

    user.language = "en"
    user.save()
    english = feed_texts(user, token)
    left = untranslated(english, japanese, USER_DATA)
    assert not left, "English left in the Japanese calendar feed:\n  " + "\n  ".join(left)


# --- Pages reached from an email ----------------------------------------------------------


def test_the_unsubscribe_page_speaks_the_recipients_language():
    from reminders.tokens import unsubscribe_token

    user = UserFactory(language="ko")
    url = reverse("reminder_unsubscribe", args=[unsubscribe_token(user.pk)])
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)  # an English webmail's browser
    assert html_lang(response.content.decode()) == "ko"


def test_a_user_who_never_chose_gets_emails_in_the_default_language():
    user = UserFactory(language="")
    assert user.email_language == "en"
    digest = Digest(user_id=user.pk, recipient=user.email, items=[], today=TODAY,
                    language=user.email_language)
    assert html_lang(html_part(digest_message(digest))) == "en"


def test_the_digest_date_helper_is_not_stuck_in_one_language():
    day = datetime.date(2026, 11, 24)
    for language, expected in [("ja", "2026年11月24日"), ("en", "24 Nov 2026")]:
        message = digest_message(Digest(user_id=1, recipient="a@example.com", items=[],
                                        today=day, language=language))
        assert expected in message.body


# --- allauth's own emails (translated upstream) --------------------------------------------


def test_the_sign_up_email_is_in_the_language_the_visitor_signed_up_in():
    subjects = {}
    for language in ("en", "ja"):
        Client(HTTP_ACCEPT_LANGUAGE=language).post(reverse("account_signup"), {
            "email": f"new-{language}@example.com", "password1": "a long enough pass 123",
            "password2": "a long enough pass 123",
        })
        (message,) = mail.outbox
        mail.outbox.clear()
        subjects[language] = message.subject
    assert subjects["en"].startswith("[Dormant Guard] ")
    assert subjects["ja"].startswith("[Dormant Guard] ")
    assert subjects["ja"] != subjects["en"]
    assert any("\u3040" <= char <= "\u30ff" or "\u4e00" <= char <= "\u9fff"
               for char in subjects["ja"])
