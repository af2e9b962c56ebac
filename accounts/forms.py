"""Forms for exchange accounts and check-ins. Errors are shown beside their fields."""

import datetime
from typing import TYPE_CHECKING

from django import forms
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from config.dates import format_date
from config.forms import NoLabelColon

from .models import EARLIEST_PLAUSIBLE_DATE, MAX_ACCOUNTS_PER_USER, Exchange, ExchangeAccount
from .secret_detection import mask_login_hint, reject_secrets_across_fields

if TYPE_CHECKING:  # a dev dependency: str or a lazy translation, for the type checker
    from django_stubs_ext import StrOrPromise

OTHER_EXCHANGE = "other"
# Free text, checked for secrets field by field (model validators) and all together.
TEXT_FIELDS = ("other_exchange_name", "label", "login_hint", "notes")
YES_NO_UNSURE = [
    ("", pgettext_lazy("answer", "Not sure")),
    ("true", pgettext_lazy("answer", "Yes")),
    ("false", pgettext_lazy("answer", "No")),
]


class DateInput(forms.DateInput):
    """The browser's date picker; the value is always ISO (2025-10-26) whatever the
    language. How the browser draws it is the browser's choice: Chromium, Firefox and
    Safari use the browser's (or the system's) language, not the page's `lang`, so a
    Japanese page in an English Chrome still shows mm/dd/yyyy. The page's own dates
    follow its language (config.dates)."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def validate_login_date(day: datetime.date, opened_on: datetime.date | None) -> None:
    """A login date can't be in the future or before the account existed."""
    today = timezone.localdate()
    if day > today:
        raise forms.ValidationError(
            gettext("That date is in the future. Record a login once it has happened."),
            code="future",
        )
    earliest = opened_on or EARLIEST_PLAUSIBLE_DATE
    if day < earliest:
        if opened_on:
            message = gettext(
                "That is before you opened this account (%(date)s). Check the year."
            )
        else:
            message = gettext(
                "That is before exchange accounts existed (%(date)s). Check the year."
            )
        raise forms.ValidationError(
            message % {"date": format_date(earliest)}, code="too_early"
        )


def _yes_no_field(label: "StrOrPromise", help_text: "StrOrPromise" = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=YES_NO_UNSURE, required=False, help_text=help_text,
        coerce=lambda value: {"true": True, "false": False}.get(value), empty_value=None,
    )


def exchange_choices() -> list[tuple[str, str]]:
    """The catalogue's exchanges plus "Other", read when a form renders (not at import)."""
    exchanges = Exchange.objects.values_list("slug", "name")
    return [("", gettext("Choose an exchange")), *exchanges, (OTHER_EXCHANGE, gettext("Other…"))]


class ExchangeAccountForm(NoLabelColon, forms.ModelForm):
    exchange_choice = forms.ChoiceField(label=_("Exchange"), choices=exchange_choices)
    anti_phishing_code_set = _yes_no_field(
        _("Anti-phishing code set"), _("A code the exchange shows in its genuine emails.")
    )
    withdrawal_whitelist_on = _yes_no_field(
        _("Withdrawal whitelist on"), _("Withdrawals only go to addresses you approved.")
    )
    password_is_strong = _yes_no_field(
        _("Password is 12+ characters with mixed character types")
    )
    password_is_unique = _yes_no_field(_("Password is used only on this exchange"))
    email_in_use = _yes_no_field(_("Linked email is one you still read"))
    api_keys_present = _yes_no_field(
        _("Has API keys"), _("Keys created for bots, tax tools, etc.")
    )

    class Meta:
        model = ExchangeAccount
        fields = [
            "other_exchange_name", "label", "login_hint", "opened_on", "last_login_on",
            "check_in_every_days", "holds_assets",
            "two_factor_method", "anti_phishing_code_set", "withdrawal_whitelist_on",
            "whitelist_reviewed_on", "password_changed_on", "password_is_strong",
            "password_is_unique", "email_in_use", "phone_status", "api_keys_present",
            "api_keys_reviewed_on", "devices_reviewed_on", "kyc_status", "notes",
        ]
        widgets = {
            "opened_on": DateInput(),
            "last_login_on": DateInput(),
            "whitelist_reviewed_on": DateInput(),
            "password_changed_on": DateInput(),
            "api_keys_reviewed_on": DateInput(),
            "devices_reviewed_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"last_login_on": _("Last login")}
        help_texts = {
            "last_login_on": _("Roughly is fine. Later logins are recorded as check-ins."),
        }

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.fields["other_exchange_name"].required = False
        if self.instance.pk:
            # After creation the last login moves only through check-ins.
            del self.fields["last_login_on"]
            self.initial["exchange_choice"] = (
                self.instance.exchange.slug if self.instance.exchange else OTHER_EXCHANGE
            )
        else:
            self.initial.setdefault("last_login_on", timezone.localdate())

    def clean_login_hint(self) -> str:
        return mask_login_hint(self.cleaned_data["login_hint"])

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        choice = cleaned.get("exchange_choice")
        if choice == OTHER_EXCHANGE:
            if not cleaned.get("other_exchange_name", "").strip():
                self.add_error("other_exchange_name", gettext("Give the exchange's name."))
            cleaned["exchange"] = None
        elif choice:
            cleaned["exchange"] = Exchange.objects.filter(slug=choice).first()
            cleaned["other_exchange_name"] = ""
        opened_on = cleaned.get("opened_on")
        if opened_on and opened_on > timezone.localdate():
            self.add_error("opened_on", gettext("That date is in the future."))
        if "last_login_on" in self.fields and cleaned.get("last_login_on"):
            try:
                validate_login_date(cleaned["last_login_on"], opened_on)
            except forms.ValidationError as error:
                self.add_error("last_login_on", error)
        if self.instance.pk is None and self.owner is not None:
            self._check_account_limit()
        reject_secrets_across_fields(self, TEXT_FIELDS)
        return cleaned

    def _check_account_limit(self) -> None:
        if ExchangeAccount.objects.owned_by(self.owner).count() < MAX_ACCOUNTS_PER_USER:
            return
        message = gettext(
            "You already keep %(limit)s exchange accounts here, the most one person can. "
            "Delete accounts you no longer need before adding another."
        ) % {"limit": number_format(MAX_ACCOUNTS_PER_USER, force_grouping=True)}
        self.add_error(None, forms.ValidationError(message, code="too_many"))

    def save(self, commit=True):
        self.instance.exchange = self.cleaned_data.get("exchange")
        self.instance.other_exchange_name = self.cleaned_data.get("other_exchange_name", "")
        if self.owner is not None:
            self.instance.owner = self.owner
        return super().save(commit=commit)


class CheckInForm(NoLabelColon, forms.Form):
    on = forms.DateField(label=_("Date of login"), widget=DateInput())

    def __init__(self, *args, account: ExchangeAccount, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_on(self) -> datetime.date:
        day = self.cleaned_data["on"]
        validate_login_date(day, self.account.opened_on)
        return day
