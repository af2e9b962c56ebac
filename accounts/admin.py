"""Admin: staff keep the exchange catalogue current; user accounts are read-only.

Support staff may look at an exchange account (to answer "why is my account overdue?")
but never edit it: only its owner changes it, through the app. Deleting whole users
from the user admin still cascades to their accounts, so deletion here is left to the
model's delete permission, but this admin offers no delete button or action.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from checklists.translation_admin import (
    ContentHistoryAdmin,
    NeedsReviewFilter,
    TranslationHistoryAdmin,
    reviewed_row,
    side_by_side,
    translated_form,
)

from .models import CheckIn, Exchange, ExchangeAccount, ExchangeFact, ExchangeFactTranslation

SUMMARY_PREVIEW_CHARS = 90


class ExchangeFactInline(admin.TabularInline):
    """Facts in English; their translations are on each fact's own page ("Change")."""

    model = ExchangeFact
    fields = ["key", "kind", "summary", "source_name", "source_url", "certainty", "checked_on"]
    extra = 0
    show_change_link = True


@admin.register(Exchange)
class ExchangeAdmin(ContentHistoryAdmin):
    list_display = ["name", "slug", "dormancy_after_days", "features_checked_on", "fact_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ExchangeFactInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "website", "dormancy_after_days"]}),
        (
            _("Security features"),
            {
                "description": _(
                    "What the exchange offers, with where and when it was checked. "
                    "Leave the source blank when unverified: the app then says so."
                ),
                "fields": [
                    "offers_authenticator",
                    "offers_security_key",
                    "offers_sms",
                    "offers_anti_phishing_code",
                    "offers_withdrawal_whitelist",
                    "offers_device_management",
                    "offers_api_keys",
                    "features_source",
                    "features_checked_on",
                ],
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_fact_count=Count("facts"))

    @admin.display(description=_("facts"), ordering="_fact_count")
    def fact_count(self, obj) -> int:  # an Exchange from get_queryset, with _fact_count
        return obj._fact_count


@admin.register(ExchangeFact)
class ExchangeFactAdmin(ContentHistoryAdmin):
    form = translated_form(ExchangeFact, ExchangeFactTranslation)
    list_display = ["exchange", "kind", "certainty", "checked_on", "summary_preview"]
    list_filter = ["kind", "certainty", "exchange", NeedsReviewFilter]
    list_select_related = ["exchange"]
    search_fields = ["summary", "source_name"]
    autocomplete_fields = ["exchange"]
    fieldsets = [
        (None, {"fields": ["exchange", "key", "kind", "certainty", "source_url", "checked_on"]}),
        (_("Text: English and translations side by side"), {
            "classes": ["side-by-side"],
            "fields": [*side_by_side(ExchangeFactTranslation.translated_fields),
                       reviewed_row()],
        }),
    ]

    @admin.display(description=_("summary"))
    def summary_preview(self, obj: ExchangeFact) -> str:
        if len(obj.summary) <= SUMMARY_PREVIEW_CHARS:
            return obj.summary
        return obj.summary[: SUMMARY_PREVIEW_CHARS - 1].rstrip() + "…"


admin.site.register(ExchangeFactTranslation, TranslationHistoryAdmin)


class CheckInInline(admin.TabularInline):
    model = CheckIn
    fields = readonly_fields = ("on", "source", "created_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExchangeAccount)
class ExchangeAccountAdmin(admin.ModelAdmin):
    list_display = [
        "owner_email", "exchange_display", "label", "last_login_on", "next_check_in_on",
        "archived_at",
    ]
    list_select_related = ["owner", "exchange"]
    list_filter = ["exchange", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["owner__email"]
    ordering = ["next_check_in_on", "id"]
    # Counting every row of a large table on each page load is slow; show "Show all".
    show_full_result_count = False
    actions = None
    inlines = [CheckInInline]
    fieldsets = [
        (None, {"fields": ["owner", "exchange", "other_exchange_name", "label", "login_hint",
                           "notes"]}),
        (_("Dates"), {"fields": ["opened_on", "last_login_on", "check_in_every_days",
                              "next_check_in_on", "holds_assets", "archived_at", "created_at",
                              "updated_at"]}),
        (_("Security"), {"fields": [
            "two_factor_method", "anti_phishing_code_set", "withdrawal_whitelist_on",
            "whitelist_reviewed_on", "password_changed_on", "password_is_strong",
            "password_is_unique", "email_in_use", "phone_status", "api_keys_present",
            "api_keys_reviewed_on", "devices_reviewed_on", "kyc_status",
        ]}),
    ]
    readonly_fields = ["next_check_in_on", "created_at", "updated_at"]

    @admin.display(description=_("owner"), ordering="owner__email")
    def owner_email(self, obj: ExchangeAccount) -> str:
        return obj.owner.email

    @admin.display(description=_("exchange"), ordering="exchange__name")
    def exchange_display(self, obj: ExchangeAccount) -> str:
        return obj.exchange_name

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_delete": False}
        return super().change_view(request, object_id, form_url, extra_context)
