"""The evidence map: direction and certainty per cell, words, visibility, queries."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from conditions.models import Condition
from studies.evidence_map import (
    SYMBOLS,
    build_map,
    evidence_map,
    evidence_map_from_conditions,
)
from tests.factories import HIDDEN_STATES, make_condition, make_finding, make_study

pytestmark = pytest.mark.django_db


@pytest.fixture
def known():
    """Two public conditions with a known set of findings, and hidden ones around."""
    pain = make_condition(name="Alpha pain")
    ms = make_condition(name="Beta sclerosis")
    empty = make_condition(name="Gamma nothing")
    make_finding(condition=pain, outcome="pain", direction="benefit", participants=20)
    make_finding(
        condition=pain, outcome="pain", direction="no_effect", participants=200
    )
    make_finding(condition=pain, outcome="pain", direction="benefit", participants=30)
    make_finding(condition=pain, outcome="fatigue", direction="harm", participants=9)
    make_finding(condition=ms, outcome="pain", direction="mixed", participants=50)
    # Hidden: findings of unpublished studies, and of unpublished conditions.
    for state, fields in HIDDEN_STATES.items():
        make_finding(
            condition=pain,
            study=make_study(title=f"Hidden {state}", **fields),
            outcome="sleep",
            direction="harm",
        )
        make_finding(
            condition=make_condition(name=f"Hidden condition {state}", **fields),
            outcome="mood",
        )
    return {"pain": pain, "ms": ms, "empty": empty}


def cells(evidence):
    return {
        (row.condition.name, cell.outcome): cell
        for row in evidence.rows
        for cell in row.cells
    }


def test_each_cell_is_a_stored_body_of_evidence(known):
    evidence = evidence_map()
    by_key = cells(evidence)
    pain = by_key[("Alpha pain", "pain")]
    # 200 of 250 participants in trials found no effect: the large trial decides.
    assert (pain.summary.direction, pain.summary.certainty) == (
        "no_clear_benefit",
        "very_low",
    )
    assert pain.symbol == "○" and pain.certainty_symbol == "●○○○"
    assert pain.words == "No clear benefit, very low certainty (3 studies)"
    assert pain.url == f"{known['pain'].get_absolute_url()}#outcome-pain"
    fatigue = by_key[("Alpha pain", "fatigue")]
    assert fatigue.words == "Harm, moderate certainty (1 study)"
    assert by_key[("Beta sclerosis", "pain")].symbol == "±"
    assert by_key[("Beta sclerosis", "fatigue")].summary is None
    assert by_key[("Beta sclerosis", "fatigue")].words == "no studies"


def test_it_shows_every_public_condition_and_only_outcomes_with_findings(known):
    evidence = evidence_map()
    names = [row.condition.name for row in evidence.rows]
    assert names == ["Alpha pain", "Beta sclerosis", "Gamma nothing"]
    # Sleep and mood findings are all hidden, so their columns are too.
    assert [value for value, _ in evidence.outcomes] == ["pain", "fatigue"]
    assert [label for _, label in evidence.outcomes] == ["Pain", "Fatigue"]
    assert all(cell.summary is None for cell in evidence.rows[2].cells)
    every = evidence_map(hide_empty_outcomes=False)
    assert [value for value, _ in every.outcomes][:3] == [
        "pain",
        "fatigue",
        "physical_function",
    ]
    assert len(every.outcomes) == 9


def test_the_legend_names_every_direction_with_its_symbol():
    legend = build_map([], []).legend
    assert legend == [
        ("✓", "Benefit"),
        ("○", "No clear benefit"),
        ("✗", "Harm"),
        ("±", "Inconsistent"),
        ("—", "No primary study"),
    ]
    assert len(set(SYMBOLS.values())) == len(SYMBOLS)


def test_the_map_from_prefetched_conditions_matches_the_queried_map(
    known, django_assert_num_queries
):
    conditions = list(Condition.objects.published().with_evidence())
    with django_assert_num_queries(0):
        prefetched = evidence_map_from_conditions(conditions)
    queried = evidence_map()
    assert prefetched.outcomes == queried.outcomes
    assert {k: c.words for k, c in cells(prefetched).items()} == {
        k: c.words for k, c in cells(queried).items()
    }


@pytest.mark.parametrize("size", [5, 40])
def test_it_runs_two_queries_whatever_the_size(size, django_assert_num_queries):
    for _ in range(size):
        condition = make_condition()
        make_finding(condition=condition)
        make_finding(condition=condition, outcome="sleep", direction="no_effect")
    # the published conditions; their stored summaries
    with django_assert_num_queries(2):
        evidence = evidence_map()
    assert len(evidence.rows) == size
    assert sum(1 for row in evidence.rows for c in row.cells if c.summary) == 2 * size


def test_the_table_has_headers_a_caption_links_and_text_for_screen_readers(known):
    html = render_to_string(
        "studies/includes/evidence_map.html", {"evidence_map": evidence_map()}
    )
    assert "<caption" in html
    assert html.count('<th scope="col">') == 3  # condition, pain, fatigue
    assert html.count('<th scope="row">') == 3
    assert f'href="{known["pain"].get_absolute_url()}"' in html
    assert (
        '<span class="visually-hidden">: No clear benefit, very low certainty (3 '
        "studies)</span>" in html
    )
    assert '<span class="visually-hidden">no studies</span>' in html
    # The visible text of the cell, tags stripped: direction and certainty words.
    visible = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "○ No clear benefit ●○○○ Very low" in visible
    assert "Hidden" not in html
