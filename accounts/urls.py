from django.urls import path

from checklists import views as walkthrough_views

from . import io_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/archived/", views.archived_accounts, name="archived_accounts"),
    path("accounts/<id:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<id:pk>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<id:pk>/archive/", views.account_archive, name="account_archive"),
    path("accounts/<id:pk>/restore/", views.account_restore, name="account_restore"),
    path("accounts/<id:pk>/delete/", views.account_delete, name="account_delete"),
    path("accounts/<id:pk>/check-in/today/", views.check_in_today, name="check_in_today"),
    path("accounts/<id:pk>/check-in/", views.check_in_add, name="check_in_add"),
    path(
        "accounts/<id:pk>/check-in/<id:check_in_pk>/delete/",
        views.check_in_delete,
        name="check_in_delete",
    ),
    path("accounts/<id:pk>/walkthrough/", walkthrough_views.walkthrough, name="walkthrough"),
    path(
        "accounts/<id:pk>/walkthrough/start/",
        walkthrough_views.walkthrough_start, name="walkthrough_start",
    ),
    path(
        "accounts/<id:pk>/walkthrough/restart/",
        walkthrough_views.walkthrough_restart, name="walkthrough_restart",
    ),
    path(
        "accounts/<id:pk>/walkthrough/steps/<id:step_pk>/undo/",
        walkthrough_views.step_undo, name="walkthrough_step_undo",
    ),
    path(
        "accounts/<id:pk>/walkthrough/steps/<id:step_pk>/<str:state>/",
        walkthrough_views.step_decide, name="walkthrough_step",
    ),
    path("recovery-map/", views.recovery_map, name="recovery_map"),
    path("export/accounts.csv", io_views.export_csv, name="export_csv"),
    path("export/accounts.json", io_views.export_json, name="export_json"),
    path("import/", io_views.import_accounts, name="import_accounts"),
]
