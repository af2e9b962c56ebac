"""Owner views (signed in, /quiet/) and contact views (/h/, the link is the credential).

Nothing changes on GET: the links in emails open a page with a button, and the POST acts
(mail scanners and link previews follow links). The contact's handoff page is shown in
answer to that POST, so an opening is recorded only when a person asked for it.
"""

from allauth.core.internal.ratelimit import consume_or_429
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import services, tokens
from .access import owned_contact_or_404
from .content import handoff_content
from .forms import ContactForm, QuietPlanForm
from .models import HandoffOpen, QuietPlan, TrustedContact

# Contacts' pages: per address, generous for a person, tight for a guesser.
RATE_LIMITS = {"handoff": "30/m/ip,200/h/ip"}


def _rate_limited(request):
    return consume_or_429(
        request, app="handoff", action="handoff", config=RATE_LIMITS, limit_get=True
    )


def _noindex(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- The owner ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def quiet_plan(request):
    plan = services.plan_of(request.user) or QuietPlan(owner=request.user)
    form = QuietPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        services.save_plan(request, form.instance, timezone.now())
        messages.success(request, gettext("Saved. Your quiet period starts again today."))
        return redirect("quiet_plan")
    if plan.pk:  # the page around an invalid form shows what is saved
        plan = QuietPlan.objects.get(pk=plan.pk)
    return render(request, "handoff/plan.html", _plan_context(request, plan, form))


def _plan_context(request, plan: QuietPlan, form, contact_form=None) -> dict:
    contacts = list(plan.contacts.all()) if plan.pk else []
    opens = list(
        HandoffOpen.objects.filter(contact__plan=plan).select_related("contact")[:50]
    ) if plan.pk else []
    return {
        "plan": plan, "form": form, "contacts": contacts, "opens": opens,
        "contact_form": contact_form or ContactForm(plan=plan),
        "days_left": plan.days_left(timezone.now()) if plan.pk else None,
        "armed": plan.pk and plan.state == QuietPlan.State.ARMED,
        "handed_off": plan.pk and plan.state == QuietPlan.State.HANDED_OFF,
    }


@login_required
@require_POST
def quiet_contact_add(request):
    plan = services.plan_of(request.user)
    if plan is None:
        messages.error(request, gettext("Set your quiet period first."))
        return redirect("quiet_plan")
    form = ContactForm(request.POST, plan=plan)
    if not form.is_valid():
        return render(request, "handoff/plan.html", _plan_context(
            request, plan, QuietPlanForm(instance=plan), form
        ), status=400)
    services.add_contact(request, plan, form.cleaned_data["email"], timezone.now())
    messages.success(request, gettext("We asked your contact to confirm by email."))
    return redirect("quiet_plan")


@login_required
@require_POST
def quiet_contact_remove(request, contact_pk: int):
    services.remove_contact(request, owned_contact_or_404(request.user, contact_pk))
    messages.success(request, gettext("Contact removed."))
    return redirect("quiet_plan")


@login_required
@require_POST
def quiet_cancel(request):
    plan = services.plan_of(request.user)
    if plan is not None and plan.state != QuietPlan.State.CANCELLED:
        services.cancel_plan(request, plan, timezone.now())
        messages.success(request, gettext("Turned off. Nobody will be contacted."))
    return redirect("quiet_plan")


@login_required
@require_POST
def quiet_here(request):
    services.note_activity(request.user, timezone.now(), request=request, still_here=True)
    messages.success(request, gettext("Thanks. Your quiet period starts again today."))
    return redirect("quiet_plan")


# --- Links in emails -----------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def quiet_here_link(request, here_token: str):
    """"I'm here" from a warning email, without signing in: the signed link names the plan."""
    if limited := _rate_limited(request):
        return limited
    plan_id = tokens.plan_id_from_here_token(here_token)
    plan = QuietPlan.objects.filter(pk=plan_id).select_related("owner").first() if plan_id else None
    if plan is None:
        return _noindex(render(request, "handoff/invalid.html", status=404))
    if request.method == "POST":
        services.note_activity(plan.owner, timezone.now(), request=request, still_here=True)
        return _noindex(render(request, "handoff/here_done.html"))
    return _noindex(render(request, "handoff/here.html", {"here_token": here_token}))


@never_cache
@require_http_methods(["GET", "POST"])
def handoff_confirm(request, confirm_token: str):
    if limited := _rate_limited(request):
        return limited
    contact_id = tokens.contact_id_from_confirm_token(confirm_token)
    contact = (
        TrustedContact.objects.select_related("plan__owner").filter(pk=contact_id).first()
        if contact_id else None
    )
    if contact is None:
        return _noindex(render(request, "handoff/invalid.html", status=404))
    if request.method == "POST":
        services.confirm_contact(request, contact, timezone.now())
        contact.refresh_from_db(fields=["confirmed_at"])
    context = {
        "contact": contact, "owner_email": contact.plan.owner.email,
        "confirm_token": confirm_token,
    }
    return _noindex(render(request, "handoff/confirm.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
def handoff_page(request, access_token: str):
    if limited := _rate_limited(request):
        return limited
    now = timezone.now()
    contact = services.contact_for_access_token(access_token, now)
    if contact is None:
        return _noindex(render(request, "handoff/invalid.html", status=404))
    plan = contact.plan
    if request.method == "GET":
        return _noindex(render(request, "handoff/open.html", {
            "owner_email": plan.owner.email, "access_token": access_token,
        }))
    services.record_open(request, contact, now)
    content = handoff_content(plan, translation.get_language())
    return _noindex(render(request, "handoff/page.html", {"content": content, "contact": contact}))
