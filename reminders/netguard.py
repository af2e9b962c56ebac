"""Outbound requests to user-given hosts: refuse addresses inside our own network.

A notification channel is a URL the *user* types, and the server then sends requests to
it: without a guard that is server-side request forgery (a webhook aimed at
http://169.254.169.254/ reads the cloud metadata service, one aimed at 127.0.0.1 or a
LAN address pokes services that trust the server's network position).

Two checks, both on every resolved address (a name with one public and one private
address is refused):

1. `check_host()` before a send (and when the form saves the URL): resolve the host and
   refuse it if any address is not allowed, with a message the form can show.
2. `guarded()` around the send itself: while it is active, every new connection urllib3
   opens (Apprise's HTTP services go through requests -> urllib3) resolves its host
   again, checks every address, and connects to the checked address only. A name that
   resolved to a public address for check 1 and to 127.0.0.1 a moment later (DNS
   rebinding) is refused here, and redirects to an internal address are too.

NOTIFY_ALLOW_PRIVATE_NETWORKS (operator setting, off by default) allows loopback,
private, link-local and shared (CGNAT) addresses, for a self-hosted ntfy on the LAN.
Cloud metadata addresses, multicast, unspecified and reserved addresses are refused
even then.
"""

import contextlib
import contextvars
import ipaddress
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The cloud metadata services (AWS, GCP, Azure, OpenStack: 169.254.169.254; AWS IPv6:
# fd00:ec2::254; Alibaba: 100.100.100.200; Oracle: 192.0.0.192): never, whatever the
# setting says.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192",
))
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = _("a cloud metadata address")
MULTICAST = _("a multicast address")
UNSPECIFIED = _("an unspecified address")
LOOPBACK = _("a loopback address")
LINK_LOCAL = _("a link-local address")
PRIVATE = _("a private network address")
RESERVED = _("a reserved address")
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, not global


class AddressRefused(OSError):
    """The host is (or resolves to) an address we don't send to. The message is for
    people: it names the host and the kind of address, never a URL."""


class HostNotFound(OSError):
    """The host name doesn't resolve."""


def allow_private() -> bool:
    return bool(getattr(settings, "NOTIFY_ALLOW_PRIVATE_NETWORKS", False))


def _unwrapped(address: IPAddress) -> IPAddress:
    """IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def refusal(address: IPAddress, *, private_ok: bool) -> "StrOrPromise | None":
    """Why `address` is refused (a short translatable reason), or None if allowed."""
    address = _unwrapped(address)
    if address in METADATA_ADDRESSES:
        return METADATA
    if address.is_multicast:
        return MULTICAST
    if address.is_unspecified:
        return UNSPECIFIED
    if address.is_loopback:
        return None if private_ok else LOOPBACK
    if address.is_reserved:  # before is_private, which also covers 240.0.0.0/4
        return RESERVED
    if address.is_link_local:
        return None if private_ok else LINK_LOCAL
    if address.is_private or address in SHARED:
        # is_private covers RFC 1918, ULA, and documentation/benchmark ranges too.
        return None if private_ok else PRIVATE
    if not address.is_global:
        return RESERVED
    return None


def resolve(host: str, port: int | None = None) -> list[IPAddress]:
    """Every address `host` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostNotFound(str(_("The host %(host)s could not be found.") % {"host": host})) \
            from exc
    return list(dict.fromkeys(
        ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos
    ))


def check_host(host: str, port: int | None = None) -> list[IPAddress]:
    """Resolve `host` and return its addresses, or raise AddressRefused / HostNotFound."""
    host = host.strip("[]").rstrip(".").lower()
    if host in METADATA_HOSTS:
        raise AddressRefused(_refused_message(host, METADATA))
    addresses = resolve(host, port)
    private_ok = allow_private()
    for address in addresses:
        if reason := refusal(address, private_ok=private_ok):
            raise AddressRefused(_refused_message(host, reason))
    return addresses


def _refused_message(host: str, reason: "StrOrPromise") -> str:
    return str(_("%(host)s is %(reason)s; notifications are not sent there.") % {
        "host": host, "reason": reason,
    })


# --- The connection-time guard ------------------------------------------------------------

# While a guarded send runs: the list its refusals are noted in (None outside).
_GUARD: contextvars.ContextVar[list[OSError] | None] = contextvars.ContextVar(
    "netguard_refusals", default=None
)
_installed = False


def _guarded_create_connection(original):
    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any):
        refusals = _GUARD.get()
        if refusals is None:
            return original(address, *args, **kwargs)
        host, port = address
        try:
            checked = check_host(host, port)
        except OSError as exc:
            refusals.append(exc)  # urllib3 wraps it; the caller reads it from here
            raise
        # Connect to the address we checked, not to whatever the name resolves to next.
        last_error: OSError | None = None
        for ip in checked:
            try:
                return original((str(ip), port), *args, **kwargs)
            except OSError as exc:
                last_error = exc
        raise last_error or OSError("no address to connect to")

    create_connection.guarded = True  # type: ignore[attr-defined]
    return create_connection


def install() -> None:
    """Wrap urllib3's connection factory once per process; inert outside `guarded()`."""
    global _installed
    if _installed:
        return
    from urllib3.util import connection

    if not getattr(connection.create_connection, "guarded", False):
        connection.create_connection = _guarded_create_connection(connection.create_connection)
    _installed = True


@contextlib.contextmanager
def guarded() -> Iterator[list[OSError]]:
    """Every connection urllib3 opens in this context (this thread) is checked; yields
    the list of refusals (AddressRefused / HostNotFound) noted meanwhile."""
    install()
    refusals: list[OSError] = []
    token = _GUARD.set(refusals)
    try:
        yield refusals
    finally:
        _GUARD.reset(token)
