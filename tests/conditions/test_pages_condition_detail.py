"""The condition page: grade and reason, findings by level and direction, dose,
FAQ, review dates, JSON-LD, and what the public must never see there."""

from __future__ import annotations

import datetime
import json
import re

import pytest

from conditions.models import ConditionMechanism
from tests.factories import (
    HIDDEN_STATES,
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_staff,
    make_study,
)
from tests.pages import XSS, runnable
from tests.queries import queries_at_5_and_50

pytestmark = pytest.mark.django_db

LD_OPEN = '<script type="application/ld+json">'


def json_ld(body: str) -> dict:
    """The JSON-LD block, up to the first `</script>` as a browser would read it."""
    start = body.index(LD_OPEN) + len(LD_OPEN)
    return json.loads(body[start : body.index("</script>", start)])


def level_section(body: str, level: int) -> str:
    match = re.search(
        rf'<section class="level" aria-labelledby="level-{level}">.*?'
        r"</div>\s*</section>",
        body,
        re.DOTALL,
    )
    assert match, f"no level {level} section"
    return match.group(0)


def direction_column(section: str, direction: str) -> str:
    match = re.search(
        rf'<section class="direction direction-{direction}".*?</section>',
        section,
        re.DOTALL,
    )
    assert match, f"no {direction} column"
    return match.group(0)


@pytest.fixture
def fibro(reviewer):
    reviewer.first_name, reviewer.last_name = "Rita", "Reviewer"
    reviewer.save()
    condition = make_condition(
        name="Fibromyalgia",
        slug="fibromyalgia",
        aliases="FM, fibrositis",
        summary="Widespread pain with fatigue.",
        body="Some **body** text.",
        titration_notes="Start at *1.5 mg* and rise slowly.",
        dose_min_mg="1.5",
        dose_max_mg="4.5",
        last_reviewed=datetime.date(2026, 2, 3),
        next_review_due=datetime.date(2027, 2, 3),
        reviewed_by=reviewer,
    )
    glial = make_mechanism(name="Glial modulation", support_level="animal")
    ConditionMechanism.objects.create(condition=condition, mechanism=glial)
    make_finding(
        condition=condition,
        study=make_study(title="Big meta-analysis", design="meta_analysis", year=2022),
        effect="Pain fell by a third.",
    )
    make_finding(
        condition=condition,
        study=make_study(title="Null crossover", design="crossover_rct", year=2013),
        direction="no_effect",
        outcome="fatigue",
        effect="Fatigue did not change.",
    )
    make_finding(
        condition=condition,
        study=make_study(title="Harmful pilot", design="open_label", year=2009),
        direction="harm",
        outcome="sleep",
        effect="Sleep got worse.",
    )
    make_faq(question="Is LDN safe for FM?", slug="ldn-fm-safe", condition=condition)
    return condition


def test_it_shows_summary_aliases_body_dose_mechanisms_and_review(client, fibro):
    response = client.get(fibro.get_absolute_url())
    assert response.status_code == 200
    assert "conditions/condition_detail.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "<h1>Fibromyalgia</h1>" in body
    assert "Widespread pain with fatigue." in body
    assert "Also called: FM, fibrositis" in body
    assert "Some <strong>body</strong> text." in body
    assert "1.5–4.5 mg" in body
    assert "Start at <em>1.5 mg</em> and rise slowly." in body
    assert "Glial modulation" in body and "Supported by animal studies" in body
    assert '<time datetime="2026-02-03">3 February 2026</time>' in body
    assert '<time datetime="2027-02-03">3 February 2027</time>' in body
    assert "Reviewed by</dt><dd>Rita Reviewer" in body


def test_the_inline_notice_sits_in_the_dose_section(client, fibro):
    body = client.get(fibro.get_absolute_url()).content.decode()
    dose = body[body.index('<section class="dose"') :]
    dose = dose[: dose.index("</section>")]
    assert "Not medical advice." in dose
    # ... and the full notice stays in the footer.
    assert body.count("Not medical advice.") == 2


def test_it_shows_the_headline_table_reviews_and_replication(client, fibro):
    body = client.get(fibro.get_absolute_url()).content.decode()
    # Pain, the main outcome, rests on a meta-analysis only: reviews never vote.
    assert "The evidence on pain</h2>" in body
    assert "No randomised trial or other primary study has reported on pain" in body
    sof = body[body.index('<table class="sof-table">') :]
    sof = sof[: sof.index("</table>")]
    fatigue = sof[sof.index('id="outcome-fatigue"') :]
    assert "No clear benefit" in fatigue and "Moderate" in fatigue
    assert "single trial, with participants not reported" in fatigue
    sleep = sof[sof.index('id="outcome-sleep"') :]
    assert "Harm" in sleep and "Very low" in sleep and "No randomised trial" in sleep
    pain = sof[sof.index('id="outcome-pain"') :]
    assert "1 review (not counted)" in pain and "Not rated" in pain
    reviews = body[body.index('aria-labelledby="reviews-heading"') :]
    assert "Pain fell by a third." in reviews[: reviews.index("</section>")]
    # One mark per primary study, in the replication plot, with a text version.
    assert body.count('<g class="mark dir-') == 2
    assert "Randomised trials: 1 no effect (sizes not reported)" in body


def test_findings_are_grouped_by_level_with_directions_side_by_side(client, fibro):
    body = client.get(fibro.get_absolute_url()).content.decode()
    # Level 1 first, then 2, then 3; no empty level.
    positions = [body.index(f'aria-labelledby="level-{n}"') for n in (1, 2, 3)]
    assert positions == sorted(positions)
    assert 'aria-labelledby="level-4"' not in body
    level1 = level_section(body, 1)
    assert "Level 1: systematic review or meta-analysis" in level1
    # Every level shows the four directions in the same order.
    for n in (1, 2, 3):
        section = level_section(body, n)
        order = [
            section.index(f"direction-{d}")
            for d in ("benefit", "no_effect", "harm", "mixed")
        ]
        assert order == sorted(order)
    benefit = direction_column(level1, "benefit")
    assert "Pain fell by a third." in benefit and "Pain" in benefit
    assert "Big meta-analysis</a> (2022)" in benefit
    null = direction_column(level_section(body, 2), "no_effect")
    assert "Fatigue did not change." in null and "Null crossover</a> (2013)" in null
    assert "None at this level." in direction_column(level_section(body, 2), "benefit")
    harm = direction_column(level_section(body, 3), "harm")
    assert "Sleep got worse." in harm and "Harmful pilot" in harm
    # Each finding links to its study page.
    for study in {f.study for f in fibro.findings.all()}:
        assert f'href="{study.get_absolute_url()}"' in body


def test_a_mixed_finding_has_its_column(client):
    condition = make_condition()
    make_finding(condition=condition, direction="mixed", effect="Some better.")
    body = client.get(condition.get_absolute_url()).content.decode()
    assert "Some better." in direction_column(level_section(body, 2), "mixed")


def test_a_condition_without_findings_says_so(client):
    condition = make_condition()
    body = client.get(condition.get_absolute_url()).content.decode()
    assert "No published study reports a finding for this condition yet." in body
    assert "No randomised trial or other primary study has reported on pain" in body
    assert "Did it replicate?" not in body and "Summary of findings" not in body


def test_it_lists_the_conditions_published_faq_only(client, fibro):
    make_faq(question="General question?")  # not tied to the condition
    for state, values in HIDDEN_STATES.items():
        make_faq(question=f"Hidden {state}?", condition=fibro, **values)
    body = client.get(fibro.get_absolute_url()).content.decode()
    assert "Is LDN safe for FM?" in body
    assert 'id="ldn-fm-safe"' in body
    assert "General question?" not in body
    assert "Hidden" not in body


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_hidden_studies_and_mechanisms_never_show(client, fibro, state):
    hidden = HIDDEN_STATES[state]
    make_finding(
        condition=fibro,
        study=make_study(title="Secret study", design="rct", **hidden),
        effect="Secret effect.",
    )
    mechanism = make_mechanism(name="Secret mechanism", **hidden)
    ConditionMechanism.objects.create(condition=fibro, mechanism=mechanism)
    body = client.get(fibro.get_absolute_url()).content.decode()
    assert "Secret" not in body
    assert fibro.headline.studies == 0  # the hidden trial does not count
    assert json.dumps("Secret study") not in json.dumps(json_ld(body))


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_an_unpublished_condition_is_404(client, state):
    condition = make_condition(**HIDDEN_STATES[state])
    assert client.get(condition.get_absolute_url()).status_code == 404


def test_staff_preview_of_a_draft_shows_the_banner_and_its_findings(client, editor):
    condition = make_condition(name="Draft condition", **HIDDEN_STATES["draft"])
    make_finding(condition=condition, effect="Found in a draft.")
    client.force_login(editor)
    response = client.get(condition.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Draft — not public." in body
    assert "Found in a draft." in body
    client.force_login(make_staff("viewer"))
    assert client.get(condition.get_absolute_url()).status_code == 404


def test_json_ld_describes_the_condition(client, fibro):
    study = fibro.findings.get(study__title="Big meta-analysis").study
    study.doi = "10.1000/big"
    study.save()
    body = client.get(fibro.get_absolute_url()).content.decode()
    data = json_ld(body)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalCondition"
    assert data["name"] == "Fibromyalgia"
    assert data["alternateName"] == ["FM", "fibrositis"]
    assert data["description"] == "Widespread pain with fatigue."
    assert data["url"] == "http://testserver/conditions/fibromyalgia/"
    assert data["possibleTreatment"]["@type"] == "Drug"
    assert data["possibleTreatment"]["name"] == "Naltrexone (low dose)"
    assert data["lastReviewed"] == "2026-02-03"
    studies = {s["name"]: s for s in data["study"]}
    assert set(studies) == {"Big meta-analysis", "Null crossover", "Harmful pilot"}
    assert studies["Big meta-analysis"]["sameAs"] == "https://doi.org/10.1000/big"
    assert studies["Big meta-analysis"]["url"].startswith("http://testserver/studies/")


def test_open_graph_and_description_use_the_summary(client, fibro):
    body = client.get(fibro.get_absolute_url()).content.decode()
    assert '<meta property="og:type" content="article">' in body
    assert '<meta property="og:title" content="Fibromyalgia">' in body
    assert (
        '<meta property="og:description" content="Widespread pain with fatigue.">'
        in body
    )
    assert '<meta name="description" content="Widespread pain with fatigue.">' in body


HOSTILE_NAME = "</script><script>alert(1)</script>"


def test_a_hostile_name_cannot_end_the_json_ld_block(client):
    condition = make_condition(
        name=HOSTILE_NAME, aliases=HOSTILE_NAME, summary=HOSTILE_NAME
    )
    body = client.get(condition.get_absolute_url()).content.decode()
    start = body.index(LD_OPEN) + len(LD_OPEN)
    block = body[start : body.index("</script>", start)]
    assert "</script>" not in block and "<script>" not in block
    data = json.loads(block)
    assert data["name"] == HOSTILE_NAME
    assert data["description"] == HOSTILE_NAME
    assert data["alternateName"] == [HOSTILE_NAME]
    assert "<script>alert(1)" not in body


def test_staff_markdown_and_text_cannot_run_script(client):
    condition = make_condition(body=XSS, titration_notes=XSS, summary=XSS)
    make_faq(answer=XSS, question=XSS, condition=condition)
    make_finding(condition=condition, effect=XSS)
    body = client.get(condition.get_absolute_url()).content.decode()
    assert runnable(body) == []
    assert "<script>alert" not in body
    # Plain-text fields are shown, escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_the_audit_would_catch_unescaped_markup():
    assert runnable(XSS.replace("[x](javascript:alert(1))", "")) == [
        "<script {}>",
        "<img>",
        "img onerror",
    ]
    assert runnable('<a href=" JavaScript:alert(1)">x</a>') == [
        "a href= JavaScript:alert(1)"
    ]


def test_the_page_runs_a_fixed_number_of_queries(client):
    condition = make_condition()

    def add(n):
        for i in range(n):
            study = make_study(design=["rct", "cohort", "case_report"][i % 3])
            make_finding(condition=condition, study=study)
            make_finding(condition=condition, study=study, outcome="sleep")
            mechanism = make_mechanism()
            ConditionMechanism.objects.create(condition=condition, mechanism=mechanism)
            make_faq(condition=condition)

    small, large = queries_at_5_and_50(client, condition.get_absolute_url(), add)
    # The condition with its reviewer; its stored summaries; its published
    # mechanisms; its published FAQ; the doses studied; the reviews; the
    # replication counts and marks; the count and the page of findings with
    # their studies.
    assert small == large == 10


def test_within_a_level_newer_studies_come_first_and_undated_last(client):
    condition = make_condition()
    for title, year in (("Undated", None), ("Older", 2001), ("Newer", 2020)):
        make_finding(condition=condition, study=make_study(title=title, year=year))
    body = client.get(condition.get_absolute_url()).content.decode()
    detail = client.get(f"/api/v1/conditions/{condition.slug}/").json()
    api = client.get(detail["findings_url"]).json()
    assert body.index("Newer") < body.index("Older") < body.index("Undated")
    assert [f["study"]["title"] for f in api["results"]] == [
        "Newer",
        "Older",
        "Undated",
    ]


def test_the_replication_text_stays_short_however_many_studies(client):
    from studies import condition_evidence

    condition = make_condition()
    for _ in range(condition_evidence.SIZES_LISTED + 3):
        make_finding(condition=condition, study=make_study(sample_size=10))
    [plot] = condition_evidence.replication(condition)
    [band] = plot.bands
    count = condition_evidence.SIZES_LISTED + 3
    assert (
        band.words == f"Randomised trials: {count} benefit ({count * 10} people in all)"
    )
    assert band.words in client.get(condition.get_absolute_url()).content.decode()
