"""Send due "if I go quiet" warnings and handoffs.

    python manage.py run_quiet_sweep      # one sweep, then exit

Run it on the reminder sweep's schedule (the systemd reminders service and the Procfile
call it right after `send_reminders`). Safe on several machines at once: every email is
claimed once per plan and quiet period (handoff/sweep.py).
"""

from django.core.management.base import BaseCommand

from handoff.sweep import run_quiet_sweep


class Command(BaseCommand):
    help = "Send the quiet-period warnings and handoffs that are due."

    def handle(self, *args, **options):
        report = run_quiet_sweep()
        style = self.style.ERROR if report.failed else self.style.SUCCESS
        self.stdout.write(style(f"Quiet sweep done: {report.summary()}."))
