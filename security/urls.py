from django.urls import path

from . import views

urlpatterns = [
    path("activity/", views.activity, name="security_events"),
    path("privacy/", views.privacy, name="privacy"),
    path("export/", views.data_export, name="data_export"),
    path("delete/", views.delete_me, name="delete_me"),
]
