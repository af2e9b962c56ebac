"""Sign-in plumbing: email login, encrypted MFA secrets, the admin behind allauth."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import current_totp_code
from tests.factories import DEFAULT_PASSWORD, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_totp_secret_is_encrypted_at_rest_and_still_validates(owner):
    secret = generate_totp_secret()
    totp = TOTP.activate(owner, secret)

    stored = Authenticator.objects.get(user=owner, type=Authenticator.Type.TOTP).data["secret"]
    assert stored != secret
    assert secret not in stored

    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    assert totp.validate_code(code)


def test_login_with_email_and_password(anon_client, owner):
    response = anon_client.post(
        reverse("account_login"), {"login": owner.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_unverified_email_cannot_sign_in(anon_client):
    user = UserFactory(email="pending@example.com", verified=False)
    response = anon_client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")


def test_admin_login_goes_through_allauth(anon_client):
    response = anon_client.get(reverse("admin:index"))
    assert response.status_code == 302
    login = anon_client.get(response["Location"], follow=True)
    assert login.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_staff_user_reaches_the_admin_with_password_then_code(anon_client):
    StaffUserFactory(email="editor@example.com")
    response = anon_client.post(
        reverse("account_login"), {"login": "editor@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    staff = get_user_model().objects.get(email="editor@example.com")
    response = anon_client.post(reverse("mfa_authenticate"), {"code": current_totp_code(staff)})
    assert response.status_code == 302
    assert anon_client.get(reverse("admin:index")).status_code == 200


def test_non_staff_user_is_refused_by_the_admin(owner_client):
    assert owner_client.get(reverse("admin:login")).status_code == 403
    response = owner_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert owner_client.get(reverse("admin:index"), follow=True).status_code == 403


@pytest.mark.parametrize(
    "url_name", ["account_email", "account_change_password", "mfa_index", "usersessions_list"]
)
def test_settings_pages_render_in_the_app_layout(owner_client, url_name):
    response = owner_client.get(reverse(url_name))
    assert response.status_code == 200
    assert b'class="settings-nav"' in response.content


def test_staff_user_without_mfa_is_sent_to_set_it_up(anon_client):
    staff = StaffUserFactory(email="new-editor@example.com", with_totp=False)
    anon_client.force_login(staff)
    response = anon_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
