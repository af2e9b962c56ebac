"""Which language a request is served in, when a signed-in user's own choice wins.

Django's LocaleMiddleware picks the language from the language cookie (set by the
picker) or the browser's Accept-Language. A signed-in user's stored `User.language`
then wins over both (users.middleware), and is copied into the cookie, so the device
keeps the user's language after signing out.
"""

from typing import Literal, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def supported(code: str | None) -> str | None:
    """`code` if it is one of LANGUAGES, else None."""
    return code if code in dict(settings.LANGUAGES) else None


def remember_in_cookie(response: HttpResponse, code: str) -> None:
    """The same cookie Django's set_language view writes."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        # The stubs type the setting as any str; Django allows the values set_cookie takes.
        samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
    )


def cookie_language(request: HttpRequest) -> str | None:
    return request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
