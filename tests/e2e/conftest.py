"""Browser tests: Playwright driving a system Chromium against pytest-django's live_server.

Playwright's own browser download is not assumed: we look for a Chromium on the
machine. Without one the browser tests are skipped locally, but CI sets
REQUIRE_BROWSER=1 so a missing browser fails the run instead of hiding the tests.
"""

import os
import shutil
from pathlib import Path

import pytest

# The live server runs in a thread beside the test; tests read the ORM from the
# event-loop thread Playwright uses, which Django refuses unless told it is fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "chrome"]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "screenshots"


def _find_chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit
    for name in CHROMIUM_CANDIDATES:
        if found := shutil.which(name):
            return found
    return None


@pytest.fixture(autouse=True)
def _catalogue(seeded_catalogue):
    """Every browser test starts with the seeded exchanges and guidance."""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = _find_chromium()
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("No Chromium found (set CHROMIUM_PATH); REQUIRE_BROWSER is set.")
        pytest.skip("No Chromium on this machine: install one or set CHROMIUM_PATH.")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under screenshots/ for a person to look at."""

    def take(name: str) -> Path:
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def csp_violations(page):
    """Collects console messages about Content-Security-Policy violations."""
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text)
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
        else None,
    )
    return violations
