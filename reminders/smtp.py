"""Talking to the mail server: one reused connection per batch, and which failures are
worth retrying.

Per-message errors (a refused recipient) leave the connection usable; a connection the
server dropped between messages is reopened once; a server we can't reach at all fails
the rest of the batch fast instead of waiting for a timeout per message.
"""

import contextlib
import smtplib

from django.core import mail
from django.core.mail import EmailMessage

SMTP_SERVICE_CLOSING = 421


class MailServerUnreachable(ConnectionError):
    """The batch's connection could not be opened; later messages fail fast with this."""


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

    def __enter__(self) -> "BatchConnection":
        return self

    def __exit__(self, *exc_info) -> None:
        self._reset()

    def send(self, message: EmailMessage) -> None:
        """Send or raise; returning means the server accepted the message."""
        reused = self._is_open
        try:
            self._send_once(message)
        except smtplib.SMTPServerDisconnected:
            if not reused:
                raise
            # The server dropped a connection we kept open between messages (an idle
            # timeout, a 421 after the previous message): one fresh try for this one.
            self._send_once(message)

    def _send_once(self, message: EmailMessage) -> None:
        self._ensure_open()
        try:
            self._mailer.send_messages([message])
        except Exception as exc:
            if _is_connection_error(exc):
                self._reset()
            raise

    def _ensure_open(self) -> None:
        if self._unreachable is not None:
            raise MailServerUnreachable(str(self._unreachable)) from self._unreachable
        if self._is_open:
            return
        try:
            self._mailer.open()
        except Exception as exc:
            self._unreachable = exc
            self._reset()
            raise
        self._is_open = True

    def _reset(self) -> None:
        self._is_open = False
        # Closing a connection the server already dropped may fail as well.
        with contextlib.suppress(Exception):
            self._mailer.close()
