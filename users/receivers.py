"""A new user keeps the language they signed up in, for pages and emails alike."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver
from django.utils import translation

from .languages import supported


@receiver(user_signed_up)
def adopt_sign_up_language(sender, request, user, **kwargs):
    language = supported(translation.get_language())
    if language and not user.language:
        user.language = language
        user.save(update_fields=["language"])
