from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .events import describe_user_agent
from .models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read-only: an audit log that staff could edit would prove nothing."""

    list_display = ["created_at", "kind", "user", "ip", "device"]
    list_filter = ["kind", "created_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = readonly_fields = ("created_at", "kind", "user", "ip", "user_agent", "details")
    show_full_result_count = False

    @admin.display(description=_("Device"))
    def device(self, obj):
        return describe_user_agent(obj.user_agent)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
