from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

# The admin signs in through allauth, so staff get the same rate limits and MFA.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Dormant Guard administration"
admin.site.site_title = "Dormant Guard admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("auth/", include("allauth.urls")),
    path("guidance/", include("checklists.urls")),
    path("", include("accounts.urls")),
]
