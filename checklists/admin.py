"""Editors keep the guidance current here. Every change is versioned by
django-simple-history (who, when, what changed: see "History" on each object; long
texts show a word diff).

English and the other languages are edited side by side (checklists/translation_admin.py);
new guides and steps start as drafts, which only the preview shows; the preview renders
any language, saved or not yet saved. The content files in content/ are loaded by
`manage.py load_guidance`, which never overwrites a change made here.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.translatable import SOURCE_LANGUAGE, normalize_text

from .models import (
    ExchangeNote,
    ExchangeNoteTranslation,
    Guide,
    GuideTranslation,
    Step,
    StepProgress,
    StepTranslation,
    Walkthrough,
)
from .preview import render_step_preview
from .translation_admin import (
    ContentHistoryAdmin,
    NeedsReviewFilter,
    TranslationHistoryAdmin,
    field_name,
    reviewed_row,
    side_by_side,
    translated_form,
)

STEP_ORDER_JS = "js/admin-step-order.js"
SIDE_BY_SIDE = ("side-by-side",)
TRANSLATIONS_DESCRIPTION = _(
    "English is the source. A translation left empty shows the English to readers, with "
    "a “not yet translated” note; one that was made against an older English is flagged "
    "“needs review” until it is edited or ticked as still matching."
)


class StepInline(admin.TabularInline):
    """The guide's steps in order: move them with the arrows, then save."""

    model = Step
    fields = ["order", "position", "title", "slug", "is_published", "applies_when",
              "completes"]
    readonly_fields = ["order"]
    ordering = ["position"]
    extra = 0
    # Body, translations and notes are on the step's own page: the "Change" link.
    show_change_link = True

    class Media:
        js = [STEP_ORDER_JS]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "position":
            kwargs["widget"] = forms.HiddenInput(attrs={"data-step-position": ""})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("Order"))
    def order(self, step):
        button = ('<button type="button" class="step-move" data-step-move="{}" '
                  'aria-label="{}">{}</button>')
        return format_html(button + button, "up", _("Move up"), "↑", "down", _("Move down"), "↓")


@admin.register(Guide)
class GuideAdmin(ContentHistoryAdmin):
    form = translated_form(Guide, GuideTranslation)
    list_display = ["title", "position", "is_published", "applies_when", "step_count"]
    list_filter = ["is_published", NeedsReviewFilter]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview_link"]
    inlines = [StepInline]
    delete_confirmation_template = "checklists/admin/delete_confirmation.html"
    fieldsets = [
        (None, {"fields": ["slug", "position", "applies_when", "is_published", "preview_link"]}),
        (_("Text: English and translations side by side"), {
            "classes": SIDE_BY_SIDE, "description": TRANSLATIONS_DESCRIPTION,
            "fields": [*side_by_side(GuideTranslation.translated_fields), reviewed_row()],
        }),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_step_count=Count("steps"))

    @admin.display(description=_("Steps"), ordering="_step_count")
    def step_count(self, guide):
        return guide._step_count

    @admin.display(description=_("Preview"))
    def preview_link(self, guide):
        return format_html('<a href="{}" target="_blank">{}</a>', reverse("guidance_preview"),
                           _("Open the guidance page with drafts, in any language"))

    def save_formset(self, request, form, formset, change):
        """Steps added without JavaScript (position 0) go to the end of the guide."""
        instances = formset.save(commit=False)
        last = formset.instance.steps.aggregate(last=Max("position"))["last"] or 0
        for step in instances:
            if isinstance(step, Step) and step.pk is None and not step.position:
                last += 1
                step.position = last
            step.save()
        for step in formset.deleted_objects:
            step.delete()
        formset.save_m2m()


class ExchangeNoteInline(admin.StackedInline):
    model = ExchangeNote
    form = translated_form(ExchangeNote, ExchangeNoteTranslation)
    extra = 0
    autocomplete_fields = ["exchange"]
    classes = SIDE_BY_SIDE
    fields = [
        ("exchange", "replaces_body", "certainty"),
        *side_by_side(ExchangeNoteTranslation.translated_fields),
        reviewed_row(),
        ("withdrawal_hold_hours", "source_url", "last_reviewed_on"),
    ]


@admin.register(Step)
class StepAdmin(ContentHistoryAdmin):
    form = translated_form(Step, StepTranslation)
    list_display = ["title", "guide", "position", "is_published", "applies_when", "completes",
                    "last_reviewed_on"]
    list_filter = ["guide", "is_published", NeedsReviewFilter, "applies_when", "completes"]
    list_select_related = ["guide"]
    search_fields = ["title", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview"]
    inlines = [ExchangeNoteInline]
    change_form_template = "checklists/admin/step_change_form.html"
    delete_confirmation_template = "checklists/admin/delete_confirmation.html"
    delete_selected_confirmation_template = "checklists/admin/delete_selected_confirmation.html"
    fieldsets = [
        (None, {"fields": ["guide", "position", "slug", "is_published", "preview"]}),
        (_("Text: English and translations side by side"), {
            "classes": SIDE_BY_SIDE, "description": TRANSLATIONS_DESCRIPTION,
            "fields": [*side_by_side(StepTranslation.translated_fields), reviewed_row()],
        }),
        (_("When it shows and what it records"), {"fields": ["applies_when", "completes"]}),
        (_("Hold and source"), {
            "fields": ["withdrawal_hold_hours", "source_url", "last_reviewed_on"],
        }),
    ]

    def save_model(self, request, obj, form, change):
        """A new step without a position goes to the end of its guide."""
        if not obj.position and obj.guide_id:
            last = Step.objects.filter(guide_id=obj.guide_id).aggregate(last=Max("position"))
            obj.position = (last["last"] or 0) + 1
        super().save_model(request, obj, form, change)

    @admin.display(description=_("Preview"))
    def preview(self, step):
        if not step.pk:
            return _("Use “Preview unsaved changes” below.")
        return format_html(
            '<a href="{}" target="_blank">{}</a>', reverse("step_preview", args=[step.pk]),
            _("Open the saved step as readers see it, in any language"),
        )

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_unsaved_view)
        return [
            path("add/preview/", preview, name="checklists_step_preview_new"),
            path("<path:object_id>/preview/", preview, name="checklists_step_preview_unsaved"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        context["preview_url"] = (
            reverse("admin:checklists_step_preview_unsaved", args=[obj.pk]) if obj
            else reverse("admin:checklists_step_preview_new")
        )
        context["preview_languages"] = settings.LANGUAGES
        return super().render_change_form(request, context, add, change, form_url, obj)

    def preview_unsaved_view(self, request, object_id=None):
        """The change form's data rendered as readers would see it, without saving
        anything (POST only because the data is the whole form)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        step = self.get_object(request, object_id) if object_id else None
        if object_id and step is None:
            raise Http404
        allowed = (self.has_change_permission(request, step) if step
                   else self.has_add_permission(request))
        if not allowed:
            raise PermissionDenied
        form = self.get_form(request, step, change=step is not None)(
            request.POST, instance=step
        )
        if not form.is_valid():
            return self._preview_errors(request, form)
        language = request.POST.get("preview_language", SOURCE_LANGUAGE)
        step = form.instance
        step.shown_translations = [_unsaved_translation(StepTranslation, form, language)]
        if step.guide_id:
            step.guide.shown_translations = list(step.guide.translations.filter(
                language=language))
        notes = self._unsaved_notes(request, step, language)
        return render_step_preview(request, step, language, notes=notes, unsaved=True)

    def _unsaved_notes(self, request, step, language):
        notes = []
        for formset_class, inline in self.get_formsets_with_inlines(request, step):
            formset = formset_class(request.POST, instance=step,
                                    queryset=inline.get_queryset(request))
            for note_form in formset.forms:
                if (note_form.is_valid() and note_form.cleaned_data
                        and not note_form.cleaned_data.get("DELETE")
                        and note_form.cleaned_data.get("exchange")):
                    note = note_form.instance
                    note.shown_translations = [
                        _unsaved_translation(ExchangeNoteTranslation, note_form, language)
                    ]
                    notes.append(note)
        return notes

    def _preview_errors(self, request, form):
        context = {**self.admin_site.each_context(request), "errors": form.errors,
                   "title": _("Preview")}
        return render(request, "checklists/admin/preview_errors.html", context, status=400)


def _unsaved_translation(model, form, language):
    """A translation object from the form's side-by-side fields (never saved)."""
    if language == SOURCE_LANGUAGE:
        return model(language=language)
    values = {
        name: normalize_text(form.cleaned_data.get(field_name(name, language), "") or "")
        for name in model.translated_fields
    }
    return model(language=language, **values)


@admin.register(ExchangeNote)
class ExchangeNoteAdmin(ContentHistoryAdmin):
    form = translated_form(ExchangeNote, ExchangeNoteTranslation)
    list_display = ["step", "exchange", "replaces_body", "certainty", "last_reviewed_on"]
    list_filter = ["exchange", "certainty", NeedsReviewFilter]
    list_select_related = ["step", "exchange"]
    autocomplete_fields = ["exchange"]
    fieldsets = [
        (None, {"fields": ["step", "exchange", "replaces_body", "certainty"]}),
        (_("Text: English and translations side by side"), {
            "classes": SIDE_BY_SIDE, "description": TRANSLATIONS_DESCRIPTION,
            "fields": [*side_by_side(ExchangeNoteTranslation.translated_fields),
                       reviewed_row()],
        }),
        (_("Hold and source"), {
            "fields": ["withdrawal_hold_hours", "source_url", "last_reviewed_on"],
        }),
    ]


for _translation_model in (GuideTranslation, StepTranslation, ExchangeNoteTranslation):
    admin.site.register(_translation_model, TranslationHistoryAdmin)


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
