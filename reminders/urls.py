from django.urls import path

from . import channel_views, views

urlpatterns = [
    path("", views.reminder_settings, name="reminder_settings"),
    path("test/", views.send_test_reminder, name="reminder_send_test"),
    path("channels/", channel_views.channel_list, name="reminder_channels"),
    path("channels/new/", channel_views.channel_add, name="reminder_channel_add"),
    path("channels/<int:channel_pk>/", channel_views.channel_edit, name="reminder_channel_edit"),
    path("channels/<int:channel_pk>/test/", channel_views.channel_test,
         name="reminder_channel_test"),
    path("channels/<int:channel_pk>/delete/", channel_views.channel_delete,
         name="reminder_channel_delete"),
    path("resubscribe/", views.resubscribe, name="reminder_resubscribe"),
    path("calendar/new/", views.create_feed, name="reminder_feed_create"),
    path("calendar/off/", views.disable_feed, name="reminder_feed_disable"),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="reminder_calendar_feed"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="reminder_unsubscribe"),
    path(
        "unsubscribe/<str:token>/one-click/",
        views.unsubscribe_one_click,
        name="reminder_unsubscribe_one_click",
    ),
]
