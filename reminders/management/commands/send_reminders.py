"""Send due reminder digests.

    python manage.py send_reminders              # one sweep, then exit (cron, systemd timer)
    python manage.py send_reminders --dry-run    # who would get what; claims and sends nothing
    python manage.py send_reminders --loop       # sweep every --interval seconds until
                                                 # SIGTERM/SIGINT, then finish and exit 0

Safe to run from several machines at once: each digest is claimed by exactly one sweeper
(see reminders/sweep.py). With TASKS_BACKEND=database the sweep only enqueues and
`db_worker` processes deliver; with the default ImmediateBackend it delivers itself.
"""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders import sweep
from reminders.tasks import backend_can_defer

DEFAULT_INTERVAL_SECONDS = 300
MIN_INTERVAL_SECONDS = 1
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Command(BaseCommand):
    help = "Claim and send the reminder digests that are due."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true",
            help="List who would get a digest and for which accounts; change nothing.",
        )
        parser.add_argument(
            "--loop", action="store_true",
            help="Keep sweeping every --interval seconds until SIGTERM or SIGINT.",
        )
        parser.add_argument(
            "--interval", type=int, default=DEFAULT_INTERVAL_SECONDS,
            help=f"Seconds between sweeps with --loop (default {DEFAULT_INTERVAL_SECONDS}).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=sweep.BATCH_SIZE,
            help=f"Users claimed per transaction (default {sweep.BATCH_SIZE}).",
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        if options["interval"] < MIN_INTERVAL_SECONDS or options["batch_size"] < 1:
            raise CommandError("--interval and --batch-size must be at least 1.")
        if options["dry_run"]:
            self.dry_run(options["batch_size"])
        elif options["loop"]:
            self.loop(options["interval"], options["batch_size"])
        else:
            self.sweep_once(options["batch_size"])

    def dry_run(self, batch_size: int) -> None:
        now = timezone.now()
        found = digests = 0
        for preview in sweep.preview(now, batch_size):
            found += 1
            if preview.items:
                digests += 1
                listed = ", ".join(f"{i.name} ({i.status.label.lower()})" for i in preview.items)
                self.stdout.write(f"  {preview.email} [{preview.cycle}]: {listed}")
            elif self.verbosity >= 2:
                self.stdout.write(f"  {preview.email}: nothing due, no email")
        self.stdout.write(
            f"Dry run at {now:%Y-%m-%d %H:%M} UTC: {found} users due for a look, "
            f"{digests} would get a digest, {found - digests} have nothing due. "
            "Nothing was claimed or sent."
        )

    def sweep_once(self, batch_size: int) -> sweep.SweepReport:
        mode = "enqueues for db_worker" if backend_can_defer() else "delivers inline"
        self.stdout.write(f"Sweeping reminders ({mode})…")
        progress = self.stdout.write if self.verbosity >= 1 else None
        report = sweep.run_sweep(batch_size=batch_size, progress=progress)
        for error in report.errors:
            self.stderr.write(f"A delivery task failed:\n{error}")
        style = self.style.ERROR if report.errors or report.delivery.failed else self.style.SUCCESS
        self.stdout.write(style(f"Done: {report.summary()}."))
        return report

    def loop(self, interval: int, batch_size: int) -> None:
        stop = threading.Event()

        def request_stop(signum, frame):
            # Finish the sweep in progress (its transactions stay short); exit after it.
            self.stdout.write(f"Got {signal.Signals(signum).name}: stopping after this sweep.")
            stop.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
        try:
            while not stop.is_set():
                self.sweep_once(batch_size)
                stop.wait(interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Stopped cleanly.")
