"""Reminder views. Settings are per user (no object ids): every signed-in view acts on
request.user's own preferences. The calendar feed and unsubscribe links work without a
login because their token is the credential. Nothing changes state on GET."""

import copy

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import ExchangeAccount
from accounts.secret_detection import mask_login_hint
from security import events as security_events
from security.models import SecurityEvent

from . import outbox, preferences, tokens
from .digest import absolute_url
from .feeds import check_in_calendar
from .forms import ReminderPreferenceForm
from .models import ReminderLog, ReminderPreference
from .outbox import SendTestState

RECENT_LOGS_SHOWN = 10
# A new feed token waits here (server-side session) until the settings page shows it once.
NEW_FEED_TOKEN_SESSION_KEY = "reminders_new_feed_token"  # noqa: S105 - a key name
INVALID_LINK_STATUS = 400


def _existing_preference(user) -> ReminderPreference | None:
    return ReminderPreference.objects.filter(user=user).first()


def _feed_url(token: str) -> str:
    return absolute_url(reverse("reminder_calendar_feed", args=[token]))


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request):
    now = timezone.now()
    if request.method == "POST":
        preference = preferences.preference_for(request.user, now)
        previous = copy.copy(preference)
        form = ReminderPreferenceForm(request.POST, instance=preference)
        if form.is_valid():
            preferences.save_settings(form.instance, previous, now)
            messages.success(request, gettext("Reminder settings saved."))
            return redirect("reminder_settings")
        preference = previous  # the page around the form shows what is saved
    else:
        # GET shows defaults without saving them; the row is created by the first POST.
        preference = _existing_preference(request.user) or preferences.new_preference(
            request.user.pk, now
        )
        form = ReminderPreferenceForm(instance=preference)
    new_feed_token = request.session.pop(NEW_FEED_TOKEN_SESSION_KEY, None)
    return render(request, "reminders/settings.html", {
        "form": form,
        "preference": preference,
        "next_look": preference.local_next_digest_at(),
        "logs": ReminderLog.objects.filter(user=request.user).select_related("target")[
            :RECENT_LOGS_SHOWN
        ],
        "new_feed_url": _feed_url(new_feed_token) if new_feed_token else None,
    })


@login_required
@require_POST
def send_test_reminder(request):
    result = outbox.send_test_reminder(request.user, timezone.now())
    email = request.user.email
    if result.state == SendTestState.LIMITED:
        messages.error(request, gettext(
            "You asked for several test reminders this hour. "
            "Please wait a while before asking again."
        ))
    elif result.state == SendTestState.QUEUED:
        messages.success(request, gettext("Test reminder queued for %(email)s.") % {"email": email})
    elif result.state == SendTestState.SENT:
        messages.success(request, gettext("Test reminder sent to %(email)s.") % {"email": email})
    elif result.state == SendTestState.RETRYING:
        messages.warning(request, gettext(
            "The mail server didn't accept the test reminder yet; we will try again shortly."
        ))
    else:
        text = gettext("The test reminder could not be sent: %(error)s")
        messages.error(request, text % {"error": result.error})
    return redirect("reminder_settings")


@login_required
@require_POST
def resubscribe(request):
    now = timezone.now()
    preferences.resubscribe(preferences.preference_for(request.user, now), now)
    messages.success(request, gettext("Reminder emails are on again."))
    return redirect("reminder_settings")


@login_required
@require_POST
@reauthentication_required
def create_feed(request):
    """A new private calendar URL; the old one dies. Whoever holds the URL sees which
    exchanges the user has, so this asks for the password again, like an export."""
    preference = preferences.preference_for(request.user, timezone.now())
    had_feed = preference.has_feed
    token = preferences.create_feed_token(preference, timezone.now())
    security_events.record(request, request.user, SecurityEvent.Kind.CALENDAR_TOKEN_REGENERATED)
    request.session[NEW_FEED_TOKEN_SESSION_KEY] = token
    if had_feed:
        message = gettext(
            "New calendar link created. Copy it now: we show it only once. "
            "The previous link no longer works."
        )
    else:
        message = gettext("New calendar link created. Copy it now: we show it only once.")
    messages.success(request, message)
    return redirect("reminder_settings")


@login_required
@require_POST
def disable_feed(request):
    preference = _existing_preference(request.user)
    if preference is not None and preference.has_feed:
        preferences.disable_feed(preference)
        messages.success(
            request, gettext("Calendar link turned off. Calendars using it stop updating.")
        )
    return redirect("reminder_settings")


@require_GET
def calendar_feed(request, token: str):
    preference = (
        ReminderPreference.objects.select_related("user")
        .filter(feed_token_hash=tokens.feed_token_hash(token), user__is_active=True)
        .first()
    )
    if preference is None:
        raise Http404("No such calendar.")
    accounts = (
        ExchangeAccount.objects.active().owned_by(preference.user)
        .select_related("exchange").order_by("next_check_in_on", "pk")
    )
    response = HttpResponse(
        check_in_calendar(preference, accounts, preference.user.email_language),
        content_type="text/calendar; charset=utf-8",
    )
    # The URL is a credential: keep the body out of shared caches and browser history.
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="dormant-guard-check-ins.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Unsubscribe ---------------------------------------------------------------------


def _user_from_token(token: str):
    user_id = tokens.user_id_from_unsubscribe_token(token)
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id).first()


def _in_their_language(user):
    """Pages reached from an email speak the recipient's language, once they chose one."""
    return translation.override(user.language or translation.get_language())


def _invalid_link(request) -> HttpResponse:
    return render(request, "reminders/unsubscribe_invalid.html", status=INVALID_LINK_STATUS)


def _unsubscribe(user) -> None:
    now = timezone.now()
    preferences.unsubscribe(preferences.preference_for(user, now), now)


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET asks (mail scanners follow links); the page's POST, CSRF-protected, acts."""
    user = _user_from_token(token)
    if user is None:
        return _invalid_link(request)
    context = {"masked_email": mask_login_hint(user.email), "token": token}
    with _in_their_language(user):
        if request.method == "POST":
            _unsubscribe(user)
            return render(request, "reminders/unsubscribe_done.html", context)
        return render(request, "reminders/unsubscribe_confirm.html", context)


# CSRF-exempt on purpose, and only here: this is the RFC 8058 one-click endpoint named in
# the List-Unsubscribe header. Mail providers POST "List-Unsubscribe=One-Click" to it
# from their own servers, with no cookies and so no CSRF token. CSRF defends actions
# authorised by the browser's session cookie; this one is authorised only by the signed
# token in the URL, so a forged cross-site POST can't do more than the link's holder.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_one_click(request, token: str):
    user = _user_from_token(token)
    if user is None:
        return _invalid_link(request)
    if request.method == "GET":  # a person opened the header's link: ask first
        return redirect("reminder_unsubscribe", token=token)
    _unsubscribe(user)
    with _in_their_language(user):
        text = gettext("Unsubscribed from Dormant Guard reminders.")
    return HttpResponse(f"{text}\n", content_type="text/plain; charset=utf-8")
