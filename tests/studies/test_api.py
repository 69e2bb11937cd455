"""Study and finding endpoints: filters, detail shape, validation, exports."""

from __future__ import annotations

import csv
import io
import json

import bibtexparser
import pytest
import rispy

from studies.authors import parse_authors
from studies.exports import bibtex_entry, citation, csl_item, ris_entry
from tests.factories import (
    make_condition,
    make_finding,
    make_mechanism,
    make_study,
)

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


@pytest.fixture
def library():
    pain = make_condition(slug="pain", category="pain_syndrome")
    ms = make_condition(slug="ms", category="neurological")
    rct = make_study(
        title="Naltrexone for fibromyalgia",
        year=2013,
        design="rct",
        doi="10.1002/art.38187",
    )
    cohort = make_study(title="A cohort", year=2019, design="cohort", authors="Roe A")
    review = make_study(title="A review", year=2021, design="narrative_review")
    make_finding(study=rct, condition=pain, direction="benefit")
    make_finding(study=cohort, condition=ms, direction="no_effect")
    make_finding(study=review, condition=pain, direction="mixed")
    return {"rct": rct.pk, "cohort": cohort.pk, "review": review.pk}


GOOD = [
    ({"q": "fibromyalgia"}, {"rct"}),
    ({"q": "roe"}, {"cohort"}),
    ({"q": "https://doi.org/10.1002/ART.38187"}, {"rct"}),
    ({"q": "doi:10.1002/art.38187"}, {"rct"}),
    ({"condition": "pain"}, {"rct", "review"}),
    ({"category": "neurological"}, {"cohort"}),
    ({"design": "rct"}, {"rct"}),
    ({"design": ["rct", "cohort"]}, {"rct", "cohort"}),
    ({"level": "2"}, {"rct"}),
    ({"level": "5"}, {"review"}),
    ({"direction": "no_effect"}, {"cohort"}),
    ({"year_min": "2019"}, {"cohort", "review"}),
    ({"year_max": "2019"}, {"rct", "cohort"}),
    ({"has_doi": "true"}, {"rct"}),
    ({"has_doi": "false"}, {"cohort", "review"}),
    ({"unknown": "ignored"}, {"rct", "cohort", "review"}),
]


@pytest.mark.parametrize(("params", "expected"), GOOD)
def test_study_filters(api, library, params, expected):
    response = api.get("/api/v1/studies/", params)
    assert ids(response) == {library[name] for name in expected}


BAD = [
    ("condition", "no-such-condition"),
    ("category", "astrology"),
    ("design", "anecdote"),
    ("level", "9"),
    ("direction", "sideways"),
    ("year_min", "soon"),
    ("year_max", "3000"),
    ("has_doi", "maybe"),
    ("ordering", "doi"),
]


@pytest.mark.parametrize(("param", "value"), BAD)
def test_an_invalid_study_filter_is_a_400_naming_it(api, library, param, value):
    response = api.get("/api/v1/studies/", {param: value})
    assert response.status_code == 400
    assert param in response.json()


def test_studies_order_by_level_then_id(api, library):
    response = api.get("/api/v1/studies/", {"ordering": "level"})
    levels = [item["evidence_level"] for item in response.json()["results"]]
    assert levels == sorted(levels)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"condition": "pain"}, 2),
        ({"direction": "benefit"}, 1),
        ({"outcome": "pain"}, 3),
        ({"level": "3"}, 1),
        ({"ordering": "-level"}, 3),
    ],
)
def test_finding_filters(api, library, params, expected):
    assert api.get("/api/v1/findings/", params).json()["count"] == expected


@pytest.mark.parametrize(
    ("param", "value"),
    [("condition", "nope"), ("outcome", "x"), ("study", "abc"), ("level", "0")],
)
def test_an_invalid_finding_filter_is_a_400_naming_it(api, param, value):
    response = api.get("/api/v1/findings/", {param: value})
    assert response.status_code == 400
    assert param in response.json()


def test_study_detail_carries_findings_and_mechanisms(api):
    finding = make_finding()
    study = finding.study
    study.mechanisms.add(make_mechanism(slug="opioid-growth-factor"))
    study.mechanisms.add(make_mechanism(status="draft", published_at=None))
    data = api.get(f"/api/v1/studies/{study.pk}/").json()
    assert data["html_url"] == f"http://testserver{study.get_absolute_url()}"
    assert [f["condition"]["slug"] for f in data["findings"]] == [
        finding.condition.slug
    ]
    assert [m["slug"] for m in data["mechanisms"]] == ["opioid-growth-factor"]
    assert data["evidence_level"] == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("doi", "not-a-doi"),
        ("pmid", 0),
        ("year", 1900),
        ("slug", "not a slug"),
        ("sample_size", 0),
    ],
)
def test_study_writes_use_the_models_validation(api_as, reviewer, field, value):
    body = {"title": "T", "slug": "t", "design": "rct", field: value}
    response = api_as(reviewer).post("/api/v1/studies/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_duplicate_doi_is_a_400(api_as, reviewer):
    make_study(doi="10.1000/xyz")
    body = {
        "title": "T",
        "slug": "t",
        "design": "rct",
        "doi": "https://doi.org/10.1000/XYZ",
    }
    response = api_as(reviewer).post("/api/v1/studies/", body, format="json")
    assert response.status_code == 400


def test_studies_without_doi_may_share_the_blank(api_as, reviewer):
    make_study(doi="")
    body = {"title": "T", "slug": "t", "design": "rct", "doi": ""}
    response = api_as(reviewer).post("/api/v1/studies/", body, format="json")
    assert response.status_code == 201, response.content


def test_a_doi_is_stored_bare_and_lower_case(api_as, reviewer):
    body = {"title": "T", "slug": "t", "design": "rct", "doi": "doi: 10.1000/ABC"}
    response = api_as(reviewer).post("/api/v1/studies/", body, format="json")
    assert response.status_code == 201
    assert response.json()["doi"] == "10.1000/abc"


def test_a_second_finding_for_the_same_outcome_is_a_400(api_as, reviewer):
    finding = make_finding()
    body = {
        "study_id": finding.study_id,
        "condition_slug": finding.condition.slug,
        "outcome": finding.outcome,
        "direction": "harm",
        "effect": "Worse.",
    }
    response = api_as(reviewer).post("/api/v1/findings/", body, format="json")
    assert response.status_code == 400


# --- Exports -------------------------------------------------------------------


@pytest.fixture
def cited():
    return make_study(
        title="Low-dose naltrexone for fibromyalgia: {findings}",
        authors="Younger J, Noor N, McCue R",
        journal="Arthritis & Rheumatism",
        year=2013,
        volume="65",
        issue="2",
        pages="529-538",
        doi="10.1002/art.37734",
        pmid=23359310,
        url="https://example.org/paper",
    )


FORMATS = {
    "csv": "text/csv",
    "ris": "application/x-research-info-systems",
    "bibtex": "application/x-bibtex",
    "csljson": "application/vnd.citationstyles.csl+json",
}


def _expected(study):
    return citation(study, html_url=f"http://testserver{study.get_absolute_url()}")


@pytest.mark.parametrize("fmt", FORMATS)
def test_exports_by_format_and_by_accept_agree(api, cited, fmt):
    url = f"/api/v1/studies/{cited.pk}/"
    by_format = api.get(url, {"format": fmt})
    by_accept = api.get(url, HTTP_ACCEPT=FORMATS[fmt])
    assert by_format.status_code == by_accept.status_code == 200
    assert by_format["Content-Type"].startswith(FORMATS[fmt])
    assert by_accept["Content-Type"].startswith(FORMATS[fmt])
    assert by_format.content == by_accept.content
    assert "attachment" in by_format["Content-Disposition"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_that_matches_nothing_keeps_its_content_type(api, fmt):
    response = api.get("/api/v1/studies/", {"direction": "harm", "format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(FORMATS[fmt])
    empty = {"csv": 1, "ris": 0, "bibtex": 0, "csljson": 1}  # header row, "[]"
    assert len(response.content.strip().splitlines()) == empty[fmt]


def test_csv_export_round_trips(api, cited):
    text = api.get("/api/v1/studies/", {"format": "csv"}).content.decode()
    (row,) = list(csv.DictReader(io.StringIO(text)))
    expected = _expected(cited)
    assert list(row) == list(expected)  # one column per record key
    assert row["title"] == expected["title"]
    assert row["authors"] == "Younger, J.; Noor, N.; McCue, R."
    assert parse_authors(row["authors"]) == (expected["authors"], False)
    assert row["doi"] == expected["doi"]
    assert int(row["pmid"]) == expected["pmid"]
    assert int(row["year"]) == expected["year"]
    assert row["pages"] == expected["pages"]


def test_ris_export_round_trips(api, cited):
    text = api.get(f"/api/v1/studies/{cited.pk}/", {"format": "ris"}).content
    (entry,) = rispy.loads(text.decode())
    assert entry == ris_entry(_expected(cited))
    assert entry["start_page"] == "529" and entry["end_page"] == "538"


def test_bibtex_export_round_trips(api, cited):
    text = api.get(f"/api/v1/studies/{cited.pk}/", {"format": "bibtex"}).content
    library = bibtexparser.parse_string(text.decode())
    assert not library.failed_blocks
    (entry,) = library.entries
    expected = bibtex_entry(_expected(cited))
    assert entry.key == expected.key
    assert entry.fields_dict.keys() == expected.fields_dict.keys()
    for name, field in expected.fields_dict.items():
        assert entry.fields_dict[name].value == field.value
    assert entry["author"] == "Younger, J. and Noor, N. and McCue, R."


def test_csljson_export_round_trips(api, cited):
    text = api.get(f"/api/v1/studies/{cited.pk}/", {"format": "csljson"}).content
    (item,) = json.loads(text)
    assert item == csl_item(_expected(cited))
    assert item["author"][0] == {"family": "Younger", "given": "J."}
    assert item["issued"] == {"date-parts": [[2013]]}


def test_list_export_honours_the_filters_and_skips_drafts(api, library):
    make_study(title="Hidden", status="draft", published_at=None)
    text = api.get(
        "/api/v1/studies/", {"format": "ris", "condition": "pain"}
    ).content.decode()
    titles = sorted(e["title"] for e in rispy.loads(text))
    assert titles == ["A review", "Naltrexone for fibromyalgia"]


def test_an_export_of_a_missing_study_is_a_json_404(api):
    response = api.get("/api/v1/studies/999/", {"format": "bibtex"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_an_invalid_filter_on_an_export_is_a_json_400(api):
    response = api.get("/api/v1/studies/", {"format": "csv", "year_min": "x"})
    assert response.status_code == 400
    assert "year_min" in response.json()


def test_the_study_page_offers_the_exports(client, cited):
    page = client.get(cited.get_absolute_url()).content.decode()
    for fmt in FORMATS:
        assert f"/api/v1/studies/{cited.pk}/?format={fmt}" in page
