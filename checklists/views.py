"""The public guidance page, the editors' previews and the per-account walkthrough."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.access import owned_account_or_404
from accounts.status import account_status
from accounts.translatable import reader_language
from config.admin_mfa import staff_second_factor_required

from .actions import perform
from .models import Step, StepProgress, Walkthrough
from .plan import build_plan
from .preview import preview_language, render_step_preview
from .reading import guidance_sections

YES_NO = [("yes", pgettext_lazy("answer", "Yes")), ("no", pgettext_lazy("answer", "No"))]


def guidance(request):
    """Every published guide and step in the reader's language, readable without
    signing in; steps are the anchors that findings link to."""
    language = reader_language()
    return render(request, "checklists/guidance.html", {
        "sections": guidance_sections(language), "language": language,
    })


@staff_second_factor_required
def guidance_preview(request):
    """The guidance page with drafts, in any language, for editors."""
    language = preview_language(request)
    return render(request, "checklists/guidance.html", {
        "sections": guidance_sections(language, include_drafts=True),
        "language": language, "preview": True,
    })


@staff_second_factor_required
def step_preview(request, step_pk: int):
    """What a user sees for this step (published or draft) in any language."""
    step = get_object_or_404(Step.objects.select_related("guide"), pk=step_pk)
    return render_step_preview(request, step, preview_language(request))


class StartForm(forms.Form):
    knows_password = forms.ChoiceField(
        label=_("Do you still know this account's password?"), choices=YES_NO,
        widget=forms.RadioSelect,
    )
    has_authenticator = forms.ChoiceField(
        label=_("Do you still have the authenticator app or security key it uses?"),
        choices=YES_NO, widget=forms.RadioSelect,
    )

    def __init__(self, *args, account, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # Only ask what can change the plan: no authenticator question without one.
        if not account.uses_authenticator:
            del self.fields["has_authenticator"]

    def answers(self) -> dict:
        return {
            name: self.cleaned_data[name] == "yes" if name in self.cleaned_data else None
            for name in ("knows_password", "has_authenticator")
        }


def _latest_walkthrough(account) -> Walkthrough | None:
    return account.walkthroughs.first()


@login_required
def walkthrough(request, pk: int):
    account = owned_account_or_404(request.user, pk)
    current = _latest_walkthrough(account)
    if current is None:
        form = StartForm(account=account)
        return render(request, "checklists/walkthrough_start.html",
                      {"account": account, "form": form})
    current.account = account  # reuse the owner-checked instance (and its exchange)
    plan = build_plan(current)
    return render(request, "checklists/walkthrough.html", {
        "account": account,
        "plan": plan,
        "withdrawals_from": plan.withdrawals_likely_from(timezone.now()),
    })


@login_required
@require_POST
def walkthrough_start(request, pk: int):
    account = owned_account_or_404(request.user, pk)
    form = StartForm(request.POST, account=account)
    if not form.is_valid():
        return render(request, "checklists/walkthrough_start.html",
                      {"account": account, "form": form}, status=400)
    with transaction.atomic():
        account.walkthroughs.filter(finished_at__isnull=True).update(finished_at=timezone.now())
        status = account_status(account, timezone.localdate()).status
        Walkthrough.objects.create(account=account, status_at_start=status, **form.answers())
    return redirect("walkthrough", pk=account.pk)


@login_required
@require_POST
def walkthrough_restart(request, pk: int):
    """Close the current walkthrough (its progress stays in history) and ask again."""
    account = owned_account_or_404(request.user, pk)
    account.walkthroughs.filter(finished_at__isnull=True).update(finished_at=timezone.now())
    form = StartForm(account=account)
    return render(request, "checklists/walkthrough_start.html", {"account": account, "form": form})


def _open_walkthrough_or_404(account) -> Walkthrough:
    return get_object_or_404(account.walkthroughs, finished_at__isnull=True)


@login_required
@require_POST
def step_decide(request, pk: int, step_pk: int, state: str):
    """Mark a step done or skipped; "done" also records what the step completes."""
    account = owned_account_or_404(request.user, pk)
    current = _open_walkthrough_or_404(account)
    step = get_object_or_404(Step.objects.published(), pk=step_pk)  # drafts aren't planned
    if state not in StepProgress.State.values:
        raise Http404("Unknown step state.")
    with transaction.atomic():
        StepProgress.objects.update_or_create(
            walkthrough=current, step=step,
            defaults={"state": state, "step_title": step.title},
        )
        if state == StepProgress.State.DONE and step.completes:
            perform(step.completes, account, timezone.localdate())
    current.account = account
    plan = build_plan(current)
    if plan.is_complete:
        current.finished_at = timezone.now()
        current.save(update_fields=["finished_at"])
        messages.success(request, gettext("Walkthrough finished for %(account)s.")
                         % {"account": account})
        return redirect("walkthrough", pk=account.pk)
    # Land on the step to do next: it is the one highlighted, not the one just decided.
    anchor = f"#step-{plan.current.step.slug}" if plan.current else ""
    return redirect(reverse("walkthrough", args=[account.pk]) + anchor)


@login_required
@require_POST
def step_undo(request, pk: int, step_pk: int):
    account = owned_account_or_404(request.user, pk)
    current = _open_walkthrough_or_404(account)
    current.progress.filter(step_id=step_pk).delete()
    return redirect("walkthrough", pk=account.pk)

