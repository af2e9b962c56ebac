"""Notification channels: a user's other email addresses and Apprise URLs.

Apprise (https://github.com/caronc/apprise) knows 100+ services by URL: tgram://,
ntfy://, discord://, slack://, matrix://, signal://, line://, wecombot://, pover://,
json:// ... We use it only to parse a URL and send one short message; everything else
(when, how often, retries) is the reminder delivery path's (reminders/sending.py).

Channel URLs carry tokens, so:
- stored Fernet-encrypted with FIELD_ENCRYPTION_KEYS (the MFA secrets' keys), shown back
  only as `mask_url()` (scheme and host, nothing after);
- Apprise's own log lines (which can name a topic or a webhook path) never reach our
  handlers: the "apprise" logger is silenced in settings.LOGGING, and `send()` reads the
  HTTP status from its records with a private handler instead;
- every send goes through reminders/netguard.py (no loopback, private or metadata
  addresses unless the operator allows private networks), with short timeouts.
"""

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import apprise
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from users.adapters import decrypt_text, encrypt_text

from . import netguard
from .models import Channel

URL_MAX_LENGTH = 2000
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
# Apprise services that don't speak HTTP through requests/urllib3 (desktop and local
# notifications, syslog, raw sockets, SMTP, XMPP, MQTT, IRC, ...): netguard can't watch
# their connections, so they are refused. Email has its own channel kind.
REFUSED_PLUGIN_MODULES = frozenset({
    "aprs", "blink1", "dbus", "deltachat", "glib", "gnome", "growl", "macosx", "mqtt",
    "rsyslog", "smpp", "syslog", "windows", "amqp", "email", "irc", "nostr", "xmpp",
})
# Services whose URL host is the server we post to (self-hostable ones); for the others
# the URL's "host" is a token or an id and the service's own API host is used. The host
# of these is checked when the URL is saved, for a clear error beside the field; every
# send is checked at connection time whatever the service.
SELF_HOSTED_SCHEMES = frozenset({
    "json", "jsons", "xml", "xmls", "form", "forms", "ntfy", "ntfys", "gotify", "gotifys",
    "matrix", "matrixs", "mmost", "mmosts", "rocket", "rockets", "apprise", "apprises",
    "ncloud", "nclouds", "nctalk", "nctalks", "signal", "signals", "mastodon",
    "mastodons", "toot", "toots", "misskey", "misskeys", "synology", "synologys",
})
# Common URL forms for the help list (scheme, service, example); the tokens are made up.
URL_EXAMPLES = (
    ("Telegram", "tgram://bottoken/ChatID"),
    ("ntfy.sh", "ntfy://topic"),
    (gettext_lazy("ntfy, self-hosted"), "ntfys://ntfy.example.org/topic"),
    ("Discord", "discord://webhook_id/webhook_token"),
    ("Slack", "slack://TokenA/TokenB/TokenC/#channel"),
    ("Matrix", "matrixs://user:password@matrix.example.org/#room"),
    (gettext_lazy("Signal (through a signal-cli REST API server)"), "signals://signal.example.org/+15551234567/+15557654321"),
    ("LINE", "line://token/user_id"),
    (gettext_lazy("WeCom group bot"), "wecombot://botkey"),
    ("Pushover", "pover://user_key@app_token"),
    (gettext_lazy("JSON webhook"), "jsons://hooks.example.org/path"),
)
STATUS_RE = re.compile(r"error=(\d{3})\b")
APPRISE_LOGGER = "apprise"


class ChannelError(Exception):
    """A send that failed; `permanent` decides retry or not, `description` is stored on
    the channel and the delivery row (it never holds the URL)."""

    def __init__(self, description: str, *, permanent: bool) -> None:
        super().__init__(description)
        self.description = description
        self.permanent = permanent


class InvalidChannelURL(ValueError):
    pass


# --- Storing and showing the URL ------------------------------------------------------------


def encrypt_url(url: str) -> str:
    return encrypt_text(url)


def decrypt_url(channel: Channel) -> str:
    return decrypt_text(channel.url_encrypted) if channel.url_encrypted else ""


HOSTNAME_RE = re.compile(r"^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+)$", re.I)


def mask_url(url: str) -> str:
    """`scheme://host/…`: only a real host name is kept (never user, password, port,
    path or query); services whose "host" is a token show `scheme://…`."""
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "?").lower()
    try:
        host = parts.hostname or ""
    except ValueError:
        host = ""
    if scheme not in SELF_HOSTED_SCHEMES or not HOSTNAME_RE.match(host):
        return f"{scheme}://…"
    return f"{scheme}://{host}/…"


# --- Parsing and checking a URL ------------------------------------------------------------


@contextmanager
def _apprise_records() -> Iterator[list[logging.LogRecord]]:
    """Apprise's log records from this thread, kept private (never formatted or shown)."""
    records: list[logging.LogRecord] = []
    thread = threading.get_ident()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread:
                records.append(record)

    handler = Collect(level=logging.WARNING)
    log = logging.getLogger(APPRISE_LOGGER)
    log.addHandler(handler)
    try:
        yield records
    finally:
        log.removeHandler(handler)


def parse(url: str):
    """The Apprise service object for `url`, or InvalidChannelURL with a message for the
    form. Doesn't connect anywhere."""
    url = url.strip()
    if not url or len(url) > URL_MAX_LENGTH:
        raise InvalidChannelURL(gettext("Enter an Apprise URL of at most %(max)d characters.")
                                % {"max": URL_MAX_LENGTH})
    if "://" not in url:
        raise InvalidChannelURL(gettext(
            "This is not an Apprise URL: it starts with the service, e.g. tgram:// or ntfys://."
        ))
    with _apprise_records():  # a refused URL's log line would carry it
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise InvalidChannelURL(gettext(
            "Apprise doesn't recognise this URL: check the service's URL form in the list "
            "below (a token may be missing or mistyped)."
        ))
    module = type(plugin).__module__.removeprefix("apprise.plugins.").split(".")[0]
    if module in REFUSED_PLUGIN_MODULES:
        raise InvalidChannelURL(gettext(
            "This kind of Apprise URL isn't supported here: use a web service (Telegram, "
            "ntfy, Discord, a JSON webhook, ...) or add an email channel."
        ))
    return plugin


def check_target(url: str, plugin) -> None:
    """For self-hosted services, refuse a host that resolves to a refused address
    (netguard.AddressRefused / HostNotFound, whose messages are for the form)."""
    scheme = urlsplit(url.strip()).scheme.lower()
    if scheme not in SELF_HOSTED_SCHEMES:
        return
    host = getattr(plugin, "host", None)
    if scheme.startswith("ntfy") and getattr(plugin, "mode", "") == "cloud":
        return
    if host:
        netguard.check_host(host)


# --- Sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatMessage:
    title: str
    body: str


def _http_status(records: list[logging.LogRecord]) -> int | None:
    for record in reversed(records):
        try:
            text = record.getMessage()
        except Exception:  # noqa: S112 - a record that can't format tells us nothing
            continue
        if match := STATUS_RE.search(text):
            return int(match.group(1))
    return None


TEMPORARY_STATUSES = frozenset({408, 425, 429})
UNREACHABLE = gettext_noop("The service could not be reached (connection failed or timed out).")


def _failure(status: int | None, refused: list[OSError]) -> ChannelError:
    # A name that no longer resolves may come back; a refused address won't.
    if hard := [exc for exc in refused if isinstance(exc, netguard.AddressRefused)]:
        return ChannelError(str(hard[0]), permanent=True)
    if refused:
        return ChannelError(str(refused[0]), permanent=False)
    if status is None:
        return ChannelError(UNREACHABLE, permanent=False)
    temporary = status >= 500 or status in TEMPORARY_STATUSES
    return ChannelError(f"The service answered HTTP {status}.", permanent=not temporary)


def send(channel: Channel, message: ChatMessage) -> None:
    """Send `message` over the channel's Apprise URL, or raise ChannelError: permanent
    for a URL Apprise refuses, a refused address or a 4xx answer; temporary for 5xx,
    429, timeouts and connection failures."""
    url = decrypt_url(channel)
    try:
        plugin = parse(url)
        check_target(url, plugin)
    except (InvalidChannelURL, netguard.AddressRefused) as exc:
        raise ChannelError(str(exc), permanent=True) from None
    except netguard.HostNotFound as exc:
        raise ChannelError(str(exc), permanent=False) from None
    plugin.socket_connect_timeout = CONNECT_TIMEOUT
    plugin.socket_read_timeout = READ_TIMEOUT
    with _apprise_records() as records, netguard.guarded() as refused:
        ok = plugin.notify(body=message.body, title=message.title)
    if not ok:
        raise _failure(_http_status(records), refused)


def note_outcome(channel_id: int, *, sent: bool, error: str = "") -> None:
    """Keep the channel's last success or last error for its settings card."""
    now = timezone.now()
    if sent:
        Channel.objects.filter(pk=channel_id).update(last_sent_at=now, last_error="",
                                                     last_error_at=None)
    else:
        Channel.objects.filter(pk=channel_id).update(last_error=error[:1000],
                                                     last_error_at=now)
