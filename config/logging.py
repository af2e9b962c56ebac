"""Log formats, and keeping bearer tokens out of every log line.

Some of our URLs are secrets: whoever holds one can act without signing in (unsubscribe
links, the calendar feed, allauth's password-reset and email-confirmation links). Access
logs, Django's "Not Found: /path" warnings and gunicorn's error lines all carry paths, and
logs are kept longer and seen by more people than the links themselves. Every formatter
here passes its output through `redact`: the secret path segment becomes `[redacted]`,
and so does any query string (a `?next=` can carry such a path too).

- `RedactingFormatter`: plain lines (Django's console, gunicorn's own handlers, which
  deploy/gunicorn.conf.py wraps).
- `JsonFormatter` (LOG_FORMAT=json): one JSON object per line for log collectors, with
  the record's time, level, logger and message, the exception if any, any `extra={...}`
  fields, and gunicorn's access-line fields (method, path, status, ...) under readable
  names. Standard library only.
"""

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

REDACTED = "[redacted]"

# Paths whose next segment is a bearer secret, with the literal pages that share the
# prefix (they are not secrets). tests/test_logging.py walks the URL conf: every route
# taking a token or key must be covered here, and no other route may change.
TOKEN_PATH_RE = re.compile(
    r"(?P<prefix>/reminders/unsubscribe/"
    r"|/reminders/calendar/(?!(?:new|off)/)"
    r"|/auth/password/reset/key/(?!done/)"
    r"|/auth/confirm-email/"
    r"|/h/(?:here/|confirm/)?)"
    r"/*[^/\s\"'?#<>]+"
)
QUERY_RE = re.compile(r"(?P<path>/[^\s\"'?#<>]*)\?[^\s\"'#<>]*")


def redact(text: str) -> str:
    """`text` with secret path segments and query strings replaced by [redacted]."""
    if "/" not in text:
        return text
    text = TOKEN_PATH_RE.sub(rf"\g<prefix>{REDACTED}", text)
    return QUERY_RE.sub(rf"\g<path>?{REDACTED}", text)


class RedactingFormatter(logging.Formatter):
    """A plain formatter whose lines never carry a bearer token. `around(formatter)`
    wraps an existing formatter (gunicorn's) instead of formatting itself."""

    def __init__(self, *args, inner: logging.Formatter | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.inner = inner

    @classmethod
    def around(cls, formatter: logging.Formatter | None) -> logging.Formatter:
        if isinstance(formatter, RedactingFormatter | JsonFormatter):
            return formatter
        return cls(inner=formatter or logging.Formatter())

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record) if self.inner else super().format(record)
        return redact(text)


# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
# gunicorn access-log atoms worth keeping, under readable names.
_ACCESS_FIELDS = {"m": "method", "U": "path", "s": "status", "B": "bytes", "M": "duration_ms",
                  "h": "remote_addr", "a": "user_agent"}


def _redacted(value):
    """A JSON-ready copy of `value` with every string redacted (objects become strings,
    e.g. Django's `request` extra, whose repr holds the path)."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(key): _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry.update({name: record.args.get(atom) for atom, name in _ACCESS_FIELDS.items()})
            entry["status"] = int(entry["status"]) if str(entry["status"]).isdigit() else None
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(_redacted(entry))
