"""Editors keep the guidance current here. Every change is versioned by
django-simple-history (who, when, what changed: see "History" on each object)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .models import ExchangeNote, Guide, Step, StepProgress, Walkthrough


class StepInline(admin.TabularInline):
    model = Step
    fields = ["position", "title", "slug", "applies_when", "completes", "edit_link"]
    readonly_fields = ["edit_link"]
    ordering = ["position"]
    extra = 0
    show_change_link = True

    @admin.display(description="Body, waits, sources")
    def edit_link(self, step):
        if not step.pk:
            return "Save first"
        return format_html('<a href="{}">Edit step</a>', reverse("admin:checklists_step_change",
                                                                  args=[step.pk]))


@admin.register(Guide)
class GuideAdmin(SimpleHistoryAdmin):
    list_display = ["title", "position", "applies_when", "step_count"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [StepInline]

    @admin.display(description="Steps")
    def step_count(self, guide):
        return guide.steps.count()


class ExchangeNoteInline(admin.StackedInline):
    model = ExchangeNote
    extra = 0
    autocomplete_fields = ["exchange"]


@admin.register(Step)
class StepAdmin(SimpleHistoryAdmin):
    list_display = ["title", "guide", "position", "applies_when", "completes", "last_reviewed_on"]
    list_filter = ["guide", "applies_when", "completes"]
    list_select_related = ["guide"]
    search_fields = ["title", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview"]
    inlines = [ExchangeNoteInline]
    fieldsets = [
        (None, {"fields": ["guide", "position", "title", "slug", "body", "preview"]}),
        ("When it shows and what it records", {"fields": ["applies_when", "completes"]}),
        ("Waits", {"fields": ["expected_wait", "withdrawal_hold_hours"]}),
        ("Source", {"fields": ["source_name", "source_url", "last_reviewed_on"]}),
    ]

    @admin.display(description="Preview (as saved)")
    def preview(self, step):
        if not step.pk:
            return "Save to preview."
        return format_html(
            '<div class="step-preview">{}</div><p><a href="{}" target="_blank">'
            "Open the full preview with exchange notes</a></p>",
            step.body_html(), reverse("step_preview", args=[step.pk]),
        )


@admin.register(ExchangeNote)
class ExchangeNoteAdmin(SimpleHistoryAdmin):
    list_display = ["step", "exchange", "replaces_body", "certainty", "last_reviewed_on"]
    list_filter = ["exchange", "certainty"]
    list_select_related = ["step", "exchange"]


class StepProgressInline(admin.TabularInline):
    model = StepProgress
    fields = readonly_fields = ("step_title", "state", "decided_at")
    extra = 0
    can_delete = False


@admin.register(Walkthrough)
class WalkthroughAdmin(admin.ModelAdmin):
    """Read-only, for support: what a user has worked through."""

    list_display = ["account", "started_at", "finished_at"]
    list_select_related = ["account__exchange"]
    readonly_fields = ["account", "knows_password", "has_authenticator", "started_at",
                       "finished_at"]
    inlines = [StepProgressInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
