"""Whatever staff send, the answer is a 4xx with a reason, never a 500."""

from __future__ import annotations

import pytest

from tests.factories import make_condition

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "\\ud800", "slug": "x"}',
        b'{"name": "ok", "aliases": "\\udfff"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"name": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
        b'{"name": "\xff\xfe"}',
        b"\x00",
    ],
    ids=[
        "lone-surrogate",
        "lone-low-surrogate",
        "deep-array",
        "deep-value",
        "not-utf8",
        "nul",
    ],
)
def test_malformed_json_from_staff_is_a_400(api_as, reviewer, body):
    response = api_as(reviewer).generic(
        "POST", "/api/v1/conditions/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/conditions/condition/abc/history/",
        "/admin/conditions/condition/abc/history/1/",
        "/admin/conditions/condition/1/history/abc/",
        "/admin/conditions/condition/99999999999999999999999/history/",
        "/admin/conditions/condition/abc/change/",
        "/admin/studies/study/%00/change/",
    ],
)
def test_bad_ids_in_admin_urls_are_a_404(superuser_client, path):
    make_condition()
    response = superuser_client.get(path)
    assert response.status_code in (302, 404)
    if response.status_code == 302:  # the admin's own "does not exist" redirect
        assert response.url.startswith("/admin/")


@pytest.mark.parametrize(
    "query",
    [
        {"status__exact": "\x00"},
        {"q": "\x00"},
        {"category__exact": "\x00abc"},
        {"o": "\x00"},
    ],
)
def test_nul_in_admin_filters_is_a_400(superuser_client, query):
    make_condition()
    response = superuser_client.get("/admin/conditions/condition/", query)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_study_with_a_surrogate_in_its_authors_is_refused(api_as, reviewer):
    response = api_as(reviewer).generic(
        "POST",
        "/api/v1/studies/",
        b'{"title": "T", "design": "rct", "authors": [{"family": "\\ud800"}]}',
        content_type="application/json",
    )
    assert response.status_code == 400


def test_json_within_the_depth_limit_is_still_read(api_as, reviewer):
    response = api_as(reviewer).post(
        "/api/v1/glossary/",
        {"term": "Hormesis", "slug": "hormesis", "definition": '[[{}]] {"["}'},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_nul_in_the_autocomplete_is_a_400(superuser_client):
    make_condition()
    response = superuser_client.get(
        "/admin/autocomplete/",
        {
            "term": "\x00",
            "app_label": "studies",
            "model_name": "finding",
            "field_name": "condition",
        },
    )
    assert response.status_code == 400
