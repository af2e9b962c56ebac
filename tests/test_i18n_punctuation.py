"""Punctuation belongs to the translation: brackets, colons, list and clause separators
around translated text come from the catalogs, so Chinese and Japanese get their
full-width forms （ ） ： 、 ； and English keeps its own."""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.charts import check_in_timeline_svg
from accounts.models import ExchangeFact
from config.lists import join_sentences
from reminders.models import ReminderLog
from security.events import record
from security.models import SecurityEvent
from tests.factories import CheckInFactory, ExchangeAccountFactory, ExchangeFactory, UserFactory
from tests.test_i18n_emails import digest_for, holder, html_part

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 24)


@pytest.fixture(autouse=True)
def _pinned(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC), tick=False)


def page_in(language: str, user, url: str) -> str:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "20 Oct 2025 (400 days ago)"),
    ("ja", "2025年10月20日（400日前）"),
    ("zh-hans", "2025年10月20日（400 天前）"),
])
def test_the_last_login_and_its_age_use_the_languages_brackets(owner, language, expected):
    account = ExchangeAccountFactory(owner=owner, last_login_on=TODAY - datetime.timedelta(400))
    assert expected in page_in(language, owner, account.get_absolute_url())


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "<strong>Inactivity fee.</strong> A monthly fee"),
    ("ja", "<strong>未利用口座手数料：</strong>A monthly fee"),
    ("ko", "<strong>미사용 수수료:</strong> A monthly fee"),
])
def test_a_fact_kind_introduces_its_summary_in_the_languages_style(owner, language, expected):
    exchange = ExchangeFactory(slug="kraken", name="Kraken")
    ExchangeFact.objects.create(exchange=exchange, kind=ExchangeFact.Kind.FEE,
                                summary="A monthly fee after a year.", checked_on=TODAY)
    account = ExchangeAccountFactory(owner=owner, exchange=exchange)
    assert expected in page_in(language, owner, account.get_absolute_url())


@pytest.mark.parametrize(("language", "expected"), [
    ("en", 'Failed sign-in attempt</strong><span class="muted small"> (wrong password)</span>'),
    ("zh-hans", '登录失败</strong><span class="muted small">（密码错误）</span>'),
])
def test_security_event_details_sit_in_the_languages_brackets(owner, language, expected):
    record(None, owner, SecurityEvent.Kind.LOGIN_FAILED, step="password")
    html = page_in(language, owner, reverse("security_events"))
    assert expected in html


def test_the_check_in_history_description_joins_its_clauses_the_chinese_way():
    days = [TODAY - datetime.timedelta(d) for d in (10, 200, 900)]
    with translation.override("zh-hans"):
        svg = str(check_in_timeline_svg(days, TODAY, 90))
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1)
    assert "；" in desc and "; " not in desc, desc


@pytest.mark.parametrize("language", ["ja", "zh-hans"])
def test_no_full_width_colon_is_followed_by_a_space_in_a_digest(language):
    message = digest_for(holder(f"{language}@example.com", language), language)
    text, html = message.body, html_part(message)
    assert re.search(r"^1\. [^\n]+：[^\s]", text, re.MULTILINE), text
    assert "： " not in text and "：</strong> " not in html


def test_the_english_digest_keeps_its_own_colons():
    message = digest_for(holder("en@example.com", "en"), "en")
    assert re.search(r"^1\. Binance – Old DCA: Long dormant$", message.body, re.MULTILINE)
    assert "What to do: " in message.body and "<strong>What to do:</strong> " in html_part(message)


@pytest.mark.parametrize(("language", "between", "after"), [
    ("en", "</code>, <code>", "</code>."), ("zh-hans", "</code>、<code>", "</code>。"),
])
def test_the_required_columns_are_listed_with_the_languages_punctuation(
    owner, language, between, after
):
    html = page_in(language, owner, reverse("import_accounts"))
    assert between in html and after in html


def test_account_deleted_reads_as_a_page_title_and_as_an_event(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    with translation.override("ja"):
        title = re.search(r"<title>(.*?)</title>",
                          render_to_string("security/goodbye.html", request=request), re.S)
        event = str(SecurityEvent.Kind.ACCOUNT_DELETED.label)
    assert "アカウント削除完了" in title.group(1)
    assert event == "アカウントを削除"


def test_the_reminder_history_says_when_not_claimed(owner):
    ReminderLog.objects.create(user=owner, cycle="2026-11-20", claimed_at=datetime.datetime(
        2026, 11, 20, 9, 0, tzinfo=datetime.UTC), outcome="sent")
    html = page_in("en", owner, reverse("reminder_settings"))
    assert '<th scope="col">When</th>' in html and "Claimed" not in html


def test_a_list_of_account_names_in_a_chart_tooltip_uses_the_ideographic_comma():
    user = UserFactory()
    exchange = ExchangeFactory(slug="okx", name="OKX", dormancy_after_days=None)
    for label in "甲乙丙丁戊己庚辛壬癸子丑寅卯":
        account = ExchangeAccountFactory(owner=user, exchange=exchange, label=label,
                                         last_login_on=TODAY - datetime.timedelta(400))
        CheckInFactory(account=account, on=TODAY - datetime.timedelta(400))
    html = page_in("zh-hans", user, reverse("dashboard"))
    assert re.search(r"OKX – .、OKX – .", html), "names joined by 、"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "One. Two."), ("ko", "One. Two."), ("ja", "One.Two."), ("zh-hans", "One.Two.")],
)
def test_sentences_are_spaced_as_each_language_writes_them(language, expected):
    with translation.override(language):
        assert join_sentences(["One.", "Two."]) == expected
