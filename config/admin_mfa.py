"""Staff pages need a second factor passed in *this* session, not just one enrolled.

The admin shows every user's email address and exchange inventory, so a stolen staff
password alone must not open it. Two gaps are closed here:

- a staff account that never set up an authenticator is sent to set one up;
- a session that signed in with the password only (before an authenticator was
  enrolled, perhaps from another session by whoever else holds the password) is asked
  for a code again. allauth records how a session authenticated (its
  "authentication records"); an entry with method "mfa" means this session passed a
  second factor: at sign-in, by re-authenticating with an authenticator, or with a passkey.

`require_mfa` wraps the decorator the admin applies to every one of its views (index,
app index, every model page, password change, autocomplete, view on site); the admin
site (`config/admin_site.py`) applies it in `admin_view`. Staff-only views outside the
admin use `staff_second_factor_required`. Sign-in (the admin login goes through allauth)
and sign-out stay reachable.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

MFA_SETUP_URL_NAME = "mfa_index"
MFA_CONFIRM_URL_NAME = "mfa_reauthenticate"
MFA_REQUIRED_MESSAGE = _(
    "The administration needs two-factor authentication. Set up an authenticator app "
    "or a security key here, then open the admin again."
)
MFA_CONFIRM_MESSAGE = _(
    "Confirm it's you with your authenticator app or security key to open the "
    "administration."
)
# Admin views a staff user without a second factor may still use: leaving.
ALWAYS_ALLOWED_VIEWS = frozenset({"logout"})


def session_passed_second_factor(request: HttpRequest) -> bool:
    """Whether this session, not merely this user, completed a second factor."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def second_factor_redirect(request: HttpRequest) -> HttpResponse | None:
    """Where a signed-in staff member must go before a staff page opens, if anywhere."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None  # the admin's own checks send these to the login page
    if not is_mfa_enabled(user):
        messages.warning(request, MFA_REQUIRED_MESSAGE)
        return redirect(MFA_SETUP_URL_NAME)
    if not session_passed_second_factor(request):
        messages.info(request, MFA_CONFIRM_MESSAGE)
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse(MFA_CONFIRM_URL_NAME)}?{query}")
    return None


def require_mfa(admin_view: Callable) -> Callable:
    """Wrap `AdminSite.admin_view` so every admin view first checks the second factor."""

    @wraps(admin_view)
    def mfa_admin_view(view: Callable, cacheable: bool = False) -> Callable:
        protected = admin_view(view, cacheable)
        if getattr(view, "__name__", "") in ALWAYS_ALLOWED_VIEWS:
            return protected

        @wraps(protected)
        def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            return second_factor_redirect(request) or protected(request, *args, **kwargs)

        return inner

    return mfa_admin_view


def staff_second_factor_required(view: Callable) -> Callable:
    """`staff_member_required` plus a second factor passed in this session."""

    @wraps(view)
    def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return second_factor_redirect(request) or view(request, *args, **kwargs)

    return staff_member_required(inner)
