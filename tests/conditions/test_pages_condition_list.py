"""The condition list page: filters, sorting, result count, pagination, errors."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conditions.models import ConditionMechanism
from ldnsite.editorial.policy import Status
from tests.factories import (
    HIDDEN_STATES,
    make_condition,
    make_finding,
    make_mechanism,
    make_studies_of,
    make_study,
)
from tests.queries import queries_at_5_and_50

pytestmark = pytest.mark.django_db

URL = reverse("conditions:list")
CARD_NAME = re.compile(
    r'<li class="card condition-card">\s*<h3><a href="[^"]+">([^<]+)</a>'
)


def names(response) -> list[str]:
    """Condition names on the page, in the order shown."""
    return CARD_NAME.findall(response.content.decode())


def field_block(response, field: str) -> str:
    """The HTML of the form field wrapper holding `field`'s label and widget."""
    body = response.content.decode()
    match = re.search(
        r'<div class="field[^"]*">\s*<label for="id_' + field + r'">.*?</div>',
        body,
        re.DOTALL,
    )
    assert match, f"no field {field!r} in the form"
    return match.group(0)


def rated(name: str, certainty: str, **fields):
    """A condition whose main outcome (pain) has evidence of `certainty`."""
    condition = make_condition(name=name, main_outcome="pain", **fields)
    designs = {
        "high": [("rct", "benefit", 250), ("rct", "benefit", 260)],
        "moderate": [("rct", "benefit", 40)],
        "low": [("cohort", "benefit", 300), ("cohort", "benefit", 310)],
        "very_low": [("case_report", "benefit", 1)],
        "not_rated": [],
    }[certainty]
    for design, direction, participants in designs:
        make_finding(
            condition=condition,
            study=make_study(design=design),
            direction=direction,
            participants=participants,
        )
    assert (condition.headline.certainty if condition.headline else "not_rated") == (
        certainty
    )
    return condition


@pytest.fixture
def catalogue():
    """Five conditions whose name order differs from certainty and study-count order."""
    glial = make_mechanism(name="Glial modulation", slug="glial")
    conditions = {
        "Alpha": rated("Alpha", "very_low", category="autoimmune", aliases="first one"),
        "Bravo": rated("Bravo", "high", category="pain_syndrome"),
        "Charlie": rated("Charlie", "not_rated", category="inflammatory"),
        "Delta": rated("Delta", "low", category="neurological", summary="Nerve pain."),
        "Echo": rated("Echo", "moderate", category="autoimmune"),
    }
    ConditionMechanism.objects.create(condition=conditions["Echo"], mechanism=glial)
    ConditionMechanism.objects.create(condition=conditions["Alpha"], mechanism=glial)
    return conditions


def test_it_lists_published_conditions_with_category_headline_and_summary(
    client, catalogue
):
    response = client.get(URL)
    assert response.status_code == 200
    assert "conditions/condition_list.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert names(response) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    assert "5 conditions" in body
    # Direction and certainty in words, not colour alone; the headline sentence.
    assert 'Benefit · <span aria-hidden="true">●●●●</span> High certainty' in body
    assert "Randomised trials in 510 people found a benefit on pain (high " in body
    assert "No randomised trial or other primary study has reported on pain" in body
    assert "Grade" not in body
    assert "Nerve pain." in body
    assert "Autoimmune" in body and "Chronic pain syndrome" in body


def test_the_form_has_human_labels(client, catalogue):
    body = client.get(URL).content.decode()
    labels = ["Search", "Category", "Outcome", "Certainty", "Mechanism"]
    for label in [*labels, "Sort by"]:
        assert f">{label}</label>" in body
    assert "(slug)" not in body
    assert '<option value="glial">Glial modulation</option>' in body
    assert '<option value="-studies">Number of studies, most first</option>' in body


def test_one_result_is_singular(client, catalogue):
    response = client.get(URL, {"q": "Bravo"})
    assert names(response) == ["Bravo"]
    assert re.search(r">\s*1 condition\s*</h2>", response.content.decode())


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "delta"}, ["Delta"]),
        ({"q": "FIRST ONE"}, ["Alpha"]),  # an alias
        ({"q": "nerve"}, ["Delta"]),  # the summary
        ({"category": "autoimmune"}, ["Alpha", "Echo"]),
        ({"certainty": "high"}, ["Bravo"]),
        ({"certainty": "moderate"}, ["Echo"]),
        ({"certainty": "low"}, ["Delta"]),
        ({"certainty": "very_low"}, ["Alpha"]),
        ({"certainty": "not_rated"}, ["Charlie"]),
        ({"mechanism": "glial"}, ["Alpha", "Echo"]),
        ({"mechanism": "glial", "certainty": "moderate"}, ["Echo"]),
        ({"category": "autoimmune", "ordering": "-name"}, ["Echo", "Alpha"]),
    ],
)
def test_each_filter_narrows_the_list(client, catalogue, params, expected):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert names(response) == expected
    count = len(expected)
    assert re.search(
        rf"\b{count} condition{'s' if count > 1 else ''}\s*</h2>",
        response.content.decode(),
    )


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("", ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
        ("name", ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
        ("-name", ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]),
        ("-certainty", ["Bravo", "Echo", "Delta", "Alpha", "Charlie"]),
        ("certainty", ["Charlie", "Alpha", "Delta", "Echo", "Bravo"]),
        # Ties fall back to the name.
        ("studies", ["Charlie", "Alpha", "Echo", "Bravo", "Delta"]),
        ("-studies", ["Bravo", "Delta", "Alpha", "Echo", "Charlie"]),
        ("category", ["Alpha", "Echo", "Charlie", "Delta", "Bravo"]),
        ("-category", ["Bravo", "Delta", "Charlie", "Alpha", "Echo"]),
    ],
)
def test_each_sort_in_each_direction(client, catalogue, ordering, expected):
    response = client.get(URL, {"ordering": ordering} if ordering else {})
    assert response.status_code == 200
    assert names(response) == expected


def test_the_study_count_counts_published_studies_once(client):
    many = make_condition(name="Many")
    few = make_condition(name="Few")
    study = make_study()
    make_finding(condition=few, study=study, outcome="pain")
    make_finding(condition=few, study=study, outcome="fatigue")  # same study
    for _ in range(2):
        make_finding(condition=many, study=make_study())
    for state in HIDDEN_STATES.values():
        make_finding(condition=few, study=make_study(**state))
    response = client.get(URL, {"ordering": "-studies"})
    assert names(response) == ["Many", "Few"]
    body = response.content.decode()
    assert "Randomised trials found a benefit" in body
    assert "A randomised trial found a benefit" in body


def test_the_certainty_sort_ignores_findings_of_unpublished_studies(client):
    strong = rated("Strong one", "high")
    draft_backed = make_condition(name="Draft backed")
    for _ in range(3):
        make_finding(
            condition=draft_backed,
            study=make_study(status=Status.DRAFT, published_at=None),
        )
    response = client.get(URL, {"ordering": "-certainty"})
    assert names(response) == [strong.name, "Draft backed"]
    assert names(client.get(URL, {"certainty": "high"})) == [strong.name]
    assert names(client.get(URL, {"certainty": "not_rated"})) == ["Draft backed"]


def test_no_match_says_so_and_links_to_clear(client, catalogue):
    response = client.get(URL, {"q": "nothing like this"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "No condition matches these filters" in body
    assert f'<a href="{URL}">Clear the filters</a>' in body
    assert names(response) == []


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("q", "a\x00b", "Null characters are not allowed."),
        ("q", "x" * 300, "Ensure this value has at most 200 characters"),
        ("category", "astrology", "Select a valid choice."),
        ("certainty", "Z", "Select a valid choice."),
        ("mechanism", "no-such-mechanism", "Select a valid choice."),
        ("mechanism", "a\x00b", "Null characters are not allowed."),
        ("ordering", "slug", "Select a valid choice."),
        ("ordering", "certainty\x00", "Select a valid choice."),
    ],
)
def test_an_invalid_value_is_a_400_with_the_error_beside_its_field(
    client, catalogue, param, value, message
):
    response = client.get(URL, {param: value})
    assert response.status_code == 400
    assert "conditions/condition_list.html" in [t.name for t in response.templates]
    block = field_block(response, param)
    assert "field-invalid" in block
    assert 'class="field-error"' in block
    assert message in block.replace("&quot;", '"')
    assert 'aria-invalid="true"' in block
    # Only that field is marked, and no list is shown under a broken filter.
    body = response.content.decode()
    assert body.count("field-invalid") == 1
    assert "Fix the filter marked above" in body
    assert names(response) == []


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_a_hidden_mechanism_is_neither_a_choice_nor_a_valid_filter(
    client, catalogue, state
):
    make_mechanism(name="Secret mechanism", slug="secret", **HIDDEN_STATES[state])
    body = client.get(URL).content.decode()
    assert "Secret mechanism" not in body and 'value="secret"' not in body
    response = client.get(URL, {"mechanism": "secret"})
    assert response.status_code == 400
    assert "field-error" in field_block(response, "mechanism")


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-certainty", ["Bravo", "Echo", "Delta", "Alpha", "Charlie"]),
        ("-studies", ["Bravo", "Delta", "Alpha", "Echo", "Charlie"]),
    ],
)
def test_the_api_offers_the_same_sorts(api, catalogue, ordering, expected):
    response = api.get("/api/v1/conditions/", {"ordering": ordering})
    assert response.status_code == 200
    slugs = [item["slug"] for item in response.json()["results"]]
    assert slugs == [catalogue[name].slug for name in expected]


def test_items_published_after_startup_are_valid_filter_choices(client, api):
    """The choices are read per request, not frozen when the module loads."""
    just_now = {"published_at": timezone.now()}  # after the filters were imported
    condition = make_condition(name="Late", slug="late-condition", **just_now)
    late = make_mechanism(slug="late", **just_now)
    ConditionMechanism.objects.create(condition=condition, mechanism=late)
    assert names(client.get(URL, {"mechanism": "late"})) == ["Late"]
    for url in ("/api/v1/mechanisms/", "/api/v1/faq/"):
        assert api.get(url, {"condition": "late-condition"}).status_code == 200


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_unpublished_conditions_never_appear(client, state):
    make_condition(name="Public condition")
    make_condition(name="Hidden condition", **HIDDEN_STATES[state])
    for params in [
        {},
        {"q": "condition"},
        {"certainty": "not_rated"},
        {"ordering": "-studies"},
    ]:
        response = client.get(URL, params)
        assert names(response) == ["Public condition"]
        assert "Hidden condition" not in response.content.decode()


def test_pagination_20_a_page_keeps_the_filters_and_404s_past_the_end(client):
    for n in range(25):
        make_condition(name=f"Condition {n:02d}", category="autoimmune")
    first = client.get(URL, {"category": "autoimmune", "ordering": "name"})
    assert len(names(first)) == 20
    body = first.content.decode()
    assert "25 conditions" in body
    assert "Page 1 of 2" in body
    assert 'href="?category=autoimmune&amp;ordering=name&amp;page=2"' in body
    second = client.get(URL, {"category": "autoimmune", "ordering": "name", "page": 2})
    assert second.status_code == 200
    assert names(second) == [f"Condition {n:02d}" for n in range(20, 25)]
    assert 'rel="prev"' in second.content.decode()
    for page in ["3", "999", "99999999999999999999999", "0", "abc", "\x00"]:
        assert client.get(URL, {"page": page}).status_code == 404


def test_unknown_parameters_are_ignored(client, catalogue):
    response = client.get(URL, {"colour": "blue", "certainty": ""})
    assert response.status_code == 200
    assert len(names(response)) == 5


def _add_conditions(n: int) -> None:
    mechanism = make_mechanism()
    for _ in range(n):
        condition = make_condition(category="autoimmune")
        make_finding(condition=condition, study=make_study(design="rct"))
        make_finding(condition=condition, study=make_study(design="cohort"))
        ConditionMechanism.objects.create(condition=condition, mechanism=mechanism)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # COUNT for the paginator; the page of conditions; their stored
        # summaries; the mechanism choices of the form.
        ("", 4),
        # Certainty filters and sorts are subqueries on the stored rows.
        ("?ordering=certainty", 4),
        ("?ordering=-certainty", 4),
        ("?certainty=not_rated", 4),
        ("?certainty=not_rated&ordering=-certainty", 4),
        # The study count is an annotation on the same two queries.
        ("?ordering=-studies", 4),
        # The search reads the condition names and synonyms first.
        ("?category=autoimmune&q=condition&ordering=name", 5),
    ],
)
def test_the_list_runs_a_fixed_number_of_queries(client, query, expected):
    small, large = queries_at_5_and_50(client, URL + query, _add_conditions)
    assert small == large == expected


def test_the_mechanism_filter_adds_one_lookup(client):
    mechanism = make_mechanism(slug="m")

    def add(n):
        for _ in range(n):
            condition = make_condition()
            make_finding(condition=condition)
            ConditionMechanism.objects.create(condition=condition, mechanism=mechanism)

    small, large = queries_at_5_and_50(client, f"{URL}?mechanism=m", add)
    # The four above, plus the lookup of the chosen mechanism.
    assert small == large == 5


def test_an_invalid_filter_page_fetches_no_list(client, catalogue):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, {"certainty": "Z"}).status_code == 400
    # The mechanism choices only: no count, no rows under a broken filter.
    assert len(ctx.captured_queries) == 1


def test_the_outcome_filter_rates_conditions_on_that_outcome(client):
    """With an outcome chosen, certainty filter, sort and card read that outcome."""
    make_studies_of(rated("Fatigue strong", "very_low"), (250, 260), outcome="fatigue")
    make_studies_of(
        rated("Fatigue weak", "high"), (1,), outcome="fatigue", design="case_report"
    )
    rated("Pain only", "high")

    # Without an outcome: each condition's main outcome (pain).
    assert names(client.get(URL, {"certainty": "high"})) == [
        "Fatigue weak",
        "Pain only",
    ]
    # With one: only conditions with evidence on it, rated on it.
    response = client.get(URL, {"outcome": "fatigue"})
    assert names(response) == ["Fatigue strong", "Fatigue weak"]
    assert "Fatigue:" in response.content.decode()
    assert names(client.get(URL, {"outcome": "fatigue", "certainty": "high"})) == [
        "Fatigue strong"
    ]
    assert names(client.get(URL, {"outcome": "fatigue", "ordering": "certainty"})) == [
        "Fatigue weak",
        "Fatigue strong",
    ]


def test_the_api_filters_certainty_per_outcome(client):
    make_studies_of(rated("Fatigue strong", "very_low"), (250, 260), outcome="fatigue")
    rated("Pain only", "high")
    api = "/api/v1/conditions/"
    got = client.get(api, {"outcome": "fatigue", "certainty": "high"}).json()
    assert [row["name"] for row in got["results"]] == ["Fatigue strong"]
    got = client.get(api, {"certainty": "high"}).json()
    assert [row["name"] for row in got["results"]] == ["Pain only"]
    bad = client.get(api, {"outcome": "happiness"})
    assert bad.status_code == 400
    assert "outcome" in bad.json()
