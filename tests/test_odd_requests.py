"""No request to a public page, however odd, gives a server error."""

from __future__ import annotations

import pytest

from tests.factories import make_finding, make_mechanism, make_study

pytestmark = pytest.mark.django_db

ODD_VALUES = [
    "\x00",
    "a\x00b",
    "²",  # a digit to str.isdigit(), not to int()
    "٣",  # Arabic-Indic three: int() accepts it
    "-1",
    "0",
    "99999999999999999999999999",
    "9223372036854775808",
    "1e309",
    "x" * 5000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%00",
    ",",
    "name,,-name",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
]
PARAMETERS = [
    "q",
    "page",
    "ordering",
    "category",
    "grade",
    "mechanism",
    "condition",
    "design",
    "level",
    "direction",
    "year_min",
    "year_max",
    "has_doi",
    "unknown",
]


@pytest.fixture
def pages():
    finding = make_finding()
    mechanism = make_mechanism()
    study = make_study()
    return [
        "/",
        "/conditions/",
        finding.condition.get_absolute_url(),
        "/mechanisms/",
        mechanism.get_absolute_url(),
        "/studies/",
        study.get_absolute_url(),
        f"/studies/{study.pk}/",
        "/evidence/",
        "/faq/",
        "/glossary/",
        "/search/",
        "/sitemap.xml",
        "/robots.txt",
        "/studies/feed/",
    ]


def test_odd_query_values_never_give_a_server_error(client, pages):
    client.raise_request_exception = False
    failures = []
    for url in pages:
        for name in PARAMETERS:
            for value in ODD_VALUES:
                status = client.get(url, {name: value}).status_code
                if status >= 500:
                    failures.append((url, name, value[:20], status))
    assert failures == []


@pytest.mark.parametrize(
    "path",
    [
        "/studies/99999999999999999999999/",
        "/studies/9223372036854775808/any-slug/",
        "/studies/0/",
        "/conditions/%00/",
        "/conditions/%C2%B2/",
        "/mechanisms/" + "a" * 300 + "/",
        "/api/v1/studies/%C2%B2/",
        "/api/v1/conditions/%00/",
        "/%00/",
    ],
)
def test_odd_paths_are_not_found(client, path):
    client.raise_request_exception = False
    assert client.get(path).status_code == 404


def test_repeated_parameters_are_not_an_error(client, pages):
    client.raise_request_exception = False
    for url in pages:
        query = "q=a&q=b&page=1&page=2&ordering=name&ordering=-name"
        assert client.get(f"{url}?{query}").status_code < 500, url


@pytest.mark.parametrize(
    "url",
    [
        "/conditions/",
        "/studies/",
        "/api/v1/conditions/",
        "/api/v1/mechanisms/",
        "/api/v1/studies/",
        "/api/v1/findings/",
    ],
)
def test_empty_sort_keys_are_ignored(client, url):
    """`ordering=,` once reached the database as an empty field name (a 500)."""
    make_finding()
    make_study()
    plain = client.get(url)
    for value in (",", "", ",,"):
        response = client.get(url, {"ordering": value})
        assert response.status_code == 200, value
        if url.startswith("/api/"):
            assert response.json() == plain.json(), value
