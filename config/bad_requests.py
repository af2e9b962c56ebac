"""Malformed requests get a 400 and our own error page, never a 500.

Two kinds of anonymous input used to end in a 500 (found by an outside pass, issue 13):

- A form POST whose Content-Type names a charset other than UTF-8. Django refuses the
  body with BadRequest, but its stock error views are wrapped in `requires_csrf_token`,
  which reads `request.POST` again, fails again, and the second failure escapes as a 500
  (under gunicorn, an empty "Internal Server Error").
- JSON nested so deeply that parsing it exhausts Python's stack (RecursionError), e.g. a
  forged WebAuthn `credential`, which allauth parses with Django's `forms.JSONField`.

`RejectMalformedRequestsMiddleware` refuses the first before any view or the CSRF check
reads the body, and turns the second into a 400 wherever a view meets it. `bad_request`
replaces Django's handler400 so that any other BadRequest renders without re-reading
the body. Install the middleware after the CSP middleware (the page uses its nonce) and
before CsrfViewMiddleware (which reads the body).
"""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger("django.security.bad_request")

# Media types whose body Django itself decodes into request.POST.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
TEMPLATE = "400.html"


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: our page, without `requires_csrf_token` (it would re-read the body)."""
    return render(request, TEMPLATE, status=400)


def _names_another_charset(request: HttpRequest) -> bool:
    if request.method in ("GET", "HEAD", "OPTIONS") or request.content_type not in FORM_TYPES:
        return False
    charset = (request.content_params or {}).get("charset")
    # Only "utf-8" itself: Django refuses even its alias "utf8" for form bodies.
    return charset is not None and charset.strip().lower() != "utf-8"


class RejectMalformedRequestsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _names_another_charset(request):
            logger.warning("Refused a %s body that is not UTF-8", request.content_type)
            return bad_request(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        # Our code doesn't recurse deeply; only input nested past the stack (JSON) gets
        # here, so it is the request that is malformed. (No traceback: it is a thousand
        # copies of the same frames.)
        if isinstance(exception, RecursionError):
            logger.warning("Refused a request nested too deeply to parse: %s", exception)
            return bad_request(request)
        return None
