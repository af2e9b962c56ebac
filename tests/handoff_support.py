"""Helpers for the handoff tests: a plan with confirmed contacts, mail by recipient."""

import datetime
import re

from django.core import mail
from django.utils import timezone

from handoff import services
from handoff.models import QuietPlan

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
CONTACTS = ("ana@example.net", "ben@example.net")


def armed_plan(owner, now=T0, days=90, message="", contacts=CONTACTS, confirm=True) -> QuietPlan:
    plan = services.save_plan(None, QuietPlan(owner=owner, quiet_days=days, message=message), now)
    for email in contacts:
        contact = services.add_contact(None, plan, email, now)
        if confirm:
            services.confirm_contact(None, contact, now)
    plan.refresh_from_db()
    mail.outbox.clear()  # the confirmation requests: tests count what the sweep sends
    return plan


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def link_in(message, name_fragment: str) -> str:
    """The path of the first link in the email that contains `name_fragment`."""
    paths = re.findall(r"https?://[^/\s]+(/\S*)", message.body)
    found = [path for path in paths if name_fragment in path]
    assert found, message.body
    return found[0]


def now() -> datetime.datetime:
    return timezone.now()
