from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path


@login_required
def home(request):
    return render(request, "ceiling/home.html")


def healthz(request):
    return HttpResponse("ok")


urlpatterns = [
    path("", home, name="home"),
    path("login/", LoginView.as_view(template_name="ceiling/login.html"), name="login"),
    path("healthz/", healthz),
]
