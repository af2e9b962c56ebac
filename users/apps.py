from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = _("People")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
