from django.urls import path

from . import views

urlpatterns = [
    path("quiet/", views.quiet_plan, name="quiet_plan"),
    path("quiet/contacts/add/", views.quiet_contact_add, name="quiet_contact_add"),
    path(
        "quiet/contacts/<int:contact_pk>/remove/", views.quiet_contact_remove,
        name="quiet_contact_remove",
    ),
    path("quiet/cancel/", views.quiet_cancel, name="quiet_cancel"),
    path("quiet/here/", views.quiet_here, name="quiet_here"),
    path("h/here/<str:here_token>/", views.quiet_here_link, name="quiet_here_link"),
    path("h/confirm/<str:confirm_token>/", views.handoff_confirm, name="handoff_confirm"),
    path("h/<str:access_token>/", views.handoff_page, name="handoff_page"),
]
