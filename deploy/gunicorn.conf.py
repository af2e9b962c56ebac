"""gunicorn settings for Dormant Guard: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Sync workers, one per core: every request is short and database-bound, and PostgreSQL
connections are persistent (CONN_MAX_AGE), so a worker is a connection. Environment:

    GUNICORN_BIND          where to listen; else 0.0.0.0:$PORT if PORT is set (PaaS, the
                           Dockerfile), else 127.0.0.1:8000
    WEB_CONCURRENCY        worker count (default: the cores this process may use)
    GUNICORN_TIMEOUT       seconds before a stuck worker is killed and replaced (30)
    GUNICORN_MAX_REQUESTS  requests before a worker is recycled (20000, 0 for never)
    ACCESS_LOG             "-" for stdout (default), a file path, or "off"
    LOG_FORMAT             "json" turns gunicorn's lines into JSON like the app's

Either way, secret URL segments and query strings are redacted (config/logging.py).
"""

import os

from gunicorn.glogging import Logger

# gunicorn puts the project directory (its chdir) on sys.path before reading this file.
from config.logging import RedactingFormatter


def _cores() -> int:
    try:  # honours taskset/cgroup CPU pinning, unlike os.cpu_count()
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not available on macOS
        return os.cpu_count() or 1


# Like gunicorn's own default: $PORT (set by a PaaS or the Dockerfile) means all interfaces.
if os.environ.get("GUNICORN_BIND"):
    bind = os.environ["GUNICORN_BIND"]
elif os.environ.get("PORT"):
    bind = f"0.0.0.0:{os.environ['PORT']}"
else:
    bind = "127.0.0.1:8000"
workers = int(os.environ.get("WEB_CONCURRENCY") or _cores())
worker_class = "sync"
# Import the app once in the master, then fork: less memory, and a broken settings
# file stops the master at start instead of every worker failing in a loop.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (deploy, systemd stop) finish the requests in flight for up to this long.
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound (0: never).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# Under a reverse proxy the client's address is in X-Forwarded-For; gunicorn itself
# trusts that header only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")



class RedactingLogger(Logger):
    """gunicorn's logger, with bearer tokens and query strings cut from every line.

    Access lines hold the request line and the referrer, error lines the URI of a failed
    request; an unsubscribe or calendar-feed URL there is a working credential. Every
    handler gunicorn sets up (stream, file, syslog) gets its formatter wrapped; the JSON
    formatter below already redacts."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(RedactingFormatter.around(handler.formatter))


logger_class = RedactingLogger
_access = os.environ.get("ACCESS_LOG", "-")
accesslog = None if _access in {"", "off"} else _access
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Remote address, request line, status, bytes, duration in ms, referrer, user agent.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'

if os.environ.get("LOG_FORMAT") == "json":
    # The same one-object-per-line format as the app (config/logging.py), on stdout.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
        "handlers": {
            "stdout": {"class": "logging.StreamHandler", "formatter": "json",
                       "stream": "ext://sys.stdout"},
        },
        # gunicorn merges this shallowly into its defaults: name every part it uses.
        "root": {"handlers": ["stdout"], "level": "INFO"},
        "loggers": {
            "gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(),
                               "propagate": False},
            # With a logconfig gunicorn always emits access lines; the level mutes them.
            "gunicorn.access": {"handlers": ["stdout"], "propagate": False,
                                "level": "INFO" if accesslog else "CRITICAL"},
        },
    }
