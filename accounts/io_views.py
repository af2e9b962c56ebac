"""Download the account inventory (CSV, JSON) and import accounts from a CSV file.

Everything is scoped to the signed-in user through `accounts.access.owned_accounts`.
Exports include archived accounts and run a fixed number of queries however many
accounts there are. Like the full data export, they hand over the whole inventory (where
someone keeps money and how well each place is locked), so a stolen session is not
enough: they ask for the password or a code again (allauth's reauthentication, valid
ACCOUNT_REAUTHENTICATION_TIMEOUT).
"""

import json

from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .access import owned_accounts
from .inventory_io import (
    CSV_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    InventoryFileError,
    accounts_to_csv,
    accounts_to_json,
    column_help,
    decode_upload,
    import_rows,
    parse_csv,
    too_large_message,
)
from .models import CheckIn

FILENAME = "dormant-guard-accounts-{day}.{extension}"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "UTF-8 CSV with a header row, at most %(megabytes)s MB and %(rows)s accounts."
        ) % {"megabytes": MAX_FILE_BYTES // 1024 // 1024, "rows": MAX_ROWS}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(too_large_message(), code="too_large")
        try:
            self.text = decode_upload(upload.read())
        except InventoryFileError as error:
            raise forms.ValidationError(str(error), code="unreadable") from None
        return upload


def _download(content: str, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    day = timezone.localdate().isoformat()
    filename = FILENAME.format(day=day, extension=extension)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_accounts(user):
    # Archived accounts too: an export is a complete backup of the inventory.
    return owned_accounts(user).order_by("id")


@never_cache
@login_required
@reauthentication_required
@require_GET
def export_csv(request):
    # The byte-order mark makes Excel read the file as UTF-8; our import accepts it.
    content = "\ufeff" + accounts_to_csv(_export_accounts(request.user))
    return _download(content, "text/csv; charset=utf-8", "csv")


@never_cache
@login_required
@reauthentication_required
@require_GET
def export_json(request):
    accounts = list(
        _export_accounts(request.user).prefetch_related(
            Prefetch("check_ins", queryset=CheckIn.objects.order_by("on"))
        )
    )
    check_ins = {account.pk: [c.on for c in account.check_ins.all()] for account in accounts}
    payload = accounts_to_json(accounts, check_ins)
    content = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    return _download(content, "application/json; charset=utf-8", "json")


@login_required
@require_http_methods(["GET", "POST"])
def import_accounts(request):
    row_errors = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = parse_csv(form.text, request.user)
            except InventoryFileError as error:
                form.add_error("file", str(error))
            else:
                if result.errors:
                    row_errors = result.errors
                else:
                    created = import_rows(result, request.user)
                    count = len(created)
                    messages.success(request, ngettext(
                        "Imported %(count)s account.", "Imported %(count)s accounts.", count
                    ) % {"count": count})
                    return redirect("dashboard")
    else:
        form = ImportForm()
    return render(request, "accounts/import.html", {
        "form": form,
        "row_errors": row_errors,
        "column_help": column_help(),
        "columns": CSV_COLUMNS,
        "required_columns": REQUIRED_COLUMNS,
        "max_rows": MAX_ROWS,
    })
