"""Every URL of the project, walked from the URL conf: who may open it.

Nothing here lists our views by hand. `project_routes()` walks `get_resolver()`
recursively; only the third-party includes in EXCLUDED_INCLUDES are skipped (each with
its reason, and the admin is tested on its own below). For every other pattern:

- anonymous visitors are sent to the login page, on GET and on POST, and change nothing,
  unless the pattern is in PUBLIC (with a reason);
- another signed-in user gets 404 on GET and POST for every URL that names one of the
  owner's objects, and the database is unchanged afterwards; on pages without an object
  id they never see the owner's data;
- the owner can open it (2xx/3xx, or 405 for POST-only views), never 404 or 500.

URL keyword arguments are filled from a fixture world (`build_world`) through the KWARGS
table. A view with a keyword the table doesn't know fails `test_every_url_kwarg_is_known`
with a message saying what to add: a new kind of object id has to declare whether it is
owned, and then the walk checks that another user gets 404 for it.

Other test modules import `build_world`, `project_routes` and `snapshot` from here.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from accounts.models import CheckIn, Exchange
from accounts.services import record_check_in
from checklists.models import StepProgress, Walkthrough
from checklists.plan import build_plan
from config.admin_mfa import MFA_REQUIRED_MESSAGE
from tests.conftest import reauthenticate, sign_in_staff
from tests.factories import ExchangeAccountFactory, UserFactory

pytestmark = pytest.mark.django_db

# --- What the walk skips, what is public ------------------------------------------------

# Top-level includes that are not ours, keyed by the include's app_name or module.
EXCLUDED_INCLUDES = {
    "admin": "Django's admin: walked separately below (anonymous -> login, non-staff -> "
    "refused, staff without MFA -> MFA setup), with its own object ids.",
    "allauth.urls": "allauth's sign-in, sign-up, password, email, MFA and session pages: "
    "public by design or guarded by allauth itself; covered by test_auth, "
    "test_rate_limits and test_enumeration.",
}

# Our patterns that anonymous visitors may open, by URL name.
PUBLIC = {
    "home": "the landing page; signed-in visitors are redirected to their dashboard",
    "guidance": "the guides are public reading material and hold no user data",
    "healthz": "load-balancer probe; answers ok/error only, touches no session",
    "privacy": "the privacy notice, readable before signing up",
    "set_language": "Django's language picker: a visitor may choose a language; a GET only "
    "redirects, and a signed-in user's choice is stored on their own user only",
    # Reminder links from emails and calendar apps: the token in the URL, not a session,
    # names the user (see reminders/tokens.py and the token tests below).
    "reminder_unsubscribe": "unsubscribe page from an email: a signed token; GET asks, "
    "the CSRF-protected POST acts",
    "reminder_unsubscribe_one_click": "RFC 8058 one-click unsubscribe: a signed token, "
    "CSRF-exempt by design (mail providers POST it without cookies)",
    "reminder_calendar_feed": "calendar feed polled by calendar apps: a random bearer token "
    "stored only as its SHA-256 hash",
    # "If I go quiet" links from emails (handoff/tokens.py): contacts have no account here.
    "quiet_here_link": "\"I'm here\" from a warning email: a signed, time-limited token; GET "
    "asks, the CSRF-protected POST acts; rate-limited",
    "handoff_confirm": "a trusted contact confirms: a signed, time-limited token; GET asks, "
    "the POST confirms; rate-limited",
    "handoff_page": "a contact's handoff page: a random bearer token stored only as its "
    "SHA-256 hash, 30 days; GET shows a button, the POST shows the page; rate-limited",
}

# Patterns only staff may open (outside the admin), by URL name.
STAFF_ONLY = {
    "step_preview": "editors' preview of a guidance step (staff_member_required); steps are "
    "public content, so there is no owner",
    "guidance_preview": "editors' preview of the guidance page with drafts, in any language "
    "(staff_member_required); public content, no owner",
}


# --- URL kwargs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Kwarg:
    value: Callable[[SimpleNamespace], Any]
    owned: bool  # True: names an object of the owner; another user must get 404
    what: str


KWARGS: dict[str, Kwarg] = {
    "pk": Kwarg(lambda w: w.account.pk, True, "the owner's exchange account"),
    "check_in_pk": Kwarg(lambda w: w.check_in.pk, True, "a check-in of that account"),
    "step_pk": Kwarg(
        lambda w: w.step.pk, False,
        "a guidance step: shared content; the account in `pk` decides access",
    ),
    "state": Kwarg(lambda w: StepProgress.State.DONE, False, "a step state (done/skipped)"),
    "channel_pk": Kwarg(lambda w: w.channel.pk, True, "the owner's notification channel"),
    "contact_pk": Kwarg(lambda w: w.quiet_contact.pk, True, "the owner's trusted contact"),
    "here_token": Kwarg(lambda w: w.here_token, False, "signed \"I'm here\" token"),
    "confirm_token": Kwarg(lambda w: w.confirm_token, False, "signed contact confirmation"),
    "access_token": Kwarg(lambda w: w.access_token, False, "a contact's handoff token"),
    "token": Kwarg(
        lambda w: w.unsubscribe_token, False,
        "a reminders credential in the URL (signed unsubscribe token or calendar feed "
        "token); the token itself is the authorisation, see the token tests",
    ),
}
# Overrides for one URL name where a kwarg means something else: (url name, kwarg).
ROUTE_KWARGS: dict[tuple[str, str], Kwarg] = {
    ("reminder_calendar_feed", "token"): Kwarg(
        lambda w: w.feed_token, False, "the owner's calendar feed token"
    ),
}


# --- Walking the URL conf -----------------------------------------------------------------

CONVERTER_RE = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    route: str  # "accounts/<int:pk>/", from the root
    name: str  # "account_detail" ("ns:name" inside a namespace); "" when unnamed
    view: str  # dotted path of the callback, for messages
    converters: dict = field(hash=False, compare=False)
    regex: bool = False

    def __str__(self) -> str:
        return f"/{self.route} ({self.name or 'unnamed'} -> {self.view})"

    @property
    def kwarg_names(self) -> list[str]:
        return [m.group("name") for m in CONVERTER_RE.finditer(self.route)]

    def kwarg(self, name: str) -> Kwarg | None:
        return ROUTE_KWARGS.get((self.name, name)) or KWARGS.get(name)

    @property
    def unknown_kwargs(self) -> list[str]:
        return [name for name in self.kwarg_names if self.kwarg(name) is None]

    @property
    def is_object_url(self) -> bool:
        return any(kwarg.owned for name in self.kwarg_names if (kwarg := self.kwarg(name)))

    def url(self, world: SimpleNamespace) -> str:
        if self.regex:
            pytest.fail(f"{self}: use path() rather than re_path() so the walk can fill it.")
        if unknown := self.unknown_kwargs:
            pytest.fail(_unknown_kwarg_message(self, unknown))

        def fill(match: re.Match) -> str:
            name = match.group("name")
            kwarg = self.kwarg(name)
            assert kwarg is not None  # unknown kwargs failed above
            return self.converters[name].to_url(kwarg.value(world))

        return "/" + CONVERTER_RE.sub(fill, self.route)


def _unknown_kwarg_message(route: Route, unknown: list[str]) -> str:
    return (
        f"{route} takes {unknown}, which tests/test_url_access.py's KWARGS table doesn't "
        "know. Add an entry: how to get a value from the fixture world (create the object "
        "in build_world) and whether it names the owner's data (owned=True: then another "
        "user must get 404, so the view needs accounts.access or an equivalent check)."
    )


def _include_key(resolver: URLResolver) -> str:
    urlconf = resolver.urlconf_name
    if isinstance(urlconf, str):
        return urlconf
    return getattr(urlconf, "__name__", None) or resolver.app_name or ""


def walk(
    patterns=None, prefix: str = "", namespace: str = "", converters=None,
    excluded: dict[str, list[Route]] | None = None, top: bool = True,
) -> list[Route]:
    """Every URLPattern below `patterns`, with its full route and converters. Routes under
    an excluded top-level include go to `excluded[key]` instead."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    converters = converters or {}
    routes: list[Route] = []
    for entry in patterns:
        pattern = entry.pattern
        is_route = isinstance(pattern, RoutePattern)
        piece = str(pattern) if is_route else str(pattern).lstrip("^").rstrip("$")
        merged = {**converters, **getattr(pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            below = walk(
                entry.url_patterns, prefix + piece, ns, merged, excluded, top=False
            )
            key = _include_key(entry)
            if top and key in EXCLUDED_INCLUDES:
                if excluded is not None:
                    excluded.setdefault(key, []).extend(below)
                continue
            routes.extend(below)
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            view_class = getattr(callback, "view_class", None)
            target = view_class or callback
            routes.append(Route(
                route=prefix + piece,
                name=f"{namespace}{entry.name}" if entry.name else "",
                view=f"{target.__module__}.{getattr(target, '__qualname__', target)}",
                converters=merged,
                regex=not is_route,
            ))
    return routes


def project_routes() -> list[Route]:
    """Our own URL patterns (everything except EXCLUDED_INCLUDES)."""
    return walk()


def excluded_routes() -> dict[str, list[Route]]:
    excluded: dict[str, list[Route]] = {}
    walk(excluded=excluded)
    return excluded


ROUTES = project_routes()
PROTECTED = [r for r in ROUTES if r.name not in PUBLIC and r.name not in STAFF_ONLY]
OBJECT_ROUTES = [r for r in PROTECTED if r.is_object_url]
LIST_ROUTES = [r for r in PROTECTED if not r.is_object_url]


def route_ids(routes: list[Route]) -> list[str]:
    return [r.name or r.route for r in routes]


# --- The fixture world ----------------------------------------------------------------------

# Unique text on the owner's data: no other user's page may ever contain it.
OWNER_MARKER = "Owner-only Zephyr label"
OWNER_NOTES = "Owner-only notes about the Zephyr account"
OWNER_IP = "203.0.113.77"  # in the owner's security log


def build_world(owner, other_user) -> SimpleNamespace:
    """The owner with one object of every kind a URL can name, and another user with an
    account of their own."""
    today = timezone.localdate()
    exchange = Exchange.objects.get(slug="binance")
    account = ExchangeAccountFactory.create(
        owner=owner, exchange=exchange, label=OWNER_MARKER, notes=OWNER_NOTES,
        last_login_on=today - datetime.timedelta(days=200),
        two_factor_method="authenticator", api_keys_present=True,
    )
    CheckIn.objects.create(account=account, on=account.last_login_on, source=CheckIn.Source.ADDED)
    check_in, _ = record_check_in(account, today - datetime.timedelta(days=100))
    account.refresh_from_db()

    walkthrough = Walkthrough.objects.create(
        account=account, knows_password=True, has_authenticator=True,
        status_at_start="dormant",
    )
    steps = [planned.step for planned in build_plan(walkthrough).steps]
    step = steps[0]
    StepProgress.objects.create(
        walkthrough=walkthrough, step=step, step_title=step.title, state="skipped"
    )

    other_account = ExchangeAccountFactory.create(
        owner=other_user, exchange=exchange, label="Intruder's own",
        last_login_on=today - datetime.timedelta(days=5),
    )
    CheckIn.objects.create(
        account=other_account, on=other_account.last_login_on, source=CheckIn.Source.ADDED
    )
    world = SimpleNamespace(
        owner=owner, other_user=other_user, exchange=exchange, account=account,
        check_in=check_in, walkthrough=walkthrough, step=step, other_account=other_account,
    )
    _add_reminders(world)
    _add_security_events(world)
    _add_quiet_plan(world)
    return world


def _add_quiet_plan(world: SimpleNamespace) -> None:
    """A quiet plan already handed off to one confirmed contact, whose link still works."""
    from handoff import services, tokens
    from handoff.models import QuietPlan

    now = timezone.now()
    plan = services.save_plan(None, QuietPlan(owner=world.owner, quiet_days=90), now)
    contact = plan.contacts.create(email="trusted@example.net", confirmed_at=now)
    world.access_token = tokens.new_access_token()
    contact.access_token_hash = tokens.access_token_hash(world.access_token)
    contact.access_expires_at = now + tokens.ACCESS_LIFETIME
    contact.save()
    QuietPlan.objects.filter(pk=plan.pk).update(state=QuietPlan.State.HANDED_OFF)
    world.quiet_contact = contact
    world.here_token = tokens.here_token(plan.pk)
    world.confirm_token = tokens.confirm_token(contact.pk)


def _add_security_events(world: SimpleNamespace) -> None:
    from security.models import SecurityEvent

    world.security_event = SecurityEvent.objects.create(
        user=world.owner, kind=SecurityEvent.Kind.LOGIN, ip=OWNER_IP,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    )


def _add_reminders(world: SimpleNamespace) -> None:
    """Reminder preference, calendar feed token, a sent-reminder log and the unsubscribe
    token, through the reminders app's own services."""
    from reminders import preferences, tokens
    from reminders.channels import encrypt_url, mask_url
    from reminders.models import Channel, ChannelKind, ReminderLog

    now = timezone.now()
    preference = preferences.preference_for(world.owner, now)
    world.reminder_preference = preference
    world.feed_token = preferences.create_feed_token(preference, now)
    world.unsubscribe_token = tokens.unsubscribe_token(world.owner.pk)
    world.reminder_log = ReminderLog.objects.create(
        user=world.owner, cycle="test-cycle", claimed_at=now,
        accounts=[{"id": world.account.pk, "name": str(world.account), "status": "dormant"}],
    )
    world.channel = Channel.objects.create(
        user=world.owner, kind=ChannelKind.APPRISE, name=f"{OWNER_MARKER} channel",
        url_encrypted=encrypt_url("discord://1234/owner-token"),
        url_hint=mask_url("discord://1234/owner-token"),
    )


@pytest.fixture
def world(owner, other_user):
    return build_world(owner, other_user)


def client_for(user=None, **kwargs) -> Client:
    client = Client(raise_request_exception=False, **kwargs)
    if user is not None:
        client.force_login(user)
    return client


# allauth's pages: sign-in pages for anonymous visitors, account pages for the owner.
ALLAUTH_PUBLIC_PAGES = ["account_login", "account_signup", "account_reset_password"]
ALLAUTH_OWNER_PAGES = ["account_email", "account_change_password", "mfa_index",
                       "usersessions_list", "account_reauthenticate"]


def html_pages(world: SimpleNamespace) -> dict[str, str]:
    """Every page that answers a GET with HTML, url -> html: our public pages as an
    anonymous visitor, the rest of ours as their owner, and allauth's pages."""
    anonymous, owner = client_for(), client_for(world.owner)
    urls = [(anonymous if r.name in PUBLIC else owner, r.url(world)) for r in ROUTES]
    urls += [(anonymous, reverse(name)) for name in ALLAUTH_PUBLIC_PAGES]
    urls += [(owner, reverse(name)) for name in ALLAUTH_OWNER_PAGES]
    pages = {}
    for client, url in urls:
        response = client.get(url)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            pages[url] = response.content.decode()
    return pages


# --- Database snapshot ------------------------------------------------------------------------

SNAPSHOT_APPS = (
    "users", "accounts", "checklists", "reminders", "security", "account", "mfa",
    "django_tasks_db", "handoff",
)
# Rows a request may legitimately write even when it is refused.
SNAPSHOT_IGNORED = {
    "usersessions.usersession": "session bookkeeping, not user data",
}


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every model that holds user or app data."""
    data = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in SNAPSHOT_APPS and label not in SNAPSHOT_IGNORED:
            data[label] = list(model._default_manager.order_by("pk").values_list())
    return data


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


# --- The walk -------------------------------------------------------------------------------------


def login_url() -> str:
    return reverse("account_login")


def is_login_redirect(response) -> bool:
    location = response.get("Location", "")
    return response.status_code == 302 and location.startswith(
        (login_url(), reverse("admin:login"))
    )


def test_the_walk_finds_our_views_and_skips_only_listed_includes():
    names = {r.name for r in ROUTES}
    # A sample of views from each of our apps: if these vanish the walk is broken.
    assert {"dashboard", "account_detail", "walkthrough_step", "guidance"} <= names
    excluded = excluded_routes()
    assert set(excluded) == set(EXCLUDED_INCLUDES), "an excluded include no longer exists"
    assert all(routes for routes in excluded.values())
    # None of our views hides under allauth's include (our ModelAdmins do sit in the
    # admin's, which is walked below).
    for route in excluded["allauth.urls"]:
        assert not route.view.startswith(
                ("accounts.", "checklists.", "reminders.", "security.", "users.", "handoff.")
            ), route


def test_every_url_kwarg_is_known():
    problems = [_unknown_kwarg_message(r, r.unknown_kwargs) for r in ROUTES if r.unknown_kwargs]
    assert not problems, "\n".join(problems)


def test_every_public_or_staff_entry_still_exists():
    names = {r.name for r in ROUTES}
    stale = {n for n in (*PUBLIC, *STAFF_ONLY) if n not in names}
    assert not stale, f"remove these from PUBLIC/STAFF_ONLY: {stale}"


def test_every_route_has_a_name():
    unnamed = [str(r) for r in ROUTES if not r.name]
    assert not unnamed, f"name these patterns so the access lists can refer to them: {unnamed}"


@pytest.mark.parametrize("route", PROTECTED, ids=route_ids(PROTECTED))
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitor_is_sent_to_login_and_changes_nothing(world, route, method):
    url = route.url(world)
    before = snapshot()
    response = getattr(client_for(), method)(url)
    assert is_login_redirect(response), (
        f"{method.upper()} {url} ({route.view}) answered {response.status_code} "
        f"{response.get('Location', '')} to an anonymous visitor; expected a redirect to "
        "login. Add @login_required, or list it in PUBLIC with a reason."
    )
    assert response["Location"].endswith(
        ("next=" + url.replace("/", "%2F"), "next=" + url)
    ) or "next=" in response["Location"]
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=route_ids(OBJECT_ROUTES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_user_gets_404_and_changes_nothing(world, route, method):
    url = route.url(world)
    client = client_for(world.other_user)
    before = snapshot()
    response = getattr(client, method)(url, {"on": timezone.localdate().isoformat()})
    # A POST-only view answers 405 to every GET, whatever the id: that reveals nothing.
    refused = response.status_code == 404 or (method == "get" and response.status_code == 405)
    assert refused, (
        f"{method.upper()} {url} ({route.view}) answered {response.status_code} to another "
        "signed-in user; expected 404. Load the object through accounts.access "
        "(owned_account_or_404 / owned_check_in_or_404) before anything else."
    )
    changed = changed_tables(before, snapshot())
    assert changed == [], f"{method.upper()} {url} by another user changed {changed}"


@pytest.mark.parametrize("route", LIST_ROUTES, ids=route_ids(LIST_ROUTES))
def test_another_user_never_sees_the_owners_data(world, route):
    url = route.url(world)
    client = client_for(world.other_user)
    reauthenticate(client, world.other_user)  # so exports answer, not ask for a password
    response = client.get(url)
    assert response.status_code < 500, f"GET {url}: {response.status_code}"
    content = b"".join(response) if response.streaming else response.content
    for marker in (OWNER_MARKER, OWNER_NOTES, OWNER_IP, world.owner.email):
        assert marker.encode() not in content, f"GET {url} shows the owner's {marker!r}"


def test_the_owner_does_see_the_markers(world):
    """Sanity check for the test above: the markers are on the owner's own pages."""
    client = client_for(world.owner)
    reauthenticate(client, world.owner)  # the export asks for the password again
    assert OWNER_MARKER.encode() in client.get(reverse("dashboard")).content
    assert OWNER_IP.encode() in client.get(reverse("security_events")).content
    assert OWNER_MARKER.encode() in client.get(reverse("export_csv")).content


@pytest.mark.parametrize("route", PROTECTED, ids=route_ids(PROTECTED))
def test_owner_can_open_every_page(world, route):
    url = route.url(world)
    response = client_for(world.owner).get(url)
    status = response.status_code
    assert 200 <= status < 400 or status == 405, (
        f"GET {url} ({route.view}) answered {status} to its owner"
    )
    assert not is_login_redirect(response), f"GET {url} sent its signed-in owner to login"


@pytest.mark.parametrize("route", ROUTES, ids=route_ids(ROUTES))
def test_get_never_changes_data(world, route):
    """No state change on GET (mail scanners and prefetchers follow links), whoever asks."""
    url = route.url(world)
    clients = {user: client_for(user) for user in (world.owner, world.other_user, None)}
    for user, client in clients.items():
        before = snapshot()
        response = client.get(url)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        changed = changed_tables(before, snapshot())
        assert changed == [], f"GET {url} as {user or 'anonymous'} changed {changed}"


# What each public page answers an anonymous GET with; anything else is a failure.
PUBLIC_GET_STATUS = {name: 200 for name in PUBLIC} | {
    "reminder_unsubscribe_one_click": 302,  # a browser that opens it is sent to the page
    "set_language": 302,  # a GET changes nothing and goes back (Django's set_language)
}


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_pages_open_without_signing_in(world, name):
    routes = [r for r in ROUTES if r.name == name]
    assert routes, f"the public page {name!r} is gone; remove it from PUBLIC if on purpose"
    response = client_for().get(routes[0].url(world))
    assert response.status_code == PUBLIC_GET_STATUS[name]
    assert not is_login_redirect(response)


@pytest.mark.parametrize("name", sorted(STAFF_ONLY))
def test_staff_only_pages_refuse_signed_in_users(world, name):
    route = next(r for r in ROUTES if r.name == name)
    url = route.url(world)
    assert is_login_redirect(client_for().get(url))
    assert is_refused_by_the_admin(client_for(world.owner).get(url))
    staff = staff_user(mfa=True, email="editor@example.com")
    assert client_for(staff).get(url).status_code == 302  # password only: code first
    assert sign_in_staff(client_for(), staff).get(url).status_code == 200


def test_allauth_state_changes_need_a_post_too(world):
    """allauth's pages are outside the walk, but two of its links change state: signing
    out and confirming an email address. A GET (a prefetcher, a mail scanner, an <img>)
    must do neither."""
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    client = client_for(world.owner)
    assert client.get(reverse("account_logout")).status_code == 200
    assert "_auth_user_id" in client.session

    address = EmailAddress.objects.create(
        user=world.owner, email="second@example.com", verified=False
    )
    key = EmailConfirmationHMAC(address).key
    response = client_for().get(reverse("account_confirm_email", args=[key]))
    assert response.status_code == 200
    address.refresh_from_db()
    assert not address.verified


# --- The admin ------------------------------------------------------------------------------------

ADMIN_KWARGS = {
    "object_id": "1", "app_label": "accounts", "content_type_id": 1, "url": "missing/",
    "id": "1",
}


def admin_urls() -> list[str]:
    """Every named admin URL, with placeholder ids (access is refused before lookup)."""
    urls = []
    for route in excluded_routes()["admin"]:
        if not route.name:
            continue
        unnamed_groups = len(re.findall(r"\((?!\?)", route.route))
        if unnamed_groups:  # django-simple-history's history pages use plain groups
            urls.append(reverse(route.name, args=["1"] * unnamed_groups))
            continue
        kwargs = {}
        for pair in re.findall(r"\(\?P<(\w+)>|<(?:\w+:)?(\w+)>", route.route):
            name = next(part for part in pair if part)
            kwargs[name] = ADMIN_KWARGS[name]
        urls.append(reverse(route.name, kwargs=kwargs))
    return sorted(set(urls))


def staff_user(mfa: bool, email: str = "staff@example.com"):
    user = UserFactory(email=email, is_staff=True, is_superuser=True)
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


def test_the_admin_walk_covers_every_registered_model():
    urls = admin_urls()
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert changelist in urls


def is_refused_by_the_admin(response) -> bool:
    """What a signed-in non-staff user gets: 403, or a redirect to the admin's login
    (which then answers 403)."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    )


def test_anonymous_visitors_are_sent_to_login_by_every_admin_page(db):
    client = client_for()
    urls = admin_urls()
    assert len(urls) > 50, urls  # every registered model's pages
    for url in urls:
        response = client.get(url)
        if url == reverse("admin:logout"):  # the admin sends it to its index first
            assert response["Location"] == reverse("admin:index")
            response = client.get(response["Location"])
        assert is_login_redirect(response), f"GET {url}: {response.status_code}"


def test_signed_in_non_staff_users_are_refused_by_every_admin_page(world):
    client = client_for(world.owner)
    urls = admin_urls()
    assert len(urls) > 50, urls
    for url in urls:
        response = client.get(url)
        if url == reverse("admin:logout"):  # the admin sends it to its index first
            assert response["Location"] == reverse("admin:index")
            response = client.get(response["Location"])
        assert is_refused_by_the_admin(response), (
            f"GET {url} answered {response.status_code} {response.get('Location', '')} "
            "to a non-staff user"
        )


def test_staff_without_mfa_are_sent_to_mfa_setup_by_every_admin_page(db):
    client = client_for(staff_user(mfa=False))
    logout = reverse("admin:logout")
    urls = admin_urls()
    assert len(urls) > 50, urls
    for url in urls:
        if url == logout:
            continue
        response = client.get(url)
        if url == reverse("admin:login"):
            # allauth's login wrapper sends a signed-in user on to the admin index.
            assert response.status_code == 302, url
            response = client.get(response["Location"])
        assert response.status_code == 302, f"GET {url}: {response.status_code}"
        assert response["Location"] == reverse("mfa_index"), url


def test_staff_without_mfa_see_why_on_the_mfa_page(db):
    client = client_for(staff_user(mfa=False))
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_index")
    assert response.status_code == 200
    assert MFA_REQUIRED_MESSAGE.encode() in response.content


def test_staff_without_mfa_can_still_sign_out_of_the_admin(db):
    client = client_for(staff_user(mfa=False))
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_staff_with_totp_open_the_admin(world):
    client = sign_in_staff(client_for(), staff_user(mfa=True))
    assert client.get(reverse("admin:index")).status_code == 200
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    change = reverse("admin:accounts_exchangeaccount_change", args=[world.account.pk])
    assert client.get(change).status_code == 200


def test_non_staff_with_mfa_are_still_refused(world):
    TOTP.activate(world.owner, generate_totp_secret())
    response = client_for(world.owner).get(reverse("admin:index"))
    assert is_refused_by_the_admin(response)


def test_admin_login_still_goes_through_allauth(db):
    response = client_for().get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(login_url())
