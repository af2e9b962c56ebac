from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoffConfig(AppConfig):
    name = "handoff"
    verbose_name = _("If I go quiet")

    def ready(self) -> None:
        from . import signals  # noqa: F401 - owner activity restarts the quiet period
