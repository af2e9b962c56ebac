"""SessionSecurityMiddleware: idle and absolute session timeouts. (Signing out other
sessions is logged by users.adapters.SecurityLogUserSessionsAdapter.)

Sits right after AuthenticationMiddleware, so a timed-out user is anonymous for every
later middleware and the view.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext_lazy as _

from . import sessions

TIMEOUT_MESSAGES = {
    "idle": _("You were signed out after a period of inactivity. Please sign in again."),
    "absolute": _(
        "You were signed out because your session reached its maximum length. "
        "Please sign in again."
    ),
}


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self._enforce_timeouts(request)
        return self.get_response(request)

    def _enforce_timeouts(self, request) -> None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session to time out. Not touching request.user here keeps the session
            # unread, so cookie-less responses (health checks) get no `Vary: Cookie`.
            return
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        reason = sessions.expired_reason(request.session)
        if reason is not None:
            request._security_logout_reason = reason  # read by the logout receiver
            logout(request)  # flushes the session: the old cookie is worthless now
            request._security_timed_out = reason

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Messages can only be added once MessageMiddleware (after us) has run.
        reason = getattr(request, "_security_timed_out", None)
        if reason is not None:
            messages.warning(request, TIMEOUT_MESSAGES[reason])
        return None
