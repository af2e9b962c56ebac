"""Security activity, the privacy notice, data export and account deletion.

Export and deletion hand over or destroy everything at once, so a stolen session must
not be enough: both require that the user re-entered their password (or a 2FA code)
within ACCOUNT_REAUTHENTICATION_TIMEOUT, via allauth's `reauthentication_required`.
Without it, allauth sends the user to its reauthenticate page and back.
"""

import json

from allauth.account.decorators import reauthentication_required
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import personal_data
from .events import describe_details, describe_user_agent, record
from .forms import DeleteAccountForm
from .models import SecurityEvent

ACTIVITY_LIMIT = 100


@never_cache
@login_required
def activity(request):
    events = SecurityEvent.objects.filter(user=request.user)[:ACTIVITY_LIMIT]
    rows = [
        {"event": e, "summary": describe_details(e), "device": describe_user_agent(e.user_agent),
         "warn": e.kind == SecurityEvent.Kind.LOGIN_FAILED}
        for e in events
    ]
    return render(request, "security/activity.html", {"rows": rows, "limit": ACTIVITY_LIMIT})


def privacy(request):
    return render(request, "security/privacy.html")


@never_cache
@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def data_export(request):
    user = request.user
    if request.method == "POST":
        data = personal_data.build_export(user)
        record(request, user, SecurityEvent.Kind.DATA_EXPORTED)
        body = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        filename = personal_data.export_filename(timezone.localdate())
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(request, "security/export.html", {
        "inventory": personal_data.inventory(user),
    })


@never_cache
@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def delete_me(request):
    user = request.user
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        reference = personal_data.delete_account(user)
        logout(request)
        # No request: the event keeps no IP or user agent, only the keyed hash.
        record(None, None, SecurityEvent.Kind.ACCOUNT_DELETED, user_ref=reference)
        return render(request, "security/goodbye.html")
    return render(request, "security/delete.html", {
        "form": form,
        "inventory": personal_data.inventory(user),
    })
