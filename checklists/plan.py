"""A walkthrough's plan: the steps that apply to one account, its exchange and the
user's answers, with progress, expected waits and when withdrawals should work again.

Loaded with a fixed number of queries (guides, steps, this exchange's notes, progress,
and the reader's language's translations) and then tailored in Python with the
condition registry. Only published guides and steps are planned.
"""

import datetime
from dataclasses import dataclass, field

from accounts.status import Status
from accounts.translatable import Shown, reader_language

from .conditions import WalkthroughContext, applies
from .models import ExchangeNote, Step, StepProgress, Walkthrough
from .reading import ShownStep, guides_with_steps, show_guide, show_step


@dataclass(frozen=True)
class PlannedStep:
    text: ShownStep
    progress: StepProgress | None

    @property
    def step(self) -> Step:
        return self.text.step

    @property
    def notes(self) -> list[Shown]:
        return self.text.additions

    @property
    def state(self) -> str | None:
        return self.progress.state if self.progress else None

    @property
    def is_decided(self) -> bool:
        return self.progress is not None

    @property
    def expected_waits(self) -> list[str]:
        return self.text.expected_waits

    @property
    def hold_hours(self) -> int | None:
        hours = [h for h in [self.step.withdrawal_hold_hours,
                             *(note.withdrawal_hold_hours for note in self.text.notes)] if h]
        return max(hours) if hours else None


@dataclass(frozen=True)
class PlannedGuide:
    guide: Shown
    steps: list[PlannedStep]


@dataclass
class Plan:
    walkthrough: Walkthrough
    guides: list[PlannedGuide]
    orphaned_progress: list[StepProgress] = field(default_factory=list)

    @property
    def steps(self) -> list[PlannedStep]:
        return [step for guide in self.guides for step in guide.steps]

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def decided(self) -> int:
        return sum(1 for step in self.steps if step.is_decided)

    @property
    def percent(self) -> int:
        return round(100 * self.decided / self.total) if self.total else 100

    @property
    def is_complete(self) -> bool:
        return self.decided == self.total

    @property
    def current(self) -> PlannedStep | None:
        return next((step for step in self.steps if not step.is_decided), None)

    @property
    def waits(self) -> list[tuple[PlannedStep, list[str]]]:
        """Steps still ahead (or done) that come with a wait, skipped ones left out."""
        return [
            (step, step.expected_waits) for step in self.steps
            if step.expected_waits and step.state != StepProgress.State.SKIPPED
        ]

    def withdrawals_likely_from(self, now: datetime.datetime) -> datetime.datetime | None:
        """The earliest moment withdrawals are likely to work again: each hold counts
        from when its step was done, or from now if it is still ahead."""
        ends = [
            (step.progress.decided_at if step.progress and step.state == StepProgress.State.DONE
             else now)
            + datetime.timedelta(hours=step.hold_hours)
            for step in self.steps
            if step.hold_hours and step.state != StepProgress.State.SKIPPED
        ]
        latest = max(ends, default=None)
        return latest if latest and latest > now else None


def build_plan(walkthrough: Walkthrough, language: str | None = None) -> Plan:
    """The walkthrough's steps in `language` (the reader's by default), step by step
    where translated."""
    language = language or reader_language()
    account = walkthrough.account
    context = WalkthroughContext(
        account=account,
        status=Status(walkthrough.status_at_start),
        knows_password=walkthrough.knows_password,
        has_authenticator=walkthrough.has_authenticator,
    )
    progress = list(walkthrough.progress.all())
    by_step = {p.step_id: p for p in progress if p.step_id}
    notes = ExchangeNote.objects.filter(exchange__accounts=account).select_related("exchange")
    guides = []
    for guide in guides_with_steps(language, notes=notes):
        # A step the user already decided on stays in the plan even if completing it
        # changed the account so that its condition no longer holds (e.g. "set up an
        # authenticator" once the authenticator is set up).
        planned = [
            PlannedStep(show_step(step, list(step.exchange_notes.all()), language),
                        by_step.get(step.pk))
            for step in guide.steps.all()
            if step.pk in by_step
            or (applies(guide.applies_when, context) and applies(step.applies_when, context))
        ]
        if planned:
            guides.append(PlannedGuide(show_guide(guide, language), planned))
    planned_ids = {p.step.pk for g in guides for p in g.steps}
    orphaned = [p for p in progress if p.step_id not in planned_ids]
    return Plan(walkthrough, guides, orphaned)
