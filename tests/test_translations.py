"""No English left: every page of the URL walk, allauth's pages and the error pages, in
Simplified Chinese, Japanese and Korean.

Each page is rendered in English and in the language; a run of three or more English
words that the language's render still shares with the English one is an untranslated
string (tests/english.py). These fail until locale/<lang>/LC_MESSAGES/django.po is
translated and compiled (`make messages`); the failure lists the English left over.

What may stay English: the product's name, and data, which is the same in every
language: the user's own labels, notes and emails, and exchange names. The guidance
content (guides, steps, exchange notes and facts) comes from content/*.yaml in each
language, so it is held to the same rule; only the exchanges' own feature names that
their help centres leave in English in every language (PROPER_NAMES) may stay.
"""


import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import reauthenticate
from tests.english import html_lang, readable_text, untranslated
from tests.test_url_access import PUBLIC, ROUTES, STAFF_ONLY, build_world, route_ids

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# Our pages, as the owner sees them (tokens in public URLs name the owner too).
PAGES = [r for r in ROUTES if r.name not in STAFF_ONLY]
# Public pages reached through the owner's token: the owner's language applies.
TOKEN_PAGES = {"reminder_unsubscribe", "reminder_unsubscribe_one_click", "reminder_calendar_feed"}
# allauth's pages: sign-up, sign-in, password and email management, two-factor, sessions.
ALLAUTH_ANONYMOUS = [
    "account_login", "account_signup", "account_reset_password",
    "account_reset_password_done", "account_email_verification_sent",
]
ALLAUTH_SIGNED_IN = [
    "account_email", "account_change_password", "mfa_index", "mfa_activate_totp",
    "mfa_generate_recovery_codes", "usersessions_list", "account_logout",
    "account_reauthenticate",
]
# Exchange features named in English in every language by the exchange itself.
PROPER_NAMES = ("Global Settings Lock",)


@pytest.fixture
def world(owner, other_user):
    return build_world(owner, other_user)


def user_data(world) -> tuple[str, ...]:
    """Strings the user typed or that name them: the same in every language."""
    account = world.account
    return (
        account.label, account.notes, account.login_hint, str(account),
        world.owner.email, world.other_user.email, world.step.title,
    )


def leftovers(english_html: str, other_html: str, world) -> list[str]:
    return [
        run for run in untranslated(
            readable_text(english_html), readable_text(other_html), user_data(world)
        )
        if not any(run in name for name in PROPER_NAMES)
    ]


def client_in(language: str, user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        user.language = language
        user.save(update_fields=["language"])
        client.force_login(user)
        # Export, deletion and the two-factor pages ask for the password first.
        reauthenticate(client, user)
    return client


def render(url: str, language: str, user=None):
    response = client_in(language, user).get(url)
    is_html = response.get("Content-Type", "").startswith("text/html")
    return response, response.content.decode() if is_html else ""


def assert_translated(url: str, language: str, user, world, expect_status: int = 200):
    english, english_html = render(url, "en", user)
    if english.status_code != expect_status or not english_html:
        pytest.skip(f"{url} answers {english.status_code} {english.get('Content-Type')}: "
                    "not a page")
    other, other_html = render(url, language, user)
    assert other.status_code == expect_status, f"{url} in {language}: {other.status_code}"
    assert html_lang(other_html) == language, f"{url} in {language}: <html lang> is wrong"
    left = leftovers(english_html, other_html, world)
    assert not left, (
        f"{url} in {language} still has English (translate these in "
        f"locale/{translation.to_locale(language)}/LC_MESSAGES/django.po):\n  "
        + "\n  ".join(left)
    )


@pytest.mark.parametrize("route", PAGES, ids=route_ids(PAGES))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_translated(world, route, language):
    user = None if route.name in PUBLIC and route.name not in TOKEN_PAGES else world.owner
    assert_translated(route.url(world), language, user, world)


@pytest.mark.parametrize("name", ALLAUTH_ANONYMOUS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_allauth_pages_for_visitors_are_translated(world, name, language):
    assert_translated(reverse(name), language, None, world)


@pytest.mark.parametrize("name", ALLAUTH_SIGNED_IN)
@pytest.mark.parametrize("language", LANGUAGES)
def test_allauth_pages_for_signed_in_users_are_translated(world, name, language):
    assert_translated(reverse(name), language, world.owner, world)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_not_found_page_is_translated(world, language):
    assert_translated("/no-such-page/", language, world.owner, world, expect_status=404)


@pytest.mark.parametrize("template", ["400.html", "403.html", "429.html", "500.html"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_error_pages_are_translated(world, rf, template, language):
    request = rf.get("/")
    request.user = world.owner

    def page(code: str) -> str:
        with translation.override(code):
            # 400 and 500 pages are rendered without a request, like Django does.
            standalone = template in ("400.html", "500.html")
            return render_to_string(template, request=None if standalone else request)

    english, other = page("en"), page(language)
    assert html_lang(other) == language
    left = leftovers(english, other, world)
    assert not left, f"{template} in {language} still has English:\n  " + "\n  ".join(left)
