"""The digest email: what it lists, in which order, and what it never contains."""

import datetime
import re

import pytest
from django.core import mail
from django.test import override_settings

from reminders.digest import Digest, digest_items, digest_message
from reminders.sweep import run_sweep
from tests.factories import ExchangeFactory, UserFactory
from tests.test_reminders_support import (
    NOW,
    TODAY,
    account_for,
    assert_bodies_contain,
    set_preference,
)

pytestmark = pytest.mark.django_db

SITE = "https://guard.example.com"


@pytest.fixture(autouse=True)
def _pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def kraken(db):
    return ExchangeFactory(slug="kraken", name="Kraken", dormancy_after_days=None,
                           website="https://www.kraken.com")


@pytest.fixture
def holder(db, kraken):
    user = UserFactory(email="holder@example.com")
    binance = ExchangeFactory(slug="binance", name="Binance", dormancy_after_days=180,
                              website="https://www.binance.com")
    account_for(user, 5, exchange=binance, label="Fresh")  # active: not listed
    account_for(user, 80, exchange=kraken, label="Staking")  # due in 10 days
    account_for(user, 100, exchange=kraken, label="Trading")  # overdue
    account_for(user, 400, exchange=binance, label="Old DCA")  # long dormant
    account_for(user, 200, exchange=binance, label="Bot")  # dormant
    archived = account_for(user, 300, exchange=kraken, label="Closed")
    archived.archived_at = NOW
    archived.save()
    set_preference(user, safety_phrase="purple otter at noon")
    return user


def sent_digest():
    assert len(mail.outbox) == 1
    return mail.outbox[0]


@override_settings(SITE_URL=SITE)
def test_the_digest_lists_every_account_that_needs_a_login_most_urgent_first(holder):
    run_sweep()
    message = sent_digest()
    assert message.to == ["holder@example.com"]
    order = [m.group(1) for m in re.finditer(r"^\d+\. (.+?):", message.body, re.MULTILINE)]
    assert order == ["Binance – Old DCA", "Binance – Bot", "Kraken – Trading", "Kraken – Staking"]
    assert message.subject == (
        "Binance – Old DCA is long dormant, and 3 more accounts need a login"
    )
    assert_bodies_contain(message, "Long dormant", "Dormant", "Overdue", "Due soon",
                          "What to do")
    assert "Fresh" not in message.body and "Closed" not in message.body


@override_settings(SITE_URL=SITE)
def test_each_item_links_to_its_walkthrough_in_this_app_and_never_to_an_exchange(holder):
    run_sweep()
    message = sent_digest()
    html = message.alternatives[0][0]
    for account in holder.exchange_accounts.filter(label__in=["Trading", "Old DCA"]):
        assert_bodies_contain(message, f"{SITE}/accounts/{account.pk}/walkthrough/")
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith(SITE + "/") for link in links)
    for body in (message.body, html):
        assert "binance.com" not in body and "kraken.com" not in body
        assert "<img" not in body


def test_the_safety_phrase_is_near_the_top_and_the_footer_says_what_we_never_ask(holder):
    run_sweep()
    message = sent_digest()
    assert_bodies_contain(message, "purple otter at noon",
                          "We will never ask for your password, 2FA codes or recovery phrase")
    assert message.body.index("purple otter at noon") < message.body.index("Kraken")
    html = message.alternatives[0][0]
    assert html.index("purple otter at noon") < html.index("Kraken")


def test_every_digest_carries_one_click_unsubscribe_headers(holder):
    run_sweep()
    message = sent_digest()
    header = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<https://guard\.example\.com/reminders/unsubscribe/[^/]+/one-click/>",
                        header)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_the_html_body_uses_tables_and_inline_styles_only(holder):
    run_sweep()
    html = sent_digest().alternatives[0][0]
    assert "<table" in html and 'style="' in html
    assert "<style" not in html and "<link" not in html and "class=" not in html


def test_names_are_escaped_in_html_and_left_plain_in_text(db, kraken):
    user = UserFactory(email="quotes@example.com")
    account_for(user, 100, exchange=kraken, label="Bob's <b>main</b>")
    set_preference(user)
    run_sweep()
    message = sent_digest()
    assert "Bob's <b>main</b>" in message.body
    assert "Bob&#x27;s &lt;b&gt;main&lt;/b&gt;" in message.alternatives[0][0]
    assert "&#x27;" not in message.subject


def test_a_user_with_nothing_due_gets_nothing(db, kraken):
    user = UserFactory(email="calm@example.com")
    account_for(user, 3, exchange=kraken)
    set_preference(user)
    report = run_sweep()
    assert mail.outbox == []
    assert (report.found, report.digests, report.nothing_due) == (1, 0, 1)


def test_the_users_own_warning_window_decides_what_is_due_soon(db, kraken):
    user = UserFactory(email="early@example.com")
    account_for(user, 50, exchange=kraken)  # due in 40 days
    set_preference(user, warn_days=45)
    run_sweep()
    assert "Due soon" in sent_digest().body


def test_a_test_digest_without_anything_due_says_so():
    digest = Digest(user_id=1, recipient="a@example.com", items=[], today=TODAY, is_test=True)
    message = digest_message(digest)
    assert message.subject == "[Test] Nothing needs a login right now"
    assert_bodies_contain(message, "Nothing needs a login right now",
                          "choose an email safety phrase")


def test_items_are_computed_from_the_accounts_given_without_queries(
    holder, django_assert_num_queries
):
    accounts = list(holder.exchange_accounts.select_related("exchange"))
    with django_assert_num_queries(0):
        items = digest_items(accounts, TODAY + datetime.timedelta(days=1), warn_days=14)
    assert [item.status.value for item in items] == [
        "long_dormant", "dormant", "overdue", "due_soon"
    ]


def test_links_are_what_reverse_gives_for_ids_and_tokens():
    from django.urls import reverse

    from reminders.digest import link
    from reminders.tokens import unsubscribe_token

    token = unsubscribe_token(7)
    site = "https://guard.example.com"
    assert link("reminder_unsubscribe", token) == site + reverse(
        "reminder_unsubscribe", args=[token]
    )
    assert link("walkthrough", 42) == site + reverse("walkthrough", args=[42])
    assert link("walkthrough", 9) != link("walkthrough", 42)
