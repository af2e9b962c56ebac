"""Keep signed-in pages out of every cache.

Pages for a signed-in user show their exchange inventory, security answers, reminder
settings or MFA recovery codes. Without `Cache-Control: no-store` a browser may keep them
on disk and show them again from history after sign-out (a shared computer), and a proxy
could store them. One middleware covers every view, including allauth's and ones added
later, instead of relying on each view remembering `never_cache`.

Install it after AuthenticationMiddleware (it reads `request.user`):

    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.NoStoreForSignedInMiddleware",
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreForSignedInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A response built without reading the session can't show anyone's data; not
        # looking at request.user then also keeps such responses free of Vary: Cookie.
        session = getattr(request, "session", None)
        if session is None or not session.accessed:
            return response
        user = getattr(request, "user", None)
        # Checked after the view: a sign-in or sign-out during the request counts too.
        if user is not None and user.is_authenticated:
            # "private, no-cache, no-store, must-revalidate, max-age=0" plus Expires.
            add_never_cache_headers(response)
        return response
