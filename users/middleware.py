"""UserLanguageMiddleware: a signed-in user's stored language wins over the browser.

Sits after AuthenticationMiddleware (and the session timeouts), so `request.user` is
final. Requests without a session cookie never touch `request.user`, which keeps the
session unread and cookie-less responses free of `Vary: Cookie`.
"""

from django.conf import settings
from django.utils import translation

from .languages import cookie_language, remember_in_cookie, supported


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self._user_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language and cookie_language(request) != language:
            # Signing in adopts the user's language on this device, and it stays after
            # signing out.
            remember_in_cookie(response, language)
        return response

    @staticmethod
    def _user_language(request) -> str | None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return supported(user.language)
