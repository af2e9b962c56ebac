from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

import config.converters  # noqa: F401  (registers the "id" path converter)
from config.admin_mfa import require_mfa

# The admin signs in through allauth, so staff get the same rate limits and MFA.
admin.site.login = secure_admin_login(admin.site.login)
# Staff without two-factor authentication are sent to set it up (before admin.site.urls).
admin.site.admin_view = require_mfa(admin.site.admin_view)
admin.site.site_header = "Dormant Guard administration"
admin.site.site_title = "Dormant Guard admin"

urlpatterns = [
    path("healthz/", include("config.health")),
    path("admin/", admin.site.urls),
    path("auth/", include("allauth.urls")),
    path("guidance/", include("checklists.urls")),
    path("reminders/", include("reminders.urls")),
    path("security/", include("security.urls")),
    path("", include("accounts.urls")),
]
