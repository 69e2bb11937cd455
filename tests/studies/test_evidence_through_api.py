"""Bodies of evidence shaped like the LDN literature, entered through the API.

A Reviewer enters conditions, studies (design, size, risk of bias) and their
findings with `POST /api/v1/...`, as a curator would, and reads the evidence
back from the public API. The shapes are those that once made the site grade
fibromyalgia, Crohn's disease, chronic pain and CRPS too high:

- fibromyalgia: three randomised trials, of which the two largest (and newest)
  found no effect, beside small positive pilots (8 to 25 people), systematic
  reviews that pool those trials, and narrative reviews;
- Crohn's disease: uncontrolled studies only, all positive, and a positive review;
- chronic pain: observational studies, and a null review of trials;
- CRPS: one two-patient report and a review of case reports.

What must hold: no body whose largest trials found no effect reads as a
benefit, or with high or moderate certainty; reviews and background never
change a body's direction or certainty; every downgrade names its reason.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

# (key, design, participants, direction, risk of bias)
FIBROMYALGIA = [
    ("fm-rct-crossover", "crossover_rct", 31, "benefit", "some_concerns"),
    ("fm-rct-large", "rct", 99, "no_effect", "low"),
    ("fm-rct-newest", "rct", 58, "no_effect", "low"),
    ("fm-pilot-10", "non_randomised", 10, "benefit", "high"),
    ("fm-pilot-8", "open_label", 8, "benefit", "high"),
    ("fm-pilot-25", "case_series", 25, "benefit", "high"),
    ("fm-cohort", "cohort", 22, "benefit", "high"),
    ("fm-pilot-12", "open_label", 12, "benefit", "high"),
]
FIBROMYALGIA_REVIEWS = [
    ("fm-sr-1", "systematic_review", None, "benefit", "not_assessed"),
    ("fm-ma-1", "meta_analysis", None, "benefit", "not_assessed"),
    ("fm-narrative", "narrative_review", None, "benefit", "not_assessed"),
    ("fm-scoping", "scoping_review", None, "benefit", "not_assessed"),
]
CROHNS = [
    ("cd-pilot", "open_label", 17, "benefit", "high"),
    ("cd-cohort", "cohort", 47, "benefit", "high"),
    ("cd-series", "case_series", 12, "benefit", "high"),
]
CROHNS_REVIEWS = [("cd-review", "systematic_review", None, "benefit", "not_assessed")]
CHRONIC_PAIN = [
    ("cp-cohort", "cohort", 120, "benefit", "high"),
    ("cp-registry", "cross_sectional", 300, "benefit", "high"),
]
CHRONIC_PAIN_REVIEWS = [
    ("cp-review", "systematic_review", None, "no_effect", "not_assessed"),
]
CRPS = [("crps-report", "case_report", 2, "benefit", "high")]
CRPS_REVIEWS = [("crps-review", "systematic_review", None, "benefit", "not_assessed")]

CONDITIONS = {
    "fibromyalgia": ("Fibromyalgia", "pain_syndrome"),
    "crohns-disease": ("Crohn's disease", "inflammatory"),
    "chronic-pain": ("Chronic pain", "pain_syndrome"),
    "crps": ("Complex regional pain syndrome", "pain_syndrome"),
}


@pytest.fixture
def api(api_as, reviewer):
    return api_as(reviewer)


def enter(api, condition: str, rows) -> None:
    """Create each study (published) and its pain finding through the API."""
    for key, design, participants, direction, risk in rows:
        study = {
            "title": f"Low-dose naltrexone study {key}",
            "slug": key,
            "design": design,
            "year": 2020,
            "risk_of_bias": risk,
            "status": "published",
        }
        if participants:
            study["sample_size"] = participants
        response = api.post("/api/v1/studies/", study, format="json")
        assert response.status_code == 201, response.content
        finding = {
            "study_id": response.json()["id"],
            "condition_slug": condition,
            "outcome": "pain",
            "direction": direction,
            "effect": f"Reported as {direction.replace('_', ' ')}.",
        }
        if participants:
            finding["participants"] = participants
        response = api.post("/api/v1/findings/", finding, format="json")
        assert response.status_code == 201, response.content


def pain_evidence(api, slug: str) -> dict:
    response = api.get(f"/api/v1/conditions/{slug}/")
    assert response.status_code == 200, response.content
    body = response.json()
    rows = [row for row in body["evidence"] if row["outcome"] == "pain"]
    assert len(rows) == 1, body["evidence"]
    return {**rows[0], "headline": body["headline"]}


@pytest.fixture
def conditions(api):
    for slug, (name, category) in CONDITIONS.items():
        response = api.post(
            "/api/v1/conditions/",
            {
                "slug": slug,
                "name": name,
                "category": category,
                "main_outcome": "pain",
                "summary": f"{name}.",
                "status": "published",
            },
            format="json",
        )
        assert response.status_code == 201, response.content


def assert_downgrades_name_reasons(evidence: dict) -> None:
    for downgrade in evidence["downgrades"]:
        assert downgrade["reason"]
        assert downgrade["text"].strip()


def test_fibromyalgia_null_large_trials_are_not_a_benefit(api, conditions):
    enter(api, "fibromyalgia", FIBROMYALGIA)
    primary = pain_evidence(api, "fibromyalgia")

    assert primary["direction"] != "benefit"
    assert primary["certainty"] in {"low", "very_low"}
    assert primary["randomised_trials"] == 3
    assert primary["studies"] == len(FIBROMYALGIA)
    assert primary["headline"]["direction"] == primary["direction"]
    assert_downgrades_name_reasons(primary)
    assert primary["downgrades"], "a low rating must say why"

    # Systematic reviews and meta-analyses pooling the same trials, and
    # narrative and scoping reviews, add no vote.
    enter(api, "fibromyalgia", FIBROMYALGIA_REVIEWS)
    with_reviews = pain_evidence(api, "fibromyalgia")
    for field in ("direction", "certainty", "studies", "participants", "downgrades"):
        assert with_reviews[field] == primary[field], field
    assert with_reviews["reviews"] == 2
    assert with_reviews["background"] == 2


def test_crohns_without_a_trial_is_at_most_low(api, conditions):
    enter(api, "crohns-disease", CROHNS)
    primary = pain_evidence(api, "crohns-disease")
    assert primary["direction"] == "benefit"
    assert primary["randomised_trials"] == 0
    assert primary["certainty"] in {"low", "very_low"}
    assert_downgrades_name_reasons(primary)

    enter(api, "crohns-disease", CROHNS_REVIEWS)
    after = pain_evidence(api, "crohns-disease")
    assert (after["direction"], after["certainty"]) == (
        primary["direction"],
        primary["certainty"],
    )


def test_chronic_pain_null_review_does_not_vote(api, conditions):
    enter(api, "chronic-pain", CHRONIC_PAIN)
    primary = pain_evidence(api, "chronic-pain")
    enter(api, "chronic-pain", CHRONIC_PAIN_REVIEWS)
    after = pain_evidence(api, "chronic-pain")
    assert after["direction"] == primary["direction"] == "benefit"
    assert after["certainty"] == primary["certainty"]
    assert after["certainty"] in {"low", "very_low"}
    assert after["reviews"] == 1
    assert_downgrades_name_reasons(after)


def test_crps_case_report_is_very_low_and_its_review_does_not_vote(api, conditions):
    enter(api, "crps", CRPS + CRPS_REVIEWS)
    evidence = pain_evidence(api, "crps")
    assert evidence["certainty"] == "very_low"
    assert evidence["studies"] == 1
    assert evidence["participants"] == 2
    assert evidence["reviews"] == 1
    assert_downgrades_name_reasons(evidence)


def test_the_public_list_agrees_with_the_detail(api, conditions, client):
    for slug, rows in (
        ("fibromyalgia", FIBROMYALGIA + FIBROMYALGIA_REVIEWS),
        ("crohns-disease", CROHNS + CROHNS_REVIEWS),
        ("chronic-pain", CHRONIC_PAIN + CHRONIC_PAIN_REVIEWS),
        ("crps", CRPS + CRPS_REVIEWS),
    ):
        enter(api, slug, rows)
    listed = client.get("/api/v1/conditions/", {"page_size": 50}).json()["results"]
    assert {row["slug"] for row in listed} == set(CONDITIONS)
    for row in listed:
        detail = pain_evidence(api, row["slug"])
        assert row["headline"] == detail["headline"]
        # None of these bodies earns high or moderate certainty.
        assert detail["certainty"] in {"low", "very_low"}, row["slug"]
    strong = client.get("/api/v1/conditions/", {"certainty": "high"}).json()
    assert strong["count"] == 0
