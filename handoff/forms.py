from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.forms import NoLabelColon

from .models import MAX_CONTACTS, QuietPlan, TrustedContact


class QuietPlanForm(NoLabelColon, forms.ModelForm):
    class Meta:
        model = QuietPlan
        fields = ["quiet_days", "message"]
        help_texts = {
            "quiet_days": _(
                "Between 90 and 540 days without signing in or recording a check-in."
            ),
            "message": _(
                "Shown to your contacts on the handoff page. "
                "Never passwords, codes or recovery phrases."
            ),
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 4})}


class ContactForm(NoLabelColon, forms.Form):
    email = forms.EmailField(label=_("Contact's email address"))

    def __init__(self, *args, plan: QuietPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if TrustedContact.objects.filter(plan=self.plan, email__iexact=email).exists():
            raise forms.ValidationError(
                _("This contact is already on your list."), code="duplicate"
            )
        if email == self.plan.owner.email.lower():
            raise forms.ValidationError(_("Choose someone other than yourself."), code="self")
        return email

    def clean(self):
        if self.plan.contacts.count() >= MAX_CONTACTS:
            raise forms.ValidationError(
                ngettext(
                    "You can have at most %(count)d trusted contact.",
                    "You can have at most %(count)d trusted contacts.", MAX_CONTACTS,
                ) % {"count": MAX_CONTACTS},
                code="too_many",
            )
        return super().clean()
