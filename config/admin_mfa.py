"""Staff must have two-factor authentication before the admin opens.

The admin shows every user's email address and exchange inventory, so a stolen staff
password alone must not be enough. allauth already asks for the second factor at sign-in
when one is set up; this closes the remaining gap, a staff account that never set one up.

`require_mfa(admin.site.admin_view)` wraps the decorator the admin applies to every one of
its views (index, app index, every model page, password change, autocomplete, view on
site). A staff user without an authenticator is sent to allauth's two-factor page
(`mfa_index`) with a message instead of seeing the admin. Sign-in itself (the admin login
goes through allauth, see `config/urls.py`) and sign-out stay reachable.

It must be installed before `admin.site.urls` is first read, because that is when the
admin builds its URL patterns with `admin_view`.
"""

from collections.abc import Callable
from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

MFA_SETUP_URL_NAME = "mfa_index"
MFA_REQUIRED_MESSAGE = (
    "The administration needs two-factor authentication. Set up an authenticator app "
    "or a security key here, then open the admin again."
)
# Admin views a staff user without MFA may still use: leaving.
ALWAYS_ALLOWED_VIEWS = frozenset({"logout"})


def needs_mfa_setup(user) -> bool:
    """A signed-in, active staff member without any authenticator."""
    return bool(
        user.is_authenticated and user.is_active and user.is_staff and not is_mfa_enabled(user)
    )


def require_mfa(admin_view: Callable) -> Callable:
    """Wrap `AdminSite.admin_view` so every admin view first checks the staff user's MFA."""

    @wraps(admin_view)
    def mfa_admin_view(view: Callable, cacheable: bool = False) -> Callable:
        protected = admin_view(view, cacheable)
        if getattr(view, "__name__", "") in ALWAYS_ALLOWED_VIEWS:
            return protected

        @wraps(protected)
        def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if needs_mfa_setup(request.user):
                messages.warning(request, MFA_REQUIRED_MESSAGE)
                return redirect(MFA_SETUP_URL_NAME)
            return protected(request, *args, **kwargs)

        return inner

    return mfa_admin_view
