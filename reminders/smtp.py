"""Talking to the mail server: one reused connection per batch, and which failures are
worth retrying.

Per-message errors (a refused recipient) leave the connection usable; a connection the
server dropped between messages is reopened once. A server we can't reach at all (the
connection, TLS or login fails), or one that drops us CONNECTION_ERRORS_FOR_OUTAGE times
in a row, raises MailServerUnreachable for this and every later message of the batch:
the caller stops, and those messages were never tried.

With Django's SMTP backend a message goes out as the bytes reminders/mime.py writes,
straight through the backend's smtplib connection; any other backend (console, locmem)
gets a Django message.
"""

import contextlib
import re
import smtplib

from django.core import mail
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from .mime import OutgoingEmail

SMTP_SERVICE_CLOSING = 421
CONNECTION_ERRORS_FOR_OUTAGE = 3
# An address smtplib can take as it is; anything else goes through Django's parser.
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")


class MailServerUnreachable(ConnectionError):
    """We could not talk to the mail server at all: the message was not tried."""


def _is_connection_error(exc: BaseException) -> bool:
    """The connection itself is gone (as opposed to one message being refused)."""
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == SMTP_SERVICE_CLOSING
    # smtplib's exceptions are OSErrors too; the rest are sockets: refused, reset, timeout.
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    return f"{code} {text}".strip()


def classify_error(exc: BaseException) -> tuple[bool, str]:
    """(permanent, description) for an exception raised while sending one message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        replies = "; ".join(
            f"{address}: {_reply(code, text)}" for address, (code, text) in exc.recipients.items()
        )
        return bool(codes) and all(code >= 500 for code in codes), f"Recipient refused: {replies}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # Our credentials, not the recipient: worth retrying once the operator fixes them.
        return False, f"Mail server login failed: {_reply(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = _reply(exc.smtp_code, exc.smtp_error)
        return exc.smtp_code >= 500, f"Mail server replied {reply}"
    if isinstance(exc, OSError):
        return False, f"Could not reach the mail server: {type(exc).__name__}: {exc}"
    if isinstance(exc, ValueError):  # Django refuses malformed addresses this way
        return True, f"Invalid email address: {exc}"
    return True, f"Could not build or send the email: {type(exc).__name__}: {exc}"


class BatchConnection:
    """One mail connection (MAILERS "default") reused for every message of a batch."""

    def __init__(self) -> None:
        self._mailer = mail.mailers.default
        self._is_open = False
        self._unreachable: BaseException | None = None
        self._connection_errors_in_a_row = 0
        self._envelope_senders: dict[str, str] = {}

    def __enter__(self) -> "BatchConnection":
        return self

    def __exit__(self, *exc_info) -> None:
        self._reset()

    def send(self, email: OutgoingEmail) -> None:
        """Send or raise; returning means the server accepted the message."""
        reused = self._is_open
        try:
            self._send_once(email)
        except smtplib.SMTPServerDisconnected:
            if not reused:
                raise
            # The server dropped a connection we kept open between messages (an idle
            # timeout, a 421 after the previous message): one fresh try for this one.
            self._send_once(email)

    def _send_once(self, email: OutgoingEmail) -> None:
        self._ensure_open()
        try:
            self._transmit(email)
        except Exception as exc:
            if _is_connection_error(exc):
                self._reset()
                self._connection_errors_in_a_row += 1
                if self._connection_errors_in_a_row >= CONNECTION_ERRORS_FOR_OUTAGE:
                    self._unreachable = exc  # this one reached the server; the next won't
            raise
        self._connection_errors_in_a_row = 0

    def _transmit(self, email: OutgoingEmail) -> None:
        mailer = self._mailer
        if isinstance(mailer, SMTPBackend) and mailer.connection and email.has_fast_path:
            mailer.connection.sendmail(
                self._envelope_sender(mailer, email.from_header),
                [self._recipient(mailer, email.to)], email.as_bytes(),
            )
        else:
            mailer.send_messages([email.as_django_message()])

    def _envelope_sender(self, mailer: SMTPBackend, from_header: str) -> str:
        if from_header not in self._envelope_senders:
            self._envelope_senders[from_header] = mailer.prep_address(from_header)
        return self._envelope_senders[from_header]

    @staticmethod
    def _recipient(mailer: SMTPBackend, address: str) -> str:
        if PLAIN_ADDRESS.fullmatch(address):
            return address
        return mailer.prep_address(address)  # raises ValueError when invalid

    def _ensure_open(self) -> None:
        if self._unreachable is not None:
            raise MailServerUnreachable(str(self._unreachable)) from self._unreachable
        if self._is_open:
            return
        try:
            self._mailer.open()
        except Exception as exc:
            # Connecting, TLS or login failed: nothing reached a mailbox, and the same
            # would happen to every other message now.
            self._unreachable = exc
            self._reset()
            raise MailServerUnreachable(
                f"Could not reach the mail server: {type(exc).__name__}: {exc}"
            ) from exc
        self._is_open = True

    def _reset(self) -> None:
        self._is_open = False
        # Closing a connection the server already dropped may fail as well.
        with contextlib.suppress(Exception):
            self._mailer.close()
