from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


def home(request):
    """Landing page for visitors; signed-in users go straight to their dashboard."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "pages/landing.html")


@login_required
def dashboard(request):
    return render(request, "accounts/dashboard.html")
