"""Staff pages need a second factor passed in this session, not merely one enrolled.

The hole this closes: a staff session signed in with the password only, before any
authenticator existed, was sent to set one up; once an authenticator was enrolled (from
any session, by anyone holding the password) that same password-only session opened the
admin. Now every staff page asks that session for a code first.
"""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from checklists.models import Step
from tests.conftest import current_totp_code, sign_in_staff
from tests.factories import DEFAULT_PASSWORD, StaffUserFactory

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"


@pytest.fixture
def password_only_session():
    """A staff member who signs in with the password while no authenticator exists (the
    sign-in asks for no code), and then gets one enrolled elsewhere."""
    staff = StaffUserFactory(email="editor@example.com", with_totp=False)
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session
    assert client.get(ADMIN)["Location"] == reverse("mfa_index")  # set one up first
    TOTP.activate(staff, generate_totp_secret())  # enrolled from another session
    return client, staff


def confirm_url(next_url: str) -> str:
    return f"{reverse('mfa_reauthenticate')}?next={next_url.replace('/', '%2F')}"


def test_a_password_only_session_is_asked_for_a_code_once_an_authenticator_exists(
    password_only_session,
):
    client, _ = password_only_session
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"] == confirm_url(ADMIN)


def test_every_admin_page_asks_a_password_only_session_for_a_code(password_only_session):
    client, _ = password_only_session
    for url in (
        reverse("admin:accounts_exchange_changelist"),
        reverse("admin:users_user_changelist"),
        reverse("admin:password_change"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("mfa_reauthenticate")), url


def test_the_editors_step_preview_asks_a_password_only_session_for_a_code(
    password_only_session,
):
    client, _ = password_only_session
    url = reverse("step_preview", args=[Step.objects.first().pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_a_wrong_code_keeps_the_admin_closed(password_only_session):
    client, _ = password_only_session
    response = client.post(reverse("mfa_reauthenticate"), {"code": "000000"})
    assert response.status_code == 200  # the form again, with an error
    assert client.get(ADMIN).status_code == 302


def test_the_right_code_opens_the_admin_and_returns_to_the_page_asked_for(
    password_only_session,
):
    client, staff = password_only_session
    wanted = reverse("admin:accounts_exchange_changelist")
    response = client.post(confirm_url(wanted), {"code": current_totp_code(staff)})
    assert response.status_code == 302
    assert response["Location"] == wanted
    assert client.get(wanted).status_code == 200
    assert client.get(ADMIN).status_code == 200


def test_the_page_asking_for_the_code_says_why(password_only_session):
    client, _ = password_only_session
    response = client.get(ADMIN, follow=True)
    assert response.status_code == 200
    assert b"to open the administration" in response.content


def test_signing_in_with_password_and_code_opens_the_admin_directly():
    staff = StaffUserFactory(email="editor@example.com")
    client = Client()
    client.post(reverse("account_login"), {"login": staff.email, "password": DEFAULT_PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(staff)})
    assert client.get(ADMIN).status_code == 200


def test_the_second_factor_belongs_to_the_session_not_the_user():
    staff = StaffUserFactory(email="editor@example.com")
    sign_in_staff(Client(), staff)  # one session passed the code...
    other_session = Client()
    other_session.force_login(staff)  # ...which does nothing for another
    assert other_session.get(ADMIN).status_code == 302
