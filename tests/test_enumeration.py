"""No user enumeration: sign-up, sign-in and password reset answer the same whether or not
an email address has an account (ACCOUNT_PREVENT_ENUMERATION). The owner of an address
learns about the attempt by email instead; the person at the keyboard learns nothing."""

import re
from unittest.mock import patch

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 77"
# Masked CSRF tokens differ on every render: in forms and in htmx's header attribute.
CSRF_TOKENS = re.compile(
    rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]+'
)


def normalised(response, *emails: str) -> bytes:
    """The page with what legitimately differs (CSRF token, the typed address) blanked."""
    content = CSRF_TOKENS.sub(rb"\1CSRF", response.content)
    for email in emails:
        content = content.replace(email.encode(), b"EMAIL")
    return content


def summary(response) -> tuple:
    return response.status_code, response.get("Location")


# --- Sign-up ------------------------------------------------------------------------------


def signup(email: str):
    client = Client()
    response = client.post(reverse("account_signup"), {
        "email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    return client, response


def test_signup_with_a_taken_email_looks_like_a_new_signup(owner):
    mail.outbox.clear()
    new_client, new = signup("newcomer@example.com")
    new_mail = list(mail.outbox)
    mail.outbox.clear()
    taken_client, taken = signup(owner.email)

    assert summary(taken) == summary(new)
    assert summary(new) == (302, reverse("account_email_verification_sent"))
    # The page the browser lands on is the same too.
    new_page = new_client.get(new["Location"])
    taken_page = taken_client.get(taken["Location"])
    assert new_page.status_code == taken_page.status_code == 200
    assert normalised(new_page, "newcomer@example.com") == normalised(taken_page, owner.email)

    # Nobody was signed in, no second account exists, the real owner is told by email.
    assert "_auth_user_id" not in taken_client.session
    assert get_user_model().objects.filter(email__iexact=owner.email).count() == 1
    assert len(new_mail) == 1 and new_mail[0].to == ["newcomer@example.com"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    # The owner's email is a warning, not a confirmation link for the attacker's password.
    assert "already" in (mail.outbox[0].subject + mail.outbox[0].body).lower()


def test_signup_hashes_the_password_for_a_taken_email_too(owner):
    """Timing: a new sign-up hashes the password (about a second in production); a taken
    address skipped it and answered ten times faster. Both must run the hasher, the same
    number of times (counted, not timed)."""
    hasher = get_hasher("default")
    calls = []
    real_encode = type(hasher).encode

    def counting_encode(self, password, salt, *args, **kwargs):
        calls.append(password)
        return real_encode(self, password, salt, *args, **kwargs)

    with patch.object(type(hasher), "encode", counting_encode):
        signup("newcomer@example.com")
        new_calls = list(calls)
        calls.clear()
        signup(owner.email)
        taken_calls = list(calls)
    assert new_calls == [NEW_PASSWORD]
    assert taken_calls == new_calls


def test_signup_with_a_taken_email_in_other_case_is_not_revealed(owner):
    _, new = signup("someone.else@example.com")
    _, taken = signup(owner.email.upper())
    assert summary(taken) == summary(new)
    assert get_user_model().objects.filter(email__iexact=owner.email).count() == 1


def test_signup_form_errors_dont_reveal_taken_emails(owner):
    """A form that fails for another reason must look the same for a taken address."""
    pages = []
    for email in (owner.email, "nobody-here@example.com"):
        response = Client().post(reverse("account_signup"), {
            "email": email, "password1": NEW_PASSWORD, "password2": "different " + NEW_PASSWORD,
        })
        assert response.status_code == 200
        pages.append(normalised(response, email))
    assert pages[0] == pages[1]


# --- Sign-in -----------------------------------------------------------------------------------


def login(email: str, password: str):
    return Client().post(reverse("account_login"), {"login": email, "password": password})


def form_errors(response) -> list[str]:
    form = response.context["form"]
    return [str(e) for errors in form.errors.values() for e in errors]


def test_wrong_password_and_unknown_email_get_the_same_answer(owner):
    wrong_password = login(owner.email, "not the right password 1")
    unknown_email = login("nobody@example.com", "not the right password 1")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert form_errors(wrong_password) == form_errors(unknown_email)
    assert form_errors(wrong_password)  # there is an error message, the same one
    assert normalised(wrong_password, owner.email) == normalised(
        unknown_email, "nobody@example.com"
    )


def test_unverified_and_inactive_accounts_need_the_password_first(owner):
    """Only the right password reveals an account's state (unverified, inactive)."""
    from tests.factories import UserFactory

    pending = UserFactory(email="pending@example.com", verified=False)
    wrong = login(pending.email, "not the right password 1")
    unknown = login("nobody@example.com", "not the right password 1")
    assert summary(wrong) == summary(unknown)
    assert form_errors(wrong) == form_errors(unknown)

    inactive = UserFactory(email="gone@example.com")
    inactive.is_active = False
    inactive.save()
    wrong = login(inactive.email, "not the right password 1")
    assert summary(wrong) == summary(unknown)
    assert form_errors(wrong) == form_errors(unknown)
    right = login(inactive.email, DEFAULT_PASSWORD)
    assert right.status_code == 302
    assert right["Location"] == reverse("account_inactive")


# --- Password reset -------------------------------------------------------------------------


def reset(email: str):
    client = Client()
    return client, client.post(reverse("account_reset_password"), {"email": email})


def test_password_reset_answers_the_same_for_known_and_unknown_emails(owner):
    mail.outbox.clear()
    known_client, known = reset(owner.email)
    known_mail = list(mail.outbox)
    mail.outbox.clear()
    unknown_client, unknown = reset("nobody@example.com")

    assert summary(known) == summary(unknown)
    assert summary(known) == (302, reverse("account_reset_password_done"))
    known_page = known_client.get(known["Location"])
    unknown_page = unknown_client.get(unknown["Location"])
    assert normalised(known_page) == normalised(unknown_page)

    assert [m.to for m in known_mail] == [[owner.email]]
    assert "/auth/password/reset/key/" in known_mail[0].body  # the real reset link
    # An unknown address gets at most a "no account here" note, never a reset link.
    for message in mail.outbox:
        assert message.to == ["nobody@example.com"]
        assert "/auth/password/reset/key/" not in message.body


def test_password_reset_for_an_unverified_address_is_not_revealed(db):
    from tests.factories import UserFactory

    pending = UserFactory(email="pending@example.com", verified=False)
    _, known = reset(pending.email)
    _, unknown = reset("nobody@example.com")
    assert summary(known) == summary(unknown)


# --- Adding an email address that belongs to someone else -------------------------------------


def test_adding_another_users_email_does_not_reveal_it(owner, other_user):
    client = Client()
    client.force_login(owner)
    # Adding an address asks for the password again first.
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    taken = client.post(reverse("account_email"), {"action_add": "", "email": other_user.email})
    free = client.post(reverse("account_email"), {"action_add": "", "email": "spare@example.com"})
    assert summary(taken) == summary(free)
    assert taken.get("Location") != reverse("account_reauthenticate") + "?next=" + reverse(
        "account_email"
    ), "still asked to reauthenticate: the test is not reaching the form"
    if taken.status_code == 200:
        assert b"already" not in taken.content.lower()
    # Nothing lets the owner take over the other user's address: allauth mails a
    # confirmation link to it (that is what hides whether it is taken), and even
    # following that link doesn't verify it for a second account.
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    pending = EmailAddress.objects.filter(user=owner, email__iexact=other_user.email).first()
    if pending is not None:
        key = EmailConfirmationHMAC(pending).key
        Client().post(reverse("account_confirm_email", args=[key]))
    assert not EmailAddress.objects.filter(user=owner, email__iexact=other_user.email,
                                           verified=True).exists()
    assert EmailAddress.objects.get(user=other_user).verified
