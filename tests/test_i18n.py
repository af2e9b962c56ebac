"""Four languages: which one a page is served in, the picker, the user's stored choice.

These pass with empty catalogs: they check the machinery (lang attributes, cookies, the
stored choice, dates), not the translations (see test_translations.py for those)."""

import csv
import io
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.forms import CheckInForm, ExchangeAccountForm
from handoff.forms import ContactForm, QuietPlanForm
from handoff.models import QuietPlan
from reminders.forms import ReminderPreferenceForm
from security.forms import DeleteAccountForm
from tests.conftest import reauthenticate
from tests.english import html_lang
from tests.factories import ExchangeAccountFactory, UserFactory

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME
NATIVE_NAMES = ["English", "简体中文", "日本語", "한국어"]


def lang_of(response) -> str | None:
    assert response.status_code == 200, response.status_code
    return html_lang(response.content.decode())


def signed_in(user, **client_options) -> Client:
    client = Client(**client_options)
    client.force_login(user)
    return client


# --- Which language a page is in ------------------------------------------------------


@pytest.mark.parametrize(("accept", "expected"), [
    ("ja,en;q=0.5", "ja"),
    ("ko-KR,ko;q=0.9", "ko"),
    ("zh-CN,zh;q=0.9", "zh-hans"),
    ("en-GB,en;q=0.8", "en"),
    ("fr-FR,fr;q=0.9", "en"),  # a language we don't have: English
])
def test_a_visitor_gets_the_language_their_browser_asks_for(accept, expected):
    response = Client(HTTP_ACCEPT_LANGUAGE=accept).get(reverse("home"))
    assert lang_of(response) == expected
    assert response["Content-Language"] == expected
    assert "Accept-Language" in response["Vary"]


def test_the_picker_names_each_language_in_itself_in_header_and_footer():
    html = Client(HTTP_ACCEPT_LANGUAGE="ja").get(reverse("home")).content.decode()
    for form in re.findall(r'<form[^>]*action="/i18n/setlang/".*?</form>', html, re.S):
        names = re.findall(r'<button[^>]*name="language"[^>]*lang="([^"]+)"[^>]*>([^<]+)</button>',
                           form)
        assert names == [("en", "English"), ("zh-hans", "简体中文"), ("ja", "日本語"),
                         ("ko", "한국어")]
        assert 'value="ja" lang="ja" class="link-button" aria-current="true"' in form
    assert html.count('action="/i18n/setlang/"') == 2  # header and footer


def test_a_visitor_picks_a_language_and_keeps_it():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("set_language"), {"language": "ko", "next": "/privacy/"})
    assert response.status_code == 302
    assert response["Location"] == "/privacy/"
    assert client.cookies[COOKIE].value == "ko"
    assert client.cookies[COOKIE]["max-age"] == settings.LANGUAGE_COOKIE_AGE
    assert lang_of(client.get(reverse("privacy"))) == "ko"


def test_the_picker_needs_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set_language"), {"language": "ko"})
    assert response.status_code == 403
    assert COOKIE not in client.cookies


def test_an_unknown_language_or_a_get_changes_nothing(owner):
    client = signed_in(owner)
    client.post(reverse("set_language"), {"language": "xx"})
    client.get(reverse("set_language"), {"language": "ja"})
    owner.refresh_from_db()
    assert owner.language == ""
    assert COOKIE not in client.cookies


def test_a_signed_in_users_choice_is_stored_and_wins_on_every_device(owner):
    laptop = signed_in(owner, HTTP_ACCEPT_LANGUAGE="en")
    laptop.post(reverse("set_language"), {"language": "ja", "next": "/dashboard/"})
    owner.refresh_from_db()
    assert owner.language == "ja"

    # Another device: an English browser with an English cookie still gets Japanese.
    phone = signed_in(owner, HTTP_ACCEPT_LANGUAGE="en-US")
    phone.cookies[COOKIE] = "en"
    response = phone.get(reverse("dashboard"))
    assert lang_of(response) == "ja"
    # Signing in adopts the user's language on this device, so it stays after sign-out.
    assert response.cookies[COOKIE].value == "ja"


def test_the_cookie_is_not_rewritten_once_it_matches(owner):
    owner.language = "ko"
    owner.save()
    client = signed_in(owner)
    client.cookies[COOKIE] = "ko"
    assert COOKIE not in client.get(reverse("dashboard")).cookies


def test_a_user_who_never_picked_follows_the_browser(owner):
    assert lang_of(signed_in(owner, HTTP_ACCEPT_LANGUAGE="ko").get(reverse("dashboard"))) == "ko"


def test_sign_up_keeps_the_language_the_visitor_was_reading():
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.post(reverse("account_signup"), {
        "email": "new@example.com", "password1": "a long enough pass 123",
        "password2": "a long enough pass 123",
    })
    user = UserFactory._meta.model.objects.get(email="new@example.com")
    assert user.language == "ja"


# --- Pages, errors and emails carry the right lang ----------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans", "ja", "ko"])
def test_the_404_page_is_in_the_readers_language(language):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/no-such-page/")
    assert response.status_code == 404
    assert html_lang(response.content.decode()) == language


@pytest.mark.parametrize("template", ["400.html", "500.html", "429.html", "403.html"])
def test_error_pages_exist_and_follow_the_language(template, rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    with translation.override("ko"):
        html = render_to_string(template, request=request if template[0] == "4" else None)
    assert html_lang(html) == "ko"


def test_dates_on_pages_follow_the_language(owner):
    account = ExchangeAccountFactory(owner=owner, label="Main")
    owner.language = "ja"
    owner.save()
    html = signed_in(owner).get(account.get_absolute_url()).content.decode()
    day = account.last_login_on
    assert f"{day.year}年{day.month}月{day.day}日" in html


# --- Forms -------------------------------------------------------------------------------


def test_no_form_label_ends_in_a_colon(owner):
    account = ExchangeAccountFactory(owner=owner)
    forms = [
        ExchangeAccountForm(owner=owner), CheckInForm(account=account),
        ReminderPreferenceForm(), DeleteAccountForm(user=owner),
        QuietPlanForm(), ContactForm(plan=QuietPlan(owner=owner)),
    ]
    for language in ("en", "ja", "zh-hans"):
        with translation.override(language):
            for form in forms:
                for field in form:
                    assert not re.search(r"[:：]\s*</label>", str(field.label_tag())), field


def test_allauth_forms_have_no_label_colon_either():
    html = Client().get(reverse("account_login")).content.decode()
    labels = re.findall(r"<label[^>]*>([^<]*)</label>", html)
    assert labels and not [label for label in labels if label.rstrip().endswith(":")]


def test_date_inputs_keep_iso_values_in_every_language(owner):
    account = ExchangeAccountFactory(owner=owner)
    with translation.override("ko"):
        html = str(ExchangeAccountForm(instance=account)["opened_on"].as_widget())
        html += str(CheckInForm(account=account, initial={"on": account.last_login_on})["on"])
    assert 'type="date"' in html
    assert f'value="{account.last_login_on.isoformat()}"' in html


# --- CJK data ------------------------------------------------------------------------------


@pytest.mark.parametrize("notes", [
    "主账户，2019年开的，用于定投。密码在密码管理器里。",
    "メイン口座。2019年に開設、積立用。パスワードはパスワードマネージャーに保存。",
    "메인 계정입니다. 2019년에 만들었고 적립식 투자용입니다.",
])
def test_ordinary_cjk_notes_are_not_refused_as_secrets(owner, notes):
    form = ExchangeAccountForm({
        "exchange_choice": "binance", "last_login_on": "2026-01-05",
        "check_in_every_days": 90, "two_factor_method": "unknown", "phone_status": "unknown",
        "kyc_status": "unknown", "label": "メイン", "notes": notes, "holds_assets": "on",
    }, owner=owner)
    assert form.is_valid(), form.errors


def test_csv_export_opens_in_excel_with_cjk_labels(owner):
    ExchangeAccountFactory(owner=owner, label="積立用 메인 主账户")
    client = signed_in(owner)
    reauthenticate(client, owner)  # exports ask for the password again
    response = client.get(reverse("export_csv"))
    assert response.content.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["label"] == "積立用 메인 主账户"
