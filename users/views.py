from django.views.i18n import set_language as django_set_language

from .languages import supported


def set_language(request):
    """Django's set_language (on POST: cookie, then back to `next`; a GET only redirects),
    and a signed-in user's choice is stored on the user too, so it follows them to every
    device and email."""
    response = django_set_language(request)
    language = supported(request.POST.get("language")) if request.method == "POST" else None
    if language and request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response
