"""The landing page, the dashboard's access rules and the shared layout."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_sees_the_landing_page(anon_client):
    response = anon_client.get("/")
    assert response.status_code == 200
    assert b"Create a free account" in response.content


def test_signed_in_user_is_sent_from_landing_to_dashboard(owner_client):
    response = owner_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_dashboard_requires_login(anon_client):
    response = anon_client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_dashboard_shows_user_menu(owner_client, owner):
    response = owner_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert owner.email.encode() in response.content
    assert reverse("account_logout").encode() in response.content


def test_pages_send_a_csp_without_unsafe_inline_scripts(anon_client):
    response = anon_client.get("/")
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp


def test_pages_load_only_local_scripts_and_styles(anon_client):
    html = anon_client.get("/").content.decode()
    assert "<script>" not in html  # no inline scripts
    assert "https://" not in html.split("</head>")[0]  # no CDN in <head>


def test_guidance_is_public(anon_client):
    assert anon_client.get(reverse("guidance")).status_code == 200
