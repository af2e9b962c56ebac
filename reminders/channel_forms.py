"""Adding and editing a notification channel.

The URL field is never filled back in: an edit leaves it empty, and empty keeps the
stored URL (we don't show the token again). A URL that Apprise doesn't know, that uses
a service we don't support, or whose host is a refused address is an error beside the
field; nothing is saved.
"""

from allauth.account.models import EmailAddress
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.secret_detection import reject_secrets
from config.forms import NoLabelColon

from . import channels, netguard
from .models import MAX_CHANNELS_PER_USER, Channel, ChannelKind


class ChannelForm(NoLabelColon, forms.ModelForm):
    email = forms.ChoiceField(
        label=_("Email address"), required=False,
        help_text=_("One of your verified addresses (add more under Email addresses)."),
    )
    url = forms.CharField(
        label=_("Apprise URL"), required=False, max_length=channels.URL_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "translate": "no"}),
        help_text=_("Stored encrypted and never shown again in full."),
    )

    class Meta:
        model = Channel
        fields = ["name", "kind", "email", "enabled", "gets_digests", "gets_quiet_warnings"]
        widgets = {"kind": forms.RadioSelect}
        labels = {
            "name": _("Name"),
            "kind": _("Kind"),
            "enabled": _("On"),
            "gets_digests": _("Send reminder digests here"),
            "gets_quiet_warnings": _("Send warnings before my quiet period ends here"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        verified = EmailAddress.objects.filter(user=user, verified=True).order_by("email")
        self.fields["email"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (address.email, address.email) for address in verified
        ]
        # Added to, not replacing, the field's own checks (length, NUL characters).
        self.fields["name"].validators.append(reject_secrets)
        if "kind" in self.fields:  # no empty "select an option" radio
            self.fields["kind"].choices = ChannelKind.choices  # type: ignore[attr-defined]
            self.fields["kind"].initial = ChannelKind.APPRISE
        if self.instance.pk:
            # The kind is fixed once created; the URL field stays empty (see above).
            del self.fields["kind"]
            self.fields["url"].help_text = gettext(
                "Leave empty to keep the current URL (%(hint)s)."
            ) % {"hint": self.instance.url_hint or "—"}
            if self.instance.kind == ChannelKind.EMAIL:
                del self.fields["url"]
            else:
                del self.fields["email"]

    @property
    def kind(self) -> str:
        return self.instance.kind if self.instance.pk else self.cleaned_data.get("kind", "")

    def clean(self):
        cleaned = super().clean() or {}
        if not self.instance.pk and (
            Channel.objects.filter(user=self.user).count() >= MAX_CHANNELS_PER_USER
        ):
            raise forms.ValidationError(gettext(
                "You have %(max)d channels, the most we keep: delete one to add another."
            ) % {"max": MAX_CHANNELS_PER_USER})
        if self.kind == ChannelKind.EMAIL:
            if not cleaned.get("email"):
                self.add_error("email", gettext("Choose one of your verified addresses."))
        elif self.kind == ChannelKind.APPRISE:
            self._clean_url(cleaned.get("url", ""))
        return cleaned

    def _clean_url(self, url: str) -> None:
        url = url.strip()
        if not url:
            if not self.instance.pk:
                self.add_error("url", gettext("Enter the service's Apprise URL."))
            return
        try:
            plugin = channels.parse(url)
            channels.check_target(url, plugin)
        except (channels.InvalidChannelURL, netguard.AddressRefused,
                netguard.HostNotFound) as exc:
            self.add_error("url", str(exc))
            return
        self.instance.url_encrypted = channels.encrypt_url(url)
        self.instance.url_hint = channels.mask_url(url)

    def save(self, commit: bool = True) -> Channel:
        channel = super().save(commit=False)
        channel.user = self.user
        if channel.kind != ChannelKind.EMAIL:
            channel.email = ""
        if commit:
            channel.save()
        return channel
