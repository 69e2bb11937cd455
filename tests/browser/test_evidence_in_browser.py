"""The fibromyalgia page's summary of findings and replication plot, and the
evidence map, at phone and desktop width in a real browser."""

from __future__ import annotations

import pytest

from conditions.models import Condition
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import make_finding, make_study

pytestmark = pytest.mark.browser

# A small positive crossover, two larger null trials, eight positive pilots.
TRIALS = [
    ("Crossover trial", "crossover_rct", "benefit", 31),
    ("Parallel trial A", "rct", "no_effect", 99),
    ("Parallel trial B", "rct", "no_effect", 58),
] + [(f"Pilot {i}", "open_label", "benefit", 8 + 2 * i) for i in range(8)]


@pytest.fixture
def fibromyalgia(seeded):
    condition = Condition.objects.get(slug="fibromyalgia")
    for title, design, direction, n in TRIALS:
        make_finding(
            condition=condition,
            study=make_study(title=title, design=design, sample_size=n),
            direction=direction,
            participants=n,
            effect="A result.",
        )
    return condition


@pytest.mark.parametrize(
    ("label", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)]
)
def test_fibromyalgia_evidence_reads_at_both_widths(
    live_server, fibromyalgia, page_factory, screenshot_dir, label, viewport
):
    page, log = page_factory(viewport)
    page.goto(live_server.url + fibromyalgia.get_absolute_url())
    headline = page.locator(".evidence-summary .headline").inner_text()
    assert headline.startswith("Randomised trials in 188 people found no clear")
    assert "very low certainty" in headline
    sof = page.locator("section.sof")
    assert "Why not higher" in sof.inner_text()
    marks = page.locator("svg.replication-svg g.mark")
    assert marks.count() == len(TRIALS)
    # The outcome column stays in view while the table scrolls sideways.
    first = page.locator(".sof-table th[scope='row']").first
    assert first.evaluate("e => getComputedStyle(e).position") == "sticky"
    sof.screenshot(path=str(screenshot_dir / f"fibromyalgia-sof-{label}.png"))
    page.locator("section.replication").screenshot(
        path=str(screenshot_dir / f"fibromyalgia-replication-{label}.png")
    )
    page.goto(live_server.url + "/evidence/")
    page.locator("div.evidence-map").screenshot(
        path=str(screenshot_dir / f"evidence-map-{label}.png")
    )
    if label == "phone":
        assert page.locator(".evidence-map .scroll-cue").is_visible()
    assert log.errors == [] and log.violations == []
