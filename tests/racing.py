"""Run the same work in two threads released at the same instant, as two sweeper
processes would race on PostgreSQL. Shared by the race tests of reminders, channels
and the quiet-period handoff."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

RACE_TIMEOUT = 120  # seconds a thread may take before the test reports it stuck


def run_racing(work: Callable[[], Any], racers: int = 2) -> list[Any]:
    """Each racer's result. An exception in a thread can't fail the test from there, so
    it is re-raised here; a thread still running after RACE_TIMEOUT fails the test."""
    start = threading.Barrier(racers)
    results: list[Any] = []
    errors: list[BaseException] = []

    def racer() -> None:
        try:
            start.wait()
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - re-raised below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()  # each thread opened its own connection

    threads = [threading.Thread(target=racer) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RACE_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a racer is stuck"
    if errors:
        raise errors[0]
    return results
