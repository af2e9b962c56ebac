"""The admin site: Django's, signed in through allauth and behind a second factor.

Installed as the default site (`config.apps.AdminConfig`, Django's documented way to
replace it), so `admin.site` and every `@admin.register` use it.
"""

from collections.abc import Callable
from typing import cast

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.translation import gettext_lazy as _

from config.admin_mfa import require_mfa


class DormantGuardAdminSite(admin.AdminSite):
    site_header = _("Dormant Guard administration")
    site_title = _("Dormant Guard admin")

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # The admin signs in through allauth, so staff get the same rate limits and MFA.
        return secure_admin_login(super().login)(request, extra_context)

    def admin_view[V: Callable[..., HttpResponseBase]](
        self, view: V, cacheable: bool = False
    ) -> V:
        # Staff without a second factor passed in this session are sent to pass one.
        # Like Django's own admin_view, this returns a wrapper with the view's signature.
        return cast(V, require_mfa(super().admin_view)(view, cacheable))
