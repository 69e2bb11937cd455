"""Condition, mechanism, FAQ and glossary endpoints: filters and detail shape."""

from __future__ import annotations

import pytest

from tests.factories import (
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_study,
    make_term,
)

pytestmark = pytest.mark.django_db


def slugs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["slug"] for item in response.json()["results"]}


@pytest.fixture
def conditions():
    growth = make_mechanism(slug="growth")
    fibro = make_condition(
        slug="fibro", name="Fibromyalgia", aliases="FM", category="pain_syndrome"
    )
    fibro.mechanisms.add(growth)
    crohn = make_condition(
        slug="crohn", name="Crohn's disease", category="inflammatory"
    )
    for _ in range(2):
        make_finding(condition=fibro, study=make_study(design="rct"), participants=250)
    return {"fibro": fibro, "crohn": crohn}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "fibro"}, {"fibro"}),
        ({"q": "fm"}, {"fibro"}),
        ({"category": "inflammatory"}, {"crohn"}),
        ({"mechanism": "growth"}, {"fibro"}),
        ({"certainty": "high"}, {"fibro"}),
        ({"certainty": "not_rated"}, {"crohn"}),
        ({"certainty": "moderate"}, set()),
        ({"ordering": "-certainty"}, {"fibro", "crohn"}),
        ({"ordering": "-name"}, {"fibro", "crohn"}),
        ({"whatever": "1"}, {"fibro", "crohn"}),
    ],
)
def test_condition_filters(api, conditions, params, expected):
    assert slugs(api.get("/api/v1/conditions/", params)) == expected


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("category", "astrology"),
        ("mechanism", "nope"),
        ("certainty", "A"),
        ("ordering", "slug"),
        ("q", "x" * 300),
    ],
)
def test_an_invalid_condition_filter_is_a_400_naming_it(api, param, value):
    response = api.get("/api/v1/conditions/", {param: value})
    assert response.status_code == 400
    assert param in response.json()


def test_condition_list_carries_the_stored_evidence(api, conditions):
    items = {c["slug"]: c for c in api.get("/api/v1/conditions/").json()["results"]}
    fibro = items["fibro"]
    assert fibro["main_outcome"] == "pain"
    assert fibro["headline"]["certainty"] == "high"
    assert [e["outcome"] for e in fibro["evidence"]] == ["pain"]
    pain = fibro["evidence"][0]
    assert (pain["direction"], pain["studies"], pain["participants"]) == (
        "benefit",
        2,
        500,
    )
    assert pain["downgrades"] == []
    assert pain["headline"].startswith("Randomised trials in 500 people")
    assert items["crohn"]["headline"] is None
    assert items["crohn"]["main_outcome"] == "disease_activity"
    assert "grade" not in fibro


def test_condition_detail_carries_evidence_mechanisms_and_findings(api, conditions):
    hidden = make_mechanism(status="draft", published_at=None)
    conditions["fibro"].mechanisms.add(hidden)
    make_finding(
        condition=conditions["fibro"],
        study=make_study(status="draft", published_at=None),
    )
    data = api.get("/api/v1/conditions/fibro/").json()
    [pain] = data["evidence"]
    assert (pain["certainty"], pain["studies"]) == ("high", 2)
    assert data["headline"] == pain
    assert [m["slug"] for m in data["mechanisms"]] == ["growth"]
    assert "findings" not in data  # paged apart, however many there are
    assert data["findings_count"] == 2
    assert data["findings_url"] == "http://testserver/api/v1/findings/?condition=fibro"
    findings = api.get(data["findings_url"]).json()
    assert findings["count"] == 2
    study = findings["results"][0]["study"]
    assert set(study) >= {"id", "url", "html_url", "title", "year", "evidence_level"}
    assert {f["participants"] for f in findings["results"]} >= {250}
    assert data["html_url"] == "http://testserver/conditions/fibro/"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dose_min_mg": "5", "dose_max_mg": "1"}, "dose_max_mg"),
        ({"dose_min_mg": "0"}, "dose_min_mg"),
        ({"dose_max_mg": "51"}, "dose_max_mg"),
        ({"dose_max_mg": "1e999999"}, "dose_max_mg"),
        ({"slug": "Not a slug!"}, "slug"),
        ({"category": "astrology"}, "category"),
    ],
)
def test_condition_writes_use_the_models_validation(api_as, reviewer, body, field):
    base = {"name": "N", "slug": "n", "category": "autoimmune", "summary": "S"}
    response = api_as(reviewer).post(
        "/api/v1/conditions/", {**base, **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_a_duplicate_slug_is_a_400(api_as, reviewer):
    make_condition(slug="taken")
    body = {"name": "N", "slug": "taken", "category": "autoimmune", "summary": "S"}
    response = api_as(reviewer).post("/api/v1/conditions/", body, format="json")
    assert response.status_code == 400
    assert "slug" in response.json()


def test_mechanism_filters(api):
    growth = make_mechanism(slug="growth", name="Growth factor", support_level="cell")
    make_mechanism(slug="glia", name="Glial cells", support_level="human")
    make_condition(slug="fibro").mechanisms.add(growth)
    assert slugs(api.get("/api/v1/mechanisms/", {"q": "growth"})) == {"growth"}
    assert slugs(api.get("/api/v1/mechanisms/", {"support_level": "human"})) == {"glia"}
    assert slugs(api.get("/api/v1/mechanisms/", {"condition": "fibro"})) == {"growth"}
    response = api.get("/api/v1/mechanisms/", {"support_level": "rumour"})
    assert response.status_code == 400


def test_faq_filters_and_hides_a_draft_condition(api):
    fibro = make_condition(slug="fibro")
    draft = make_condition(slug="secret", status="draft", published_at=None)
    make_faq(slug="dose", question="What dose?", condition=fibro)
    make_faq(slug="other", question="Other?", condition=draft)
    assert slugs(api.get("/api/v1/faq/", {"condition": "fibro"})) == {"dose"}
    assert slugs(api.get("/api/v1/faq/", {"q": "dose"})) == {"dose"}
    other = api.get("/api/v1/faq/other/").json()
    assert other["condition"] is None
    assert api.get("/api/v1/faq/", {"condition": "secret"}).status_code == 400


def test_glossary_filter(api):
    make_term(slug="cytokine", term="Cytokine")
    make_term(slug="glia", term="Glia")
    assert slugs(api.get("/api/v1/glossary/", {"q": "cyto"})) == {"cytokine"}


def test_downgrades_name_their_reasons_in_the_api(api):
    condition = make_condition(slug="small")
    make_finding(condition=condition, study=make_study(), participants=31)
    make_finding(
        condition=condition, study=make_study(), participants=99, direction="no_effect"
    )
    [pain] = api.get("/api/v1/conditions/small/").json()["evidence"]
    assert pain["direction"] == "no_clear_benefit"
    assert [d["reason"] for d in pain["downgrades"]] == [
        "inconsistency",
        "imprecision",
        "small_study_effects",
    ]
    assert all(d["text"] and d["short"] for d in pain["downgrades"])
