"""A local HTTP server that plays a chat or push service for Apprise's json:// and
ntfy:// URLs, and channel helpers: the tests of channels and of quiet-period warnings
send here, never to the internet. `service` is a fixture (registered in conftest.py)."""

import http.server
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import pytest
from django.test import override_settings

from reminders import channels
from reminders.models import Channel, ChannelKind

ALLOW_LOOPBACK = override_settings(NOTIFY_ALLOW_PRIVATE_NETWORKS=True)
TOKEN = "s3cretTopicTok9"  # stands for the token part of a channel URL


@dataclass
class Received:
    path: str
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class ServiceState:
    statuses: deque = field(default_factory=deque)  # next answers; 200 once empty
    delay: float = 0.0  # seconds to hold each answer back
    redirect_to: str = ""  # answer 307 with this Location instead
    received: list[Received] = field(default_factory=list)


class Service(http.server.BaseHTTPRequestHandler):
    state: ServiceState

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        self.state.received.append(Received(self.path, self.rfile.read(length)))
        status = self.state.statuses.popleft() if self.state.statuses else 200
        time.sleep(self.state.delay)
        if self.state.redirect_to:
            self.send_response(307)
            self.send_header("Location", self.state.redirect_to)
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def service():
    state = ServiceState()
    handler = type("Handler", (Service,), {"state": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.port = server.server_address[1]
    yield state
    server.shutdown()
    server.server_close()


def add_channel(user, url: str, **fields) -> Channel:
    return Channel.objects.create(
        user=user, kind=ChannelKind.APPRISE, name=fields.pop("name", "Phone"),
        url_encrypted=channels.encrypt_url(url), url_hint=channels.mask_url(url), **fields,
    )


def json_url(service, path=f"/hook/{TOKEN}") -> str:
    return f"json://127.0.0.1:{service.port}{path}"
