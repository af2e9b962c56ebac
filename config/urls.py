from django.contrib import admin
from django.urls import include, path

import config.converters  # noqa: F401  (registers the "id" path converter)
from users.views import set_language

# admin.site is config.admin_site.DormantGuardAdminSite: allauth sign-in, second factor.
# Our 400 page, rendered without reading the request body again (config/bad_requests.py).
handler400 = "config.bad_requests.bad_request"

urlpatterns = [
    path("healthz/", include("config.health")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("auth/", include("allauth.urls")),
    path("guidance/", include("checklists.urls")),
    path("reminders/", include("reminders.urls")),
    path("security/", include("security.urls")),
    path("", include("handoff.urls")),
    path("", include("accounts.urls")),
]
