"""The export-only operations (`studies/export/`, `studies/{id}/export/`): the same
citations as `?format=` on the list and detail, for clients that read one media
type per operation."""

from __future__ import annotations

import pytest

from tests.factories import make_condition, make_finding, make_study

pytestmark = pytest.mark.django_db

FORMATS = {
    "csv": "text/csv",
    "ris": "application/x-research-info-systems",
    "bibtex": "application/x-bibtex",
    "csljson": "application/vnd.citationstyles.csl+json",
}


@pytest.fixture
def studies():
    pain = make_condition(slug="pain")
    rct = make_study(title="Naltrexone for fibromyalgia", authors="Younger J, Noor N")
    make_finding(study=rct, condition=pain)
    make_study(title="Another study", design="cohort")
    make_study(title="A draft", status="draft", published_at=None)
    return rct


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_detail_export_is_the_detail_with_format(api, studies, fmt):
    answer = api.get(f"/api/v1/studies/{studies.pk}/export/", {"format": fmt})
    same = api.get(f"/api/v1/studies/{studies.pk}/", {"format": fmt})
    assert answer.status_code == 200
    assert answer["Content-Type"] == same["Content-Type"]
    assert answer["Content-Type"].startswith(FORMATS[fmt])
    assert answer["Content-Disposition"] == same["Content-Disposition"]
    assert answer.content == same.content
    assert b"Naltrexone for fibromyalgia" in answer.content


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_list_export_is_the_filtered_list_with_format(api, studies, fmt):
    params = {"format": fmt, "condition": "pain"}
    answer = api.get("/api/v1/studies/export/", params)
    same = api.get("/api/v1/studies/", params)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith(FORMATS[fmt])
    assert answer.content == same.content
    assert b"Naltrexone for fibromyalgia" in answer.content
    assert b"Another study" not in answer.content
    assert b"A draft" not in api.get("/api/v1/studies/export/", {"format": fmt}).content


def test_the_export_operations_answer_only_citation_formats(api, studies):
    url = f"/api/v1/studies/{studies.pk}/export/"
    unknown = api.get(url, {"format": "json"})
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/json"
    refused = api.get(url, HTTP_ACCEPT="application/json")
    assert refused.status_code == 406
    assert refused["Content-Type"] == "application/json"
    by_accept = api.get(url, HTTP_ACCEPT=FORMATS["ris"])
    assert by_accept["Content-Type"].startswith(FORMATS["ris"])


def test_errors_of_the_export_operations_are_json(api, studies):
    missing = api.get("/api/v1/studies/99999/export/", {"format": "ris"})
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"
    invalid = api.get("/api/v1/studies/export/", {"format": "csv", "year_min": "x"})
    assert invalid.status_code == 400
    assert "year_min" in invalid.json()


def test_a_draft_has_no_export(api, studies):
    draft = make_study(title="Unpublished", status="draft", published_at=None)
    response = api.get(f"/api/v1/studies/{draft.pk}/export/", {"format": "bibtex"})
    assert response.status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_list_export_runs_as_many_queries_at_any_size(api, studies, fmt):
    """The same count as the list with `format` (whatever it needs), at 3 and 13
    studies."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/studies/export/", {"format": fmt})
        assert response.status_code == 200
        return len(queries)

    small = count()
    for n in range(10):
        make_finding(study=make_study(title=f"Extra {n}"), condition=make_condition())
    assert count() == small
