from django.shortcuts import render


def guidance(request):
    """The reactivation and hardening guidance, readable without signing in."""
    return render(request, "checklists/guidance.html")
