"""Admin: reminder logs are an audit trail (read-only; only a superuser may delete), and
preferences can be looked at and adjusted for support.

Notification channels are shown read-only for support (why did a user's messages
fail?) with the URL masked: the encrypted URL is neither shown nor decrypted here.

The email safety phrase is never shown here: a staff account taken over by a phisher
must not reveal what genuine emails look like. The feed token hash is useless to staff.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Channel, ReminderLog, ReminderPreference


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "cycle", "channel", "outcome", "attempts", "claimed_at",
                    "sent_at"]
    list_filter = ["outcome", "kind", "channel_kind"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    date_hierarchy = "claimed_at"
    readonly_fields = [
        "user", "kind", "cycle", "channel_kind", "channel", "accounts", "claimed_at",
        "sent_at", "outcome", "attempts", "error", "next_attempt_at",
    ]
    exclude = ["lease_token"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = [
        "user", "enabled", "frequency", "warn_days", "hour", "time_zone", "next_digest_at",
        "has_feed",
    ]
    list_filter = ["enabled", "frequency"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    fields = [
        "user", "enabled", "frequency", "warn_days", "hour", "time_zone", "next_digest_at",
        "unsubscribed_at", "feed_created_at", "created_at", "updated_at",
    ]
    readonly_fields = ["next_digest_at", "unsubscribed_at", "feed_created_at", "created_at",
                       "updated_at"]

    @admin.display(boolean=True, description=_("calendar feed"))
    def has_feed(self, obj: ReminderPreference) -> bool:
        return obj.has_feed


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "kind", "url_hint", "enabled", "last_sent_at",
                    "last_error_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    fields = readonly_fields = (
        "user", "kind", "name", "email", "url_hint", "enabled", "gets_digests",
        "gets_quiet_warnings", "last_sent_at", "last_error", "last_error_at", "created_at",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
