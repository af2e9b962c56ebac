"""Sign-up that does the same work for a taken address as for a new one."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        if self.account_already_exists:
            # A new sign-up hashes the password before answering (about a second with
            # production's hasher). A taken address skipped that and answered ten times
            # faster, which told anyone timing it that the address has an account. Hash
            # it the same way and throw the result away.
            make_password(self.cleaned_data["password1"])
        return super().try_save(request)
