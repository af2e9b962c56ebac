"""Views for a user's exchange accounts. Each view does one thing: check access through
`accounts.access`, validate a form, call a service, render or redirect. Nothing changes
state on GET."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from config.dates import format_date

from . import services
from .access import owned_account_or_404, owned_accounts, owned_check_in_or_404
from .charts import NARROW, check_in_timeline_svg, upcoming_check_ins_svg
from .forms import CheckInForm, ExchangeAccountForm
from .overview import build_dashboard, overview_of
from .recovery import recovery_groups
from .rows import dashboard_row
from .status import Status
from .translatable import reader_language

CHART_MONTHS = 6
# Columns the dashboard never reads; the exchange's loaded_values is JSON to decode.
DASHBOARD_UNUSED = (
    "login_hint", "notes", "opened_on", "created_at", "updated_at",
    "exchange__loaded_values", "exchange__website", "exchange__features_source",
    "exchange__features_checked_on",
)


def home(request):
    """Landing page for visitors; signed-in users go straight to their dashboard."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "pages/landing.html")


def _filtered(items, status: str, exchange: str):
    return [
        item for item in items
        if (not status or item.status.status == status)
        and (not exchange or item.account.exchange_name == exchange)
    ]


@login_required
def dashboard(request):
    today = timezone.localdate()
    board = build_dashboard(owned_accounts(request.user).active().defer(*DASHBOARD_UNUSED), today)
    status = request.GET.get("status", "")
    exchange = request.GET.get("exchange", "")
    entries = [
        (str(i.account), i.status.next_check_in_on, i.status.status.value) for i in board.items
    ]
    items = _filtered(board.items, status, exchange)
    chart = upcoming_check_ins_svg(entries, today, months=CHART_MONTHS)
    chart_narrow = upcoming_check_ins_svg(
        entries, today, months=CHART_MONTHS, chart_id="upcoming-check-ins-narrow", layout=NARROW,
    )
    return render(request, "accounts/dashboard.html", {
        "board": board,
        "items": items,
        "rows": [dashboard_row(item) for item in items],
        "statuses": Status,
        "exchange_names": sorted({item.account.exchange_name for item in board.items}),
        "selected_status": status,
        "selected_exchange": exchange,
        "chart": chart,
        "chart_narrow": chart_narrow,
        "today": today,
    })


@login_required
def archived_accounts(request):
    # Only the columns the list shows: the full row with its exchange is ~50 columns,
    # and compiling and reading them was a third of this page's time.
    accounts = owned_accounts(request.user).filter(archived_at__isnull=False).only(
        "label", "other_exchange_name", "archived_at", "last_login_on", "exchange__name",
    )
    return render(request, "accounts/archived.html", {"accounts": accounts})


@login_required
def account_create(request):
    form = ExchangeAccountForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        account = services.create_account(form.save(commit=False))
        messages.success(request, gettext("Added %(account)s.") % {"account": account})
        return redirect(account)
    return render(request, "accounts/account_form.html", {"form": form})


def _detail_context(account, check_in_form: CheckInForm) -> dict:
    today = timezone.localdate()
    check_ins = list(account.check_ins.all())
    dates = [c.on for c in check_ins]
    interval = account.check_in_every_days
    return {
        "account": account,
        "overview": overview_of(account, today),
        "check_ins": check_ins,
        "check_in_form": check_in_form,
        "facts": account.exchange.facts.shown_in(reader_language()) if account.exchange else [],
        "timeline": check_in_timeline_svg(dates, today, interval_days=interval),
        "timeline_narrow": check_in_timeline_svg(
            dates, today, interval_days=interval, chart_id="check-in-history-narrow",
            layout=NARROW,
        ),
        "today": today,
    }


@login_required
def account_detail(request, pk: int):
    account = owned_account_or_404(request.user, pk)
    context = _detail_context(account, CheckInForm(account=account))
    return render(request, "accounts/account_detail.html", context)


@login_required
def account_edit(request, pk: int):
    account = owned_account_or_404(request.user, pk)
    form = ExchangeAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, gettext("Saved."))
        return redirect(account)
    return render(request, "accounts/account_form.html", {"form": form, "account": account})


@login_required
@require_POST
def account_archive(request, pk: int):
    account = owned_account_or_404(request.user, pk)
    services.archive_account(account)
    text = gettext("Archived %(account)s. It no longer counts toward reminders.")
    messages.success(request, text % {"account": account})
    return redirect("dashboard")


@login_required
@require_POST
def account_restore(request, pk: int):
    account = owned_account_or_404(request.user, pk)
    services.restore_account(account)
    messages.success(request, gettext("Restored %(account)s.") % {"account": account})
    return redirect(account)


@login_required
def account_delete(request, pk: int):
    """GET asks for confirmation; only POST deletes."""
    account = owned_account_or_404(request.user, pk)
    if request.method == "POST":
        name = str(account)
        account.delete()
        messages.success(
            request, gettext("Deleted %(account)s and its check-in history.") % {"account": name}
        )
        return redirect("dashboard")
    return render(request, "accounts/account_confirm_delete.html", {"account": account})


@login_required
@require_POST
def check_in_today(request, pk: int):
    """One click: "I logged in today". htmx gets the updated row back; without
    JavaScript the browser is sent back where it came from."""
    account = owned_account_or_404(request.user, pk)
    today = timezone.localdate()
    _, created = services.record_check_in(account, today)
    if request.htmx:
        return render(request, "accounts/_account_rows.html", {
            "rows": [dashboard_row(overview_of(account, today))], "today": today,
            "just_checked_in": True,
        })
    if created:
        messages.success(
            request, gettext("Recorded today's login to %(account)s.") % {"account": account}
        )
    else:
        text = gettext("Today's login to %(account)s was already recorded.")
        messages.info(request, text % {"account": account})
    return HttpResponseRedirect(_safe_next(request, account.get_absolute_url()))


@login_required
@require_POST
def check_in_add(request, pk: int):
    account = owned_account_or_404(request.user, pk)
    form = CheckInForm(request.POST, account=account)
    if form.is_valid():
        services.record_check_in(account, form.cleaned_data["on"])
        text = gettext("Recorded a login on %(date)s.")
        messages.success(request, text % {"date": format_date(form.cleaned_data["on"])})
        return redirect(account)
    context = _detail_context(account, form)
    return render(request, "accounts/account_detail.html", context, status=400)


@login_required
@require_POST
def check_in_delete(request, pk: int, check_in_pk: int):
    check_in = owned_check_in_or_404(request.user, pk, check_in_pk)
    if services.delete_check_in(check_in):
        text = gettext("Removed the check-in of %(date)s.")
        messages.success(request, text % {"date": format_date(check_in.on)})
    else:
        text = gettext("The only check-in can't be removed: it is the last login.")
        messages.error(request, text)
    return redirect(check_in.account)


@login_required
def recovery_map(request):
    accounts = owned_accounts(request.user).active()
    return render(request, "accounts/recovery_map.html", {"groups": recovery_groups(accounts)})


def _safe_next(request, fallback: str) -> str:
    """Only a path on this site; anything else (another host, a bare word) falls back."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return fallback

