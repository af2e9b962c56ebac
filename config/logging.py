"""One JSON object per log line (LOG_FORMAT=json), for log collectors that parse stdout.

Standard library only: the record's time, level, logger and message, the exception if
any, and any `extra={...}` fields the caller passed. gunicorn's access lines arrive with
their fields in `record.args`, which become keys too (method, path, status, ...).
"""

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
# gunicorn access-log atoms worth keeping, under readable names.
_ACCESS_FIELDS = {"m": "method", "U": "path", "s": "status", "B": "bytes", "M": "duration_ms",
                  "h": "remote_addr", "a": "user_agent"}


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
        return json.dumps(entry, default=str)
