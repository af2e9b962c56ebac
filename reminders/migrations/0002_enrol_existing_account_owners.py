"""Give every user who already tracks an exchange account reminder preferences.

New owners are enrolled when they add their first account (reminders/signals.py); this
covers the ones who did so before reminders existed. The first look is the next 09:00
in the server's time zone; users move it from the settings page.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

BATCH_SIZE = 1000
FIRST_HOUR = 9


def _first_look(now: datetime.datetime, zone_name: str) -> datetime.datetime:
    tz = ZoneInfo(zone_name)
    day = now.astimezone(tz).date()
    while True:
        slot = datetime.datetime(day.year, day.month, day.day, FIRST_HOUR, tzinfo=tz)
        if slot > now:
            return slot.astimezone(datetime.UTC)
        day += datetime.timedelta(days=1)


def enrol_owners(apps, schema_editor):
    ExchangeAccount = apps.get_model("accounts", "ExchangeAccount")
    ReminderPreference = apps.get_model("reminders", "ReminderPreference")
    zone_name = settings.TIME_ZONE or "UTC"
    first_look = _first_look(datetime.datetime.now(datetime.UTC), zone_name)
    owner_ids = list(
        ExchangeAccount.objects.values_list("owner_id", flat=True).distinct().order_by()
    )
    for start in range(0, len(owner_ids), BATCH_SIZE):
        ReminderPreference.objects.bulk_create(
            [
                ReminderPreference(user_id=user_id, time_zone=zone_name, hour=FIRST_HOUR,
                                   next_digest_at=first_look)
                for user_id in owner_ids[start:start + BATCH_SIZE]
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("reminders", "0001_initial"),
    ]

    operations = [migrations.RunPython(enrol_owners, migrations.RunPython.noop)]
