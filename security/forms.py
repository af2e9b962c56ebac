from django import forms


class DeleteAccountForm(forms.Form):
    email = forms.EmailField(
        label="Type your email address to confirm",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email.casefold() != self.user.email.casefold():
            raise forms.ValidationError(
                "That is not this account's email address.", code="mismatch"
            )
        return email
