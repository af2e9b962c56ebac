"""Admin pieces for translated content: every language side by side on one form, a
"needs review" filter, and history that shows a word diff of long texts.

Used by the guidance admin (checklists/admin.py) and the exchange facts admin
(accounts/admin.py). The form adds, for each text field and each language other than
English, a field named `<field>__<lang>` (`body__zh_hans`); fieldsets put them in one
row beside the English, so an editor reads the source while writing the translation.
"""

import difflib
import re
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from accounts.translatable import (
    SourceText,
    Translation,
    normalize_text,
    translation_languages,
)

ADMIN_MEDIA = forms.Media(css={"all": ["css/admin-content.css"]})


def field_name(name: str, language: str) -> str:
    return f"{name}__{language.replace('-', '_')}"


def reviewed_name(language: str) -> str:
    return field_name("reviewed", language)


def side_by_side(names: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Fieldset rows: each text field in English, then in every other language."""
    return [
        (name, *(field_name(name, code) for code, _name in translation_languages()))
        for name in names
    ]


def reviewed_row() -> tuple[str, ...]:
    return tuple(reviewed_name(code) for code, _name in translation_languages())


class TranslatedModelForm(forms.ModelForm):
    """A ModelForm whose instance is a SourceText; `translated_form()` declares the
    per-language fields on a subclass."""

    translation_model: type[Translation]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.translations = (
            {t.language: t for t in self.instance.translations.all()} if self.instance.pk else {}
        )
        for code, _name in translation_languages():
            translation = self.translations.get(code)
            for name in self.translation_model.translated_fields:
                if translation is not None:
                    self.initial.setdefault(field_name(name, code), getattr(translation, name))
            self._describe_status(code, translation)

    def _describe_status(self, code: str, translation: Translation | None) -> None:
        first = self.fields.get(field_name(self.translation_model.translated_fields[0], code))
        reviewed = self.fields.get(reviewed_name(code))
        if first is None or reviewed is None:
            return
        if translation is None:
            first.help_text = _("Not translated yet: readers see the English.")
        elif translation.needs_review:
            first.help_text = _("Needs review: the English changed after this translation "
                                "was last edited.")
        if translation is None or not translation.needs_review:
            reviewed.widget = forms.HiddenInput()

    def save_translations(self) -> None:
        """Create, update or delete this instance's translation rows. An edited
        translation (or one ticked "still matches") is marked as made against the
        English saved with it."""
        for code, _name in translation_languages():
            # Browsers send textarea line breaks as CRLF: compare what would be stored.
            values = {
                name: normalize_text(self.cleaned_data.get(field_name(name, code), "") or "")
                for name in self.translation_model.translated_fields
            }
            self._save_translation(code, values, bool(self.cleaned_data.get(reviewed_name(code))))

    def _save_translation(self, code: str, values: dict[str, str], reviewed: bool) -> None:
        translation = self.translations.get(code)
        if not any(value.strip() for value in values.values()):
            if translation is not None:
                translation.delete()
            return
        if translation is None:
            translation = self.translation_model(
                **{self.translation_model.source_field: self.instance, "language": code}
            )
        edited = translation.pk is None or any(
            getattr(translation, name) != value for name, value in values.items()
        )
        if not (edited or reviewed):
            return
        for name, value in values.items():
            setattr(translation, name, value)
        translation.source_hash = self.instance.english_hash
        translation.save()


def translated_form(model: type[SourceText], translation_model: type[Translation],
                    base: type[forms.ModelForm] = TranslatedModelForm) -> type:
    """A form class for `model` with the translation fields declared, so the admin's
    fieldsets may name them."""
    attrs: dict[str, Any] = {"translation_model": translation_model}
    for code, language in translation_languages():
        for name in translation_model.translated_fields:
            model_field = model._meta.get_field(name)
            assert isinstance(model_field, models.Field)  # translated fields are text columns
            english = model_field.formfield(required=False)
            assert english is not None
            english.label = format_lazy(
                _("{label} ({language})"), label=english.label, language=language
            )
            english.widget.attrs["lang"] = code
            attrs[field_name(name, code)] = english
        attrs[reviewed_name(code)] = forms.BooleanField(
            required=False,
            label=format_lazy(_("{language} still matches the English"), language=language),
        )
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": "__all__"})
    return type(f"{model.__name__}TranslatedForm", (base,), attrs)


def save_all_translations(form: forms.ModelForm, formsets) -> None:
    """After the admin saved the object and its inlines: their translations."""
    if isinstance(form, TranslatedModelForm):
        form.save_translations()
    for formset in formsets:
        for inline_form in formset.forms:
            if (isinstance(inline_form, TranslatedModelForm) and inline_form.instance.pk
                    and inline_form not in formset.deleted_forms
                    and inline_form.is_valid()):
                inline_form.save_translations()


class NeedsReviewFilter(admin.SimpleListFilter):
    """Rows whose translation in a language is missing or behind the English."""

    title = _("translation")
    parameter_name = "translation"

    def lookups(self, request, model_admin):
        choices: list[tuple[str, str | Promise]] = []
        for code, language in translation_languages():
            choices.append((f"review:{code}", _("Needs review: %(language)s") % {
                "language": language}))
            choices.append((f"missing:{code}", _("Missing: %(language)s") % {
                "language": language}))
        choices.append(("review:any", _("Needs review in any language")))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value or ":" not in value:
            return queryset
        state, code = value.split(":", 1)
        translations = queryset.model.translations.rel.related_model.objects.filter(
            **{queryset.model.translations.rel.field.name: OuterRef("pk")}
        )
        if code != "any":
            translations = translations.filter(language=code)
        if state == "missing":
            return queryset.exclude(Exists(translations))
        return queryset.filter(Exists(translations.exclude(source_hash=OuterRef("english_hash"))))


# --- History: a word diff for long texts ------------------------------------------------

# Han, kana and hangul are compared character by character (no spaces between words);
# other scripts word by word.
TOKENS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|\w+|\s+|[^\w\s]")
LONG_TEXT = 100


def word_diff(old: str, new: str) -> SafeString:
    """`old` → `new` as HTML: removed words in <del>, added ones in <ins>."""
    old_tokens, new_tokens = TOKENS.findall(old or ""), TOKENS.findall(new or "")
    parts = []
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        if tag == "equal":
            parts.append(format_html("{}", removed))
            continue
        if removed:
            parts.append(format_html("<del>{}</del>", removed))
        if added:
            parts.append(format_html("<ins>{}</ins>", added))
    return mark_safe("".join(parts))  # noqa: S308 (every part went through format_html)


class WordDiffContextHelper(HistoricalRecordContextHelper):
    """Long text fields show every change in place instead of a 100-character cut."""

    def context_for_delta_changes(self, delta) -> list[dict[str, Any]]:
        rows = []
        for change in delta.changes:
            field = self.model._meta.get_field(change.field)
            is_text = isinstance(field, models.TextField | models.CharField)
            if is_text and max(len(str(change.old or "")), len(str(change.new or ""))) > LONG_TEXT:
                rows.append({"field": field.verbose_name.capitalize(),
                             "diff": word_diff(change.old, change.new)})
            else:
                formatted = self.format_delta_change(change)
                rows.append({"field": formatted.field, "old": formatted.old,
                             "new": formatted.new})
        return rows


class ContentHistoryAdmin(SimpleHistoryAdmin):
    """History with word diffs; styles for the side-by-side forms."""

    object_history_list_template = "checklists/admin/object_history_list.html"

    @property
    def media(self):
        return super().media + ADMIN_MEDIA

    def get_historical_record_context_helper(self, request, historical_record):
        return WordDiffContextHelper(self.model, historical_record)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        save_all_translations(form, formsets)


class TranslationHistoryAdmin(ContentHistoryAdmin):
    """Translations are edited beside the English on their source's page; listed here
    with their history and review state, read-only."""

    list_display = ["__str__", "language", "review_state", "updated_at"]
    list_filter = ["language"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(self.model.source_field)

    @admin.display(description=_("State"))
    def review_state(self, translation):
        return _("needs review") if translation.needs_review else _("up to date")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

