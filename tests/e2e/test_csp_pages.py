"""Every page in a real browser under the real Content-Security-Policy.

A staff user with a TOTP authenticator signs in through the browser (password, then the
code), then opens every page of ours that their fixture world makes reachable by GET
(collected from the URL conf, as in tests/test_url_access.py), allauth's account and MFA
pages, the security pages and the admin (index, a changelist, change and add forms).
No page may log a CSP violation, request anything from another origin, or have a request
fail.
"""

import time
from urllib.parse import urlsplit

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Exchange
from tests.conftest import reauthenticate as reauthenticate_session
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.test_url_access import PUBLIC, ROUTES, build_world

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

# allauth's pages a signed-in user reaches from the account menu.
ALLAUTH_PAGES = [
    "account_email", "account_change_password", "mfa_index", "mfa_list_webauthn",
    "mfa_add_webauthn", "mfa_view_recovery_codes", "mfa_generate_recovery_codes",
    "mfa_deactivate_totp", "usersessions_list", "account_reauthenticate",
    "mfa_reauthenticate",
]


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def staff_world(transactional_db):
    staff = UserFactory(email="editor@example.com", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    world = build_world(staff, UserFactory(email="someone@example.com"))
    world.secret = secret
    return world


def pages_to_visit(world) -> list[str]:
    """Every GET-able HTML page of ours for this world, then allauth's, then the admin."""
    probe = Client(raise_request_exception=False)
    probe.force_login(world.owner)
    # Reauthenticated, so downloads behind it (account exports) show as files, not pages.
    reauthenticate_session(probe, world.owner)
    urls = []
    for route in ROUTES:
        url = route.url(world)
        client = Client(raise_request_exception=False) if route.name in PUBLIC else probe
        response = client.get(url)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        # Redirects count too (export and delete first ask to reauthenticate): the
        # browser follows them and the page it lands on is checked.
        if response.status_code in (200, 302) and "html" in response.get("Content-Type", ""):
            urls.append(url)
    urls += [reverse(name) for name in ALLAUTH_PAGES]
    binance = Exchange.objects.get(slug="binance")
    urls += [
        reverse("admin:index"),
        reverse("admin:accounts_exchangeaccount_changelist"),
        reverse("admin:accounts_exchangeaccount_change", args=[world.account.pk]),
        reverse("admin:accounts_exchange_change", args=[binance.pk]),
        reverse("admin:accounts_exchange_add"),
        reverse("admin:checklists_step_change", args=[world.step.pk]),
        reverse("admin:users_user_changelist"),
    ]
    return list(dict.fromkeys(urls))


def sign_in_with_totp(page, live_server, world):
    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill(world.owner.email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{reverse('mfa_authenticate')}")
    page.locator("input[name=code]").fill(current_code(world.secret))
    page.locator("form").filter(has=page.locator("input[name=code]")).locator(
        "button[type=submit]"
    ).click()
    expect(page).to_have_url(f"{live_server.url}{reverse('dashboard')}")


def reauthenticate(page, live_server):
    """Confirm the password again, so pages behind reauthentication (recovery codes,
    data export, account deletion) show their real content."""
    page.goto(f"{live_server.url}{reverse('account_reauthenticate')}")
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_load_state("networkidle")


def test_every_page_loads_without_csp_violations_or_third_parties(
    page, live_server, staff_world, csp_violations
):
    origin = urlsplit(live_server.url).netloc
    third_party: list[str] = []
    failed: list[str] = []
    broken: list[str] = []
    page.on("request", lambda r: third_party.append(r.url)
            if urlsplit(r.url).scheme in ("http", "https")
            and urlsplit(r.url).netloc != origin else None)
    # ERR_ABORTED is the browser dropping a request because we moved on to the next
    # page (the favicon, typically, on a busy machine): not a failure of the app.
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}")
            if "ERR_ABORTED" not in (r.failure or "") else None)
    page.on("response", lambda r: broken.append(f"{r.url}: {r.status}")
            if r.status >= 400 and r.request.resource_type != "document" else None)

    sign_in_with_totp(page, live_server, staff_world)
    reauthenticate(page, live_server)
    urls = pages_to_visit(staff_world)
    assert len(urls) >= 25, urls
    print(f"visiting {len(urls)} pages: {urls}")
    violations_by_page = {}
    for url in urls:
        before = len(csp_violations)
        response = page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status < 500, f"{url}: {response.status}"
        if len(csp_violations) > before:
            violations_by_page[url] = csp_violations[before:]

    # The admin really opened (not a redirect to the MFA setup page).
    page.goto(f"{live_server.url}{reverse('admin:index')}")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    assert violations_by_page == {}
    assert third_party == []
    assert failed == []
    assert broken == []

    # Canary: an injected inline script must be blocked and reported, or the checks
    # above prove nothing.
    page.goto(f"{live_server.url}/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.injected === undefined")
    assert csp_violations, "the CSP violation listener saw nothing"

