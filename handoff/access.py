"""The one place that decides who may act on a trusted contact: its plan's owner only
(another user's id answers 404, as accounts/access.py does for exchange accounts)."""

from django.shortcuts import get_object_or_404

from .models import TrustedContact


def owned_contact_or_404(user, pk: int) -> TrustedContact:
    return get_object_or_404(TrustedContact.objects.select_related("plan"), pk=pk, plan__owner=user)
