"""Make (or update) an editor: a verified staff account in the "Editor" group, which may
change only the guidance and the exchange catalogue.

    python manage.py create_editor editor@example.com

asks for a password (or reads EDITOR_PASSWORD with --no-input). The editor then signs in
at /admin/; like every staff account, they must set up an authenticator app before the
admin opens, and pass a code in each session.
"""

import getpass
import os

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from checklists.editors import EDITOR_GROUP, ensure_editor_group

PASSWORD_VARIABLE = "EDITOR_PASSWORD"  # noqa: S105 (the variable's name, not a password)


class Command(BaseCommand):
    help = "Create the Editor group and a verified staff account in it."

    def add_arguments(self, parser):
        parser.add_argument("email", nargs="?", help="The editor's email address.")
        parser.add_argument("--group-only", action="store_true",
                            help="Only create or update the Editor group's permissions.")
        parser.add_argument("--no-input", action="store_true",
                            help=f"Read the password from ${PASSWORD_VARIABLE}.")

    def handle(self, *args, email=None, group_only=False, no_input=False, **options):
        if not group_only and not email:
            raise CommandError("Give the editor's email address (or --group-only).")
        try:
            group = ensure_editor_group()
        except LookupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Group “{EDITOR_GROUP}”: {group.permissions.count()} permissions "
                          "(guidance and exchange catalogue only).")
        if group_only:
            return
        user_model = get_user_model()
        email = user_model.objects.normalize_email(email)
        user = user_model.objects.filter(email__iexact=email).first() or user_model(email=email)
        password = self._password(no_input)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        with transaction.atomic():
            user.is_staff = True
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.add(group)
            EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(
                primary=False
            )
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        self.stdout.write(self.style.SUCCESS(
            f"{email} is an editor. Sign in at /admin/: the first visit asks to set up an "
            "authenticator app, and every session asks for a code."
        ))

    def _password(self, no_input: bool) -> str:
        if no_input:
            password = os.environ.get(PASSWORD_VARIABLE, "")
            if not password:
                raise CommandError(f"--no-input needs the password in ${PASSWORD_VARIABLE}.")
            return password
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return password
