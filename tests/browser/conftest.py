"""Playwright driving Debian's chromium against pytest-django's live server.

The browser is `/usr/bin/chromium` (or `$CHROMIUM`), installed with apt by
`make browser` and by `.ci/run`. Without it these tests are skipped, unless
`LDN_REQUIRE_BROWSER=1` (as in CI) makes that a failure.
Screenshots go to `test-artifacts/screenshots/` (or `$LDN_ARTIFACTS`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import restore_roles

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ARTIFACTS = Path(
    os.environ.get(
        "LDN_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"
    )
)


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    return path if os.path.exists(path) else shutil.which("chromium")


@pytest.fixture(scope="module", autouse=True)
def restore_roles_after_flush(django_db_blocker):
    """The live server's tests end by emptying every table, which also removes the
    Editor and Reviewer groups made by a data migration. Put them back, so later
    tests (and the next run's reused test database) find them."""
    yield
    with django_db_blocker.unblock():
        restore_roles()


@pytest.fixture(scope="module", autouse=True)
def allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread; the tests and
    the database flush after each still use the ORM synchronously (the live
    server runs in its own thread). Module-wide, so it outlasts every flush."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    reason = "chromium is not installed (`make browser` installs it with apt)"
    if path is None:
        if os.environ.get("LDN_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def seeded(transactional_db):
    """The site's own LDN content, as `make run` serves it."""
    call_command("load_ldn_content", verbosity=0)


class ConsoleLog:
    """Console errors, uncaught exceptions and CSP violations seen by a page."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.violations: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        # Reported by the browser for every refused resource or inline script.
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.error('CSP violation: ' + e.violatedDirective + ' ' + "
            "e.blockedURI));"
        )

    def _console(self, message):
        if message.type == "error":
            self.errors.append(message.text)
            if "Content Security Policy" in message.text or "CSP" in message.text:
                self.violations.append(message.text)


@pytest.fixture
def page_factory(browser):
    """`page_factory(viewport)` → (page, console log); closed after the test."""
    contexts = []

    def make(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page, ConsoleLog(page)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    directory = ARTIFACTS / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory
