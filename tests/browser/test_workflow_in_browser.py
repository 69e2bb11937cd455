"""The change form's workflow buttons in a real browser, as an editor and a reviewer."""

from __future__ import annotations

import pytest

from conditions.models import Condition
from ldnsite.editorial.policy import Status
from tests.browser.conftest import DESKTOP
from tests.factories import make_staff, restore_roles

pytestmark = pytest.mark.browser


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


@pytest.mark.parametrize(
    "role, start, offered, pressed, end",
    [
        ("Editor", Status.DRAFT, ["Submit for review"], 0, Status.IN_REVIEW),
        ("Reviewer", Status.IN_REVIEW, ["Publish", "Archive"], 0, Status.PUBLISHED),
    ],
)
def test_a_button_saves_the_form_and_takes_its_step(
    live_server,
    seeded,
    page_factory,
    screenshot_dir,
    role,
    start,
    offered,
    pressed,
    end,
):
    restore_roles()  # the previous live-server test emptied every table
    make_staff(role.lower(), role=role)
    condition = Condition.objects.get(slug="fibromyalgia")
    condition.status, condition.published_at = start, None
    condition.save()
    page, log = page_factory(DESKTOP)
    sign_in(page, live_server.url, role.lower())
    page.goto(f"{live_server.url}/admin/conditions/condition/{condition.pk}/change/")

    buttons = page.locator(".workflow-row input[type=submit]")
    assert buttons.evaluate_all("els => els.map(e => e.value)") == offered
    page.fill("#id_change_reason", f"Checked by the {role.lower()}")
    buttons.nth(0).scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / f"admin-workflow-{role.lower()}.png"))
    buttons.nth(pressed).click()
    page.wait_for_load_state()

    assert page.url.endswith(f"/condition/{condition.pk}/change/")
    assert "was " in page.locator(".messagelist").inner_text()
    condition.refresh_from_db()
    assert condition.status == end
    latest = condition.history.latest()
    assert latest.history_change_reason == f"Checked by the {role.lower()}"
    assert log.errors == []
