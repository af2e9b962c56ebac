#!/usr/bin/env python
"""manage.py for the ceiling reference (bench/ceiling/ceiling/settings.py); named apart
from the project's manage.py so mypy sees two modules."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ceiling.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
