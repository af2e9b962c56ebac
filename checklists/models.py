"""Guidance as data: guides made of ordered steps, exchange-specific notes, and each
user's progress through a walkthrough for one of their exchange accounts.

The English text lives on Guide, Step and ExchangeNote; each other language in a
translation row beside it (see accounts/translatable.py). The content comes from
content/guides/*.yaml through `manage.py load_guidance`; editors change it in the admin.
"""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.models import Certainty, Exchange, ExchangeAccount
from accounts.status import Status
from accounts.translatable import SourceText, Translation

from .actions import ACTION_CHOICES
from .conditions import CONDITION_CHOICES

# Bookkeeping columns that would only add noise to the history of an edit.
UNTRACKED = ["loaded_values", "english_hash"]


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Guide(SourceText):
    translated_fields = ("title", "summary")

    slug = models.SlugField(_("slug"), unique=True)
    title = models.CharField(_("title"), max_length=120)
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("Markdown. Shown under the guide's title.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    applies_when = models.CharField(
        _("applies when"), max_length=40, blank=True, choices=CONDITION_CHOICES,
        help_text=_("Leave blank to include the guide in every walkthrough."),
    )
    is_published = models.BooleanField(
        _("published"), default=False,
        help_text=_("Readers see only published guides; a draft shows in the preview."),
    )
    history = HistoricalRecords(excluded_fields=UNTRACKED)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        verbose_name = _("guide")
        verbose_name_plural = _("guides")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Step(SourceText):
    translated_fields = ("title", "body", "expected_wait", "source_name")

    guide = models.ForeignKey(
        Guide, verbose_name=_("guide"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    slug = models.SlugField(
        _("slug"), unique=True, help_text=_("Anchor on the guidance page; findings link to it.")
    )
    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(_("body"), help_text=_("Markdown. Raw HTML is shown as text."))
    applies_when = models.CharField(
        _("applies when"), max_length=40, blank=True, choices=CONDITION_CHOICES,
        help_text=_("Leave blank to show the step to everyone."),
    )
    completes = models.CharField(
        _("completing it"), max_length=40, blank=True, choices=ACTION_CHOICES,
        help_text=_("What marking the step done records on the user's account."),
    )
    expected_wait = models.CharField(
        _("expected wait"), max_length=200, blank=True,
        help_text=_("e.g. “Withdrawals restricted for 24–48 hours”."),
    )
    withdrawal_hold_hours = models.PositiveSmallIntegerField(
        _("withdrawal hold (hours)"), null=True, blank=True,
        help_text=_("Longest withdrawal hold this step can cause, for the plan's dates."),
    )
    source_name = models.CharField(_("source name"), max_length=200, blank=True)
    source_url = models.URLField(_("source URL"), blank=True)
    last_reviewed_on = models.DateField(_("last reviewed on"), default=datetime.date.today)
    is_published = models.BooleanField(
        _("published"), default=False,
        help_text=_("Readers see only published steps; a draft shows in the preview."),
    )
    history = HistoricalRecords(excluded_fields=UNTRACKED)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["guide__position", "position", "id"]

    def __str__(self) -> str:
        return self.title


class ExchangeNote(SourceText):
    """Exchange-specific guidance that extends, or replaces, a step's body."""

    translated_fields = ("body", "expected_wait", "source_name")

    step = models.ForeignKey(
        Step, verbose_name=_("step"), on_delete=models.CASCADE, related_name="exchange_notes"
    )
    exchange = models.ForeignKey(
        Exchange, verbose_name=_("exchange"), on_delete=models.CASCADE, related_name="step_notes"
    )
    replaces_body = models.BooleanField(
        _("replaces the step's text"),
        default=False, help_text=_("Show this instead of the step's own text for this exchange.")
    )
    body = models.TextField(_("body"), help_text=_("Markdown."))
    expected_wait = models.CharField(_("expected wait"), max_length=200, blank=True)
    withdrawal_hold_hours = models.PositiveSmallIntegerField(
        _("withdrawal hold (hours)"), null=True, blank=True
    )
    source_name = models.CharField(_("source name"), max_length=200, blank=True)
    source_url = models.URLField(_("source URL"), blank=True)
    certainty = models.CharField(
        _("certainty"), max_length=20, choices=Certainty, default=Certainty.OFFICIAL
    )
    last_reviewed_on = models.DateField(_("last reviewed on"), default=datetime.date.today)
    history = HistoricalRecords(excluded_fields=UNTRACKED)

    class Meta:
        verbose_name = _("exchange note")
        verbose_name_plural = _("exchange notes")
        ordering = ["exchange__name"]
        constraints = [
            models.UniqueConstraint(fields=["step", "exchange"], name="one_note_per_step_exchange"),
        ]

    def __str__(self) -> str:
        return f"{self.exchange}: {self.step}"

    @property
    def is_uncertain(self) -> bool:
        return self.certainty == Certainty.UNCERTAIN


class GuideTranslation(Translation):
    source_field = "guide"
    translated_fields = Guide.translated_fields

    guide = models.ForeignKey(
        Guide, verbose_name=_("guide"), on_delete=models.CASCADE, related_name="translations"
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    history = HistoricalRecords(excluded_fields=["loaded_values"])

    class Meta:
        verbose_name = _("guide translation")
        verbose_name_plural = _("guide translations")
        ordering = ["guide", "language"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "language"], name="one_guide_translation"),
        ]


class StepTranslation(Translation):
    source_field = "step"
    translated_fields = Step.translated_fields

    step = models.ForeignKey(
        Step, verbose_name=_("step"), on_delete=models.CASCADE, related_name="translations"
    )
    title = models.CharField(_("title"), max_length=160, blank=True)
    body = models.TextField(_("body"), blank=True)
    expected_wait = models.CharField(_("expected wait"), max_length=200, blank=True)
    source_name = models.CharField(_("source name"), max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["loaded_values"])

    class Meta:
        verbose_name = _("step translation")
        verbose_name_plural = _("step translations")
        ordering = ["step", "language"]
        constraints = [
            models.UniqueConstraint(fields=["step", "language"], name="one_step_translation"),
        ]


class ExchangeNoteTranslation(Translation):
    source_field = "note"
    translated_fields = ExchangeNote.translated_fields

    note = models.ForeignKey(
        ExchangeNote, verbose_name=_("note"), on_delete=models.CASCADE, related_name="translations"
    )
    body = models.TextField(_("body"), blank=True)
    expected_wait = models.CharField(_("expected wait"), max_length=200, blank=True)
    source_name = models.CharField(_("source name"), max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["loaded_values"])

    class Meta:
        verbose_name = _("exchange note translation")
        verbose_name_plural = _("exchange note translations")
        ordering = ["note", "language"]
        constraints = [
            models.UniqueConstraint(fields=["note", "language"], name="one_note_translation"),
        ]


class Walkthrough(models.Model):
    """One pass through the guidance for one account, with the user's answers."""

    account = models.ForeignKey(
        ExchangeAccount, verbose_name=_("account"), on_delete=models.CASCADE,
        related_name="walkthroughs",
    )
    knows_password = models.BooleanField(_("knows password"), null=True)
    has_authenticator = models.BooleanField(_("has authenticator"), null=True)
    # Frozen at the start so the plan doesn't change under the user as they log in.
    status_at_start = models.CharField(
        _("status at start"), max_length=20, choices=Status, default=Status.ACTIVE
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("walkthrough")
        verbose_name_plural = _("walkthroughs")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(finished_at__isnull=True),
                name="one_open_walkthrough_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"Walkthrough for {self.account}"


class StepProgress(models.Model):
    """A step marked done or skipped. The title is copied so past progress stays
    readable if an editor later renames or deletes the step."""

    class State(models.TextChoices):
        DONE = "done", pgettext_lazy("step state", "Done")
        SKIPPED = "skipped", _("Skipped")

    walkthrough = models.ForeignKey(
        Walkthrough, verbose_name=_("walkthrough"), on_delete=models.CASCADE,
        related_name="progress",
    )
    step = models.ForeignKey(
        Step, verbose_name=_("step"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    step_title = models.CharField(_("step title"), max_length=160)
    state = models.CharField(_("state"), max_length=10, choices=State)
    decided_at = models.DateTimeField(_("decided at"), auto_now=True)

    class Meta:
        verbose_name = _("step progress")
        verbose_name_plural = _("step progress")
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["walkthrough", "step"], name="one_progress_per_step",
                condition=models.Q(step__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step_title}: {self.get_state_display()}"
