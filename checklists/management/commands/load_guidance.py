"""Load the guides, steps, exchange notes and the exchange catalogue from content/.

Safe to run on every deploy: it creates what is missing, updates what came from the
files, and leaves alone whatever an editor changed in the admin since the last load,
listing it with who changed it and when. Running it twice changes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from checklists.content_files import ContentError, content_dir
from checklists.content_loader import load_guidance


class Command(BaseCommand):
    help = "Load guidance and the exchange catalogue from the content files (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--content-dir", type=Path, default=None,
            help="Folder with exchanges.<lang>.yaml and guides/ (default: content/).",
        )

    def handle(self, *args, **options):
        directory = options["content_dir"] or content_dir()
        try:
            report = load_guidance(directory)
        except ContentError as error:
            raise CommandError(f"Nothing was loaded: {error}") from error
        self.stdout.write(f"Guidance from {directory}:")
        for line in report.lines():
            self.stdout.write(line)
        if report.kept or report.not_in_files:
            self.stdout.write(self.style.WARNING(
                "Review the rows listed above in the admin: the files and the database differ."
            ))
