from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailUserManager(UserManager):
    """Users sign in with their email address; there is no username.

    create_user/create_superuser take the email where Django's take a username (as
    `createsuperuser` calls them, by keyword): a deliberate change of signature, which
    the type checker is told about below."""

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    # Django's documented way to drop an inherited field; the stubs type it as a str.
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    # The language pages and emails use for this user, on every device. Set at sign-up
    # from the language the visitor was reading, then by the language picker. Blank for
    # users from before languages existed: the browser's language until they pick one.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[EmailUserManager] = EmailUserManager()

    def __str__(self) -> str:
        return self.email

    @property
    def email_language(self) -> str:
        """The language to write to this user in, outside any request."""
        return self.language or settings.LANGUAGE_CODE
