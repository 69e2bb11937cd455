"""Behaviour every API endpoint shares: visibility, paging, queries, caching, input."""

from __future__ import annotations

import pytest

from tests.factories import (
    HIDDEN_STATES,
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_staff,
    make_study,
    make_term,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def _finding(**state):
    return make_finding(study=make_study(**state))


# endpoint → (build one item in an editorial state, its detail key)
ENDPOINTS = {
    "conditions": (make_condition, lambda o: o.slug),
    "mechanisms": (make_mechanism, lambda o: o.slug),
    "studies": (make_study, lambda o: o.pk),
    "findings": (_finding, lambda o: o.pk),
    "faq": (make_faq, lambda o: o.slug),
    "glossary": (make_term, lambda o: o.slug),
}


def list_url(endpoint: str) -> str:
    return f"/api/v1/{endpoint}/"


def detail_url(endpoint: str, obj) -> str:
    return f"/api/v1/{endpoint}/{ENDPOINTS[endpoint][1](obj)}/"


def keys(response) -> set:
    return {item["url"] for item in response.json()["results"]}


@pytest.mark.parametrize("state", HIDDEN_STATES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_it_never_returns_unpublished_items_to_the_public(api, endpoint, state):
    make, _ = ENDPOINTS[endpoint]
    public = make()
    hidden = make(**HIDDEN_STATES[state])

    listed = api.get(list_url(endpoint))
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert api.get(detail_url(endpoint, public)).status_code == 200
    assert api.get(detail_url(endpoint, hidden)).status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_it_hides_unpublished_items_from_users_without_change_permission(
    api_as, endpoint
):
    hidden = ENDPOINTS[endpoint][0](**HIDDEN_STATES["draft"])
    client = api_as(make_staff("viewer"))
    assert client.get(list_url(endpoint)).json()["count"] == 0
    assert client.get(detail_url(endpoint, hidden)).status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_staff_with_change_permission_see_drafts(api_as, editor, endpoint):
    hidden = ENDPOINTS[endpoint][0](**HIDDEN_STATES["draft"])
    client = api_as(editor)
    assert client.get(list_url(endpoint)).json()["count"] == 1
    assert client.get(detail_url(endpoint, hidden)).status_code == 200


def test_a_finding_of_a_hidden_condition_is_hidden(api):
    finding = make_finding(condition=make_condition(**HIDDEN_STATES["archived"]))
    assert api.get("/api/v1/findings/").json()["count"] == 0
    assert api.get(detail_url("findings", finding)).status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_object_has_its_api_url_and_public_page(api, endpoint):
    obj = ENDPOINTS[endpoint][0]()
    item = api.get(list_url(endpoint)).json()["results"][0]
    assert item["url"] == f"http://testserver{detail_url(endpoint, obj)}"
    assert item["html_url"].startswith("http://testserver/")
    assert api.get(item["url"]).json()["url"] == item["url"]


# --- Queries -----------------------------------------------------------------


def _fill(endpoint: str, rows: int) -> None:
    make = ENDPOINTS[endpoint][0]
    if endpoint in ("findings", "conditions", "studies"):
        # Related rows too, so that any lazy load would show as extra queries.
        for _ in range(rows):
            finding = make_finding()
            finding.study.mechanisms.add(make_mechanism())
            finding.condition.mechanisms.add(make_mechanism())
    elif endpoint == "faq":
        for _ in range(rows):
            make(condition=make_condition())
    else:
        for _ in range(rows):
            make()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_list_runs_the_same_number_of_queries_at_5_and_50_rows(api, endpoint):
    # Per list: COUNT(*), the page of rows, plus one prefetch per relation
    # (conditions: their stored summaries; FAQ: public conditions).
    url = f"{list_url(endpoint)}?page_size=100"
    _fill(endpoint, 5)
    at_5 = count_queries(api, url)
    _fill(endpoint, 45)
    at_50 = count_queries(api, url)
    assert at_5 == at_50
    assert at_5 <= 3


def test_study_exports_run_the_same_number_of_queries_at_5_and_50_rows(api):
    url = "/api/v1/studies/?format=csv"
    _fill("studies", 5)
    at_5 = count_queries(api, url)
    _fill("studies", 45)
    assert count_queries(api, url) == at_5 == 1


# --- Pagination ----------------------------------------------------------------


@pytest.mark.parametrize("ordering", ["year", "-year", "title", "level", "-level"])
def test_pages_never_skip_or_repeat_rows_sharing_a_sort_key(api, ordering):
    ids = {make_study(title="Same", year=2020).pk for _ in range(23)}
    seen = []
    url = f"/api/v1/studies/?ordering={ordering}&page_size=5"
    while url:
        page = api.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == ids


def test_page_size_is_capped_at_100(api):
    for _ in range(105):
        make_term()
    page = api.get("/api/v1/glossary/?page_size=1000").json()
    assert len(page["results"]) == 100
    assert page["next"]


def test_a_page_beyond_the_last_is_a_404(api):
    make_term()
    assert api.get("/api/v1/glossary/?page=99").status_code == 404
    assert api.get("/api/v1/glossary/?page=99999999999999999999999").status_code == 404


# --- Hostile input -------------------------------------------------------------

FILTER_PARAMS = {
    "conditions": ["q", "category", "mechanism", "certainty", "ordering"],
    "mechanisms": ["q", "support_level", "condition", "ordering"],
    "studies": [
        "q",
        "condition",
        "category",
        "design",
        "level",
        "direction",
        "year_min",
        "year_max",
        "has_doi",
        "ordering",
    ],
    "findings": ["condition", "study", "outcome", "direction", "level", "ordering"],
    "faq": ["q", "condition"],
    "glossary": ["q"],
}


@pytest.mark.parametrize(
    ("endpoint", "param"),
    [(e, p) for e, params in FILTER_PARAMS.items() for p in params],
)
def test_a_nul_character_in_any_filter_is_a_400_naming_it(api, endpoint, param):
    response = api.get(list_url(endpoint), {param: "a\x00b"})
    assert response.status_code == 400
    assert param in response.json()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_nul_and_huge_numbers_in_paths_and_paging_are_not_errors(api, endpoint):
    huge = "9" * 40
    assert api.get(f"{list_url(endpoint)}{huge}/").status_code == 404
    assert api.get(f"{list_url(endpoint)}a%00b/").status_code == 404
    assert api.get(list_url(endpoint), {"page": "1\x00"}).status_code == 404
    assert api.get(list_url(endpoint), {"page_size": huge}).status_code == 200
    assert api.get(list_url(endpoint), {"unknown": "x\x00"}).status_code == 200


@pytest.mark.parametrize("param", ["year_min", "year_max"])
def test_year_filters_refuse_numbers_out_of_range(api, param):
    for value in ["9" * 40, "-5", "1900", "2.5"]:
        response = api.get("/api/v1/studies/", {param: value})
        assert response.status_code == 400
        assert param in response.json()


def test_finding_study_filter_refuses_huge_ids(api):
    response = api.get("/api/v1/findings/", {"study": "9" * 40})
    assert response.status_code == 400
    assert "study" in response.json()


def test_over_long_search_text_is_a_400(api):
    response = api.get("/api/v1/studies/", {"q": "x" * 201})
    assert response.status_code == 400
    assert "q" in response.json()


def test_malformed_json_is_a_400(api_as, reviewer):
    response = api_as(reviewer).post(
        "/api/v1/glossary/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_a_body_that_is_not_json_is_a_415(api_as, reviewer):
    response = api_as(reviewer).post(
        "/api/v1/glossary/", data="term=x", content_type="text/plain"
    )
    assert response.status_code == 415


def test_nul_huge_numbers_long_strings_and_unknown_fields_in_a_body(api_as, reviewer):
    client = api_as(reviewer)
    body = {
        "title": "A\x00B",
        "slug": "x" * 300,
        "year": 10**40,
        "pmid": -(10**40),
        "design": "rct",
        "unknown": "ignored",
    }
    response = client.post("/api/v1/studies/", body, format="json")
    assert response.status_code == 400
    assert {"title", "slug", "year", "pmid"} <= set(response.json())
    finding = client.post(
        "/api/v1/findings/",
        {"study_id": 10**40, "condition_slug": "\x00", "outcome": "pain"},
        format="json",
    )
    assert finding.status_code == 400


# --- Throttling and caching ---------------------------------------------------


def test_anonymous_requests_are_throttled_with_retry_after(
    api, settings, throttle_clock
):
    settings.API_ANON_RATE = "3/minute"
    for _ in range(3):
        assert api.get("/api/v1/glossary/").status_code == 200
    response = api.get("/api/v1/glossary/")
    assert response.status_code == 429
    # 30 s into the minute: the next window opens in 30 s.
    assert int(response["Retry-After"]) == 30
    throttle_clock.now += 29
    assert api.get("/api/v1/glossary/").status_code == 429
    throttle_clock.now += 1
    assert api.get("/api/v1/glossary/").status_code == 200


def test_a_spoofed_forwarded_for_header_gets_no_new_allowance(api, settings):
    settings.API_ANON_RATE = "3/minute"
    statuses = [
        api.get("/api/v1/glossary/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(10)
    ]
    assert statuses == [200] * 3 + [429] * 7


def test_behind_a_trusted_proxy_the_client_address_is_the_proxys_last_entry(
    api, settings
):
    settings.API_ANON_RATE = "2/minute"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def get(forwarded):
        return api.get("/api/v1/glossary/", HTTP_X_FORWARDED_FOR=forwarded)

    # The proxy appends the real client; anything before it is the client's own.
    assert [get(f"{n}.0.0.1, 198.51.100.7").status_code for n in range(3)] == [
        200,
        200,
        429,
    ]
    assert get("198.51.100.8").status_code == 200


def test_staff_with_a_token_are_not_throttled(api_as, editor, settings):
    settings.API_ANON_RATE = "2/minute"
    client = api_as(editor)
    assert all(client.get("/api/v1/glossary/").status_code == 200 for _ in range(5))


def test_detail_answers_a_conditional_get_with_304(api):
    url = detail_url("conditions", make_condition())
    first = api.get(url)
    assert first["ETag"]
    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_a_changed_related_row_changes_the_etag(api):
    finding = make_finding()
    url = detail_url("conditions", finding.condition)
    first = api.get(url)["ETag"]
    finding.effect = "Pain fell by half."
    finding.save()
    assert api.get(url, HTTP_IF_NONE_MATCH=first).status_code == 200


def test_anonymous_reads_are_publicly_cacheable(api):
    response = api.get(detail_url("glossary", make_term()))
    assert "public" in response["Cache-Control"]
    assert "max-age=60" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]


def test_authenticated_reads_are_private(api_as, editor):
    response = api_as(editor).get(detail_url("glossary", make_term()))
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
