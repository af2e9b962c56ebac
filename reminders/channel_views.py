"""Notification channel views: list, add, edit, send a test, delete.

Every view that names a channel loads it through accounts.access.owned_channel_or_404,
so another user's channel id answers 404. Nothing changes state on GET.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import owned_channel_or_404, owned_channels

from . import outbox
from .channel_forms import ChannelForm
from .channels import URL_EXAMPLES
from .models import MAX_CHANNELS_PER_USER, ReminderPreference
from .outbox import SendTestState


@login_required
@require_GET
def channel_list(request):
    preference = ReminderPreference.objects.filter(user=request.user).first()
    return render(request, "reminders/channel_list.html", {
        "channels": list(owned_channels(request.user)),
        "max_channels": MAX_CHANNELS_PER_USER,
        # Times in the zone the user's reminders use, as on the settings page.
        "time_zone": preference.time_zone if preference else "UTC",
    })


def _form_page(request, form, channel=None):
    return render(request, "reminders/channel_form.html", {
        "form": form, "channel": channel, "examples": URL_EXAMPLES,
    })


@login_required
@require_http_methods(["GET", "POST"])
def channel_add(request):
    form = ChannelForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        channel = form.save()
        messages.success(request, gettext("Channel “%(name)s” added.") % {"name": channel.name})
        return redirect("reminder_channels")
    return _form_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request, channel_pk: int):
    channel = owned_channel_or_404(request.user, channel_pk)
    form = ChannelForm(request.POST or None, instance=channel, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, gettext("Channel “%(name)s” saved.") % {"name": channel.name})
        return redirect("reminder_channels")
    return _form_page(request, form, channel)


@login_required
@require_POST
def channel_test(request, channel_pk: int):
    """Send a test message now and say at once how it went (with a worker backend it is
    queued, and the channel's card shows the outcome once it ran)."""
    channel = owned_channel_or_404(request.user, channel_pk)
    result = outbox.send_test_reminder(request.user, timezone.now(), channel)
    name = {"name": channel.name}
    if result.state == SendTestState.LIMITED:
        messages.error(request, gettext(
            "You asked for several test messages this hour. "
            "Please wait a while before asking again."
        ))
    elif result.state == SendTestState.SENT:
        messages.success(request, gettext("Test message sent to “%(name)s”.") % name)
    elif result.state == SendTestState.QUEUED:
        messages.success(request, gettext("Test message for “%(name)s” queued.") % name)
    elif result.state == SendTestState.RETRYING:
        messages.warning(request, gettext(
            "“%(name)s” didn't take the test message yet (%(error)s); we will try again "
            "shortly."
        ) % {**name, "error": gettext(result.error)})
    else:
        messages.error(request, gettext("The test message to “%(name)s” failed: %(error)s")
                       % {**name, "error": gettext(result.error)})
    return redirect("reminder_channels")


@login_required
@require_POST
def channel_delete(request, channel_pk: int):
    channel = owned_channel_or_404(request.user, channel_pk)
    channel.delete()
    messages.success(request, gettext("Channel “%(name)s” deleted.") % {"name": channel.name})
    return redirect("reminder_channels")
