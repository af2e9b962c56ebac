"""The reminder settings form. Errors are shown beside their fields; nothing here can 500
on odd input (unknown zones, hours out of range and secrets are validation errors)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.forms import NoLabelColon

from .models import MAX_WARN_DAYS, MIN_WARN_DAYS, ReminderPreference
from .schedule import known_zone_names

HOUR_CHOICES = [(hour, f"{hour:02d}:00") for hour in range(24)]
# Offered first; every other IANA zone follows in a second group.
COMMON_ZONES = (
    "UTC",
    "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
    "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam", "Europe/Zurich", "Europe/Warsaw",
    "Europe/Athens", "Europe/Istanbul", "Europe/Kyiv", "Europe/Moscow",
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Toronto", "America/Vancouver", "America/Mexico_City", "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Africa/Lagos", "Africa/Johannesburg", "Africa/Nairobi", "Africa/Cairo",
    "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Hong_Kong", "Asia/Shanghai",
    "Asia/Seoul", "Asia/Tokyo", "Asia/Jakarta", "Asia/Manila",
    "Australia/Perth", "Australia/Sydney", "Pacific/Auckland",
)


def zone_choices() -> list:
    known = known_zone_names()
    common = [zone for zone in COMMON_ZONES if zone in known]
    others = sorted(known - set(common) - {"localtime"})
    return [
        (gettext("Common time zones"), [(zone, zone.replace("_", " ")) for zone in common]),
        (gettext("All time zones"), [(zone, zone.replace("_", " ")) for zone in others]),
    ]


class ReminderPreferenceForm(NoLabelColon, forms.ModelForm):
    hour = forms.TypedChoiceField(
        label=_("At this hour"), choices=HOUR_CHOICES, coerce=int,
        help_text=_("Your local time, in the time zone below."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=zone_choices,
        # IANA names ("Asia/Tokyo") are the same in every language: not for translating.
        widget=forms.Select(attrs={"translate": "no"}),
    )

    class Meta:
        model = ReminderPreference
        fields = ["enabled", "frequency", "warn_days", "hour", "time_zone", "safety_phrase"]
        widgets = {
            "warn_days": forms.NumberInput(attrs={"min": MIN_WARN_DAYS, "max": MAX_WARN_DAYS}),
            "safety_phrase": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {
            "frequency": _("We only email while something is due soon, overdue or dormant."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warn_days"].help_text = gettext("Between %(min)d and %(max)d days.") % {
            "min": MIN_WARN_DAYS, "max": MAX_WARN_DAYS,
        }

    def clean_safety_phrase(self) -> str:
        phrase = " ".join(self.cleaned_data["safety_phrase"].split())
        if any(not char.isprintable() for char in phrase):
            raise forms.ValidationError(
                gettext("Use letters, digits, spaces and punctuation only.")
            )
        return phrase
