from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.forms import NoLabelColon


class DeleteAccountForm(NoLabelColon, forms.Form):
    email = forms.EmailField(
        label=_("Type your email address to confirm"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email.casefold() != self.user.email.casefold():
            raise forms.ValidationError(
                gettext("That is not this account's email address."), code="mismatch"
            )
        return email
