"""The seeded site in a real browser: filters, keyboard use, CSP, screenshots."""

from __future__ import annotations

import re
import struct
from urllib.parse import urlsplit

import pytest

from conditions.models import Condition, Mechanism
from studies.models import Study
from tests.browser.conftest import ARTIFACTS, DESKTOP, PHONE

pytestmark = pytest.mark.browser

CONDITION_LINK = re.compile(r"^/conditions/[a-z0-9-]+/$")


def public_pages() -> list[tuple[str, str]]:
    """(name, path) of every kind of public page, from the seeded content."""
    condition = Condition.objects.published().get(slug="fibromyalgia")
    mechanism = Mechanism.objects.published().order_by("pk").first()
    study = Study.objects.published().order_by("pk").first()
    return [
        ("home", "/"),
        ("conditions", "/conditions/"),
        ("conditions-filtered", "/conditions/?category=autoimmune"),
        ("conditions-invalid", "/conditions/?certainty=Z"),
        ("condition", condition.get_absolute_url()),
        ("mechanisms", "/mechanisms/"),
        ("mechanism", mechanism.get_absolute_url()),
        ("studies", "/studies/"),
        ("study", study.get_absolute_url()),
        ("evidence", "/evidence/"),
        ("sources", "/sources/"),
        ("faq", "/faq/"),
        ("glossary", "/glossary/"),
        ("search", "/search/?q=fibromyalgia+pain"),
        ("not-found", "/no-such-page/"),
    ]


def test_admin_and_api_docs_run_under_the_policy(
    live_server, seeded, page_factory, screenshot_dir
):
    """Not public pages, but under the same strict policy: nothing refused."""
    for name, path in (("admin-login", "/admin/login/"), ("api-docs", "/api/docs/")):
        page, log = page_factory(DESKTOP)
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, name
        assert response.headers.get("content-security-policy"), name
        page.screenshot(path=str(screenshot_dir / f"{name}-desktop.png"))
        assert log.errors == [], (name, log.errors)
        assert log.violations == [], (name, log.violations)
    # Swagger UI started (its script is a file, allowed by 'self').
    assert page.locator(".opblock").count() > 0


def condition_links(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "main a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    return sorted({h for h in hrefs if CONDITION_LINK.match(h)})


def test_every_page_loads_without_console_errors_or_csp_violations(
    live_server, seeded, page_factory, screenshot_dir
):
    for name, path in public_pages():
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page, log = page_factory(viewport)
            response = page.goto(live_server.url + path)
            expected = {"not-found": 404, "conditions-invalid": 400}.get(name, 200)
            assert response.status == expected, (name, response.status)
            assert response.headers.get("content-security-policy"), name
            page.screenshot(
                path=str(screenshot_dir / f"{name}-{label}.png"), full_page=True
            )
            # The status of the page itself is reported as a failed load.
            errors = [
                e
                for e in log.errors
                if not (expected != 200 and f"status of {expected}" in e)
            ]
            assert errors == [], (name, label, errors)
            assert log.violations == [], (name, label, log.violations)
            # Nothing wider than a phone's screen forces the page to scroll sideways.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 1, (name, label, overflow)
            page.context.close()


def test_filter_form_narrows_the_conditions_list(live_server, seeded, page_factory):
    page, log = page_factory(DESKTOP)
    page.goto(live_server.url + "/conditions/")
    everything = condition_links(page)
    assert len(everything) == Condition.objects.published().count()

    page.get_by_label("Category").select_option("autoimmune")
    page.locator("main form").get_by_role("button").first.click()
    page.wait_for_load_state()

    assert "category=autoimmune" in page.url
    narrowed = condition_links(page)
    expected = Condition.objects.published().filter(category="autoimmune")
    assert narrowed == sorted(c.get_absolute_url() for c in expected)
    assert 0 < len(narrowed) < len(everything)
    assert log.errors == []


def test_invalid_filter_shows_the_error_beside_the_field(
    live_server, seeded, page_factory
):
    page, _ = page_factory(DESKTOP)
    response = page.goto(live_server.url + "/conditions/?certainty=Z")
    assert response.status == 400
    grade = page.get_by_label("Certainty", exact=True)
    field = grade.locator("xpath=ancestor::*[contains(@class, 'field')][1]")
    assert "Select a valid choice" in field.inner_text()
    assert page.locator("text=Select a valid choice").first.is_visible()


def test_condition_page_is_reachable_by_keyboard_from_home(
    live_server, seeded, page_factory
):
    page, log = page_factory(DESKTOP)
    page.goto(live_server.url + "/")

    # The first Tab stop is the skip link, and focus can be seen.
    page.keyboard.press("Tab")
    first = page.evaluate(
        "({text: document.activeElement.textContent.trim(),"
        " outline: getComputedStyle(document.activeElement).outlineStyle})"
    )
    assert first["text"] == "Skip to content"
    assert first["outline"] != "none"

    target = None
    for _ in range(120):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if CONDITION_LINK.match(href):
            target = href
            break
    assert target, "no condition link reached with the Tab key"

    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + target)
    condition = Condition.objects.get(slug=target.strip("/").split("/")[-1])
    assert page.locator("h1").first.inner_text().strip() == condition.name
    assert log.errors == []


def test_search_from_the_header_form(live_server, seeded, page_factory):
    page, log = page_factory(PHONE)
    page.goto(live_server.url + "/")
    page.locator("header").get_by_label("Search").fill("fibromyalgia")
    page.locator("header").get_by_label("Search").press("Enter")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/search/"
    assert page.locator("main mark").count() > 0
    assert log.errors == []


def test_screenshots_are_real_images(live_server, seeded, page_factory, screenshot_dir):
    page, _ = page_factory(PHONE)
    page.goto(live_server.url + "/")
    path = screenshot_dir / "home-phone-check.png"
    page.screenshot(path=str(path), full_page=True)
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert width == PHONE["width"]
    assert height >= PHONE["height"]


def test_condition_page_prints_cleanly(live_server, seeded, page_factory):
    page, log = page_factory(DESKTOP)
    page.goto(live_server.url + "/conditions/chronic-pain/")
    page.emulate_media(media="print")
    assert not page.locator("header nav").is_visible()
    assert not page.locator(".site-search").is_visible()
    assert page.locator("h1").is_visible()
    assert page.get_by_text("Not medical advice.").first.is_visible()
    # A printed link still says where it goes.
    after = page.evaluate(
        "getComputedStyle(document.querySelector('main a[href^=\"/studies/\"]'),"
        " '::after').content"
    )
    assert "/studies/" in after
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "condition-print.png"))
    pdf = ARTIFACTS / "condition-print.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert log.errors == []
