"""Steps shared by the browser tests."""

from tests.factories import DEFAULT_PASSWORD


def sign_in(page, live_server, user, password: str = DEFAULT_PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{live_server.url}/auth/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
