"""The home page: what LDN is, dosing, side effects, who should not take it,
the conditions with their headlines, the evidence map and the latest studies."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import HIDDEN_STATES, make_condition, make_finding, make_study
from tests.queries import queries_at_5_and_50

pytestmark = pytest.mark.django_db

HOME = reverse("conditions:home")


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_home_explains_ldn_dose_side_effects_and_who_should_not_take_it(client):
    response = client.get(HOME)
    assert response.status_code == 200
    assert "conditions/home.html" in [t.name for t in response.templates]
    text = text_of(response)
    for expected in [
        "50 mg a day",  # naltrexone's usual dose, for comparison
        "0.5 to 4.5 mg a day",
        "increased gradually",
        "vivid dreams",
        "trouble sleeping",
        "anyone taking opioid medicines",
        "talk to a clinician",
        "Not medical advice.",
        "our sources page",
    ]:
        assert expected in text, expected
    # Facts no source gives are not stated.
    for absent in [
        "alcohol",
        "headache",
        "nausea",
        "morphine",
        "codeine",
        "withdrawal",
    ]:
        assert absent not in text.lower(), absent


def test_home_lists_conditions_with_their_headline_in_words(client):
    condition = make_condition(name="Fibromyalgia")
    make_finding(
        condition=condition, study=make_study(design="cohort"), participants=12
    )
    make_condition(name="Empty condition")
    text = text_of(client.get(HOME))
    assert "Fibromyalgia" in text
    assert (
        "A non-randomised or observational study in 12 people found a benefit on "
        "pain (very low certainty: no randomised trial, a single study)." in text
    )
    assert "Very low certainty" in text
    assert "No randomised trial or other primary study has reported on pain" in text
    assert "Evidence grade" not in text


def test_home_shows_the_evidence_map(client):
    condition = make_condition(name="Fibromyalgia")
    make_finding(condition=condition, direction="benefit", participants=300)
    make_finding(condition=condition, direction="no_effect", participants=300)
    body = client.get(HOME).content.decode()
    assert 'class="evidence-map-table"' in body
    assert f'<th scope="row"><a href="{condition.get_absolute_url()}">' in body
    assert "Inconsistent, moderate certainty (2 studies)" in body
    assert f'<a href="{condition.get_absolute_url()}#outcome-pain">' in body


def test_home_lists_the_five_most_recently_published_studies(client):
    now = timezone.now()
    for n in range(7):
        make_study(
            title=f"Study published {n} days ago",
            published_at=now - datetime.timedelta(days=n + 1),
        )
    response = client.get(HOME)
    latest = [study.title for study in response.context["latest_studies"]]
    assert latest == [f"Study published {n} days ago" for n in range(5)]
    body = response.content.decode()
    assert "Study published 5 days ago" not in body


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_home_never_shows_hidden_conditions_studies_or_their_findings(client, state):
    public = make_condition(name="Public condition")
    hidden_condition = make_condition(name="Hidden condition", **HIDDEN_STATES[state])
    hidden_study = make_study(title="Hidden study", **HIDDEN_STATES[state])
    make_finding(condition=public, study=hidden_study, outcome="sleep")
    make_finding(condition=hidden_condition, outcome="mood")
    response = client.get(HOME)
    body = response.content.decode()
    assert "Public condition" in body
    assert "Hidden condition" not in body
    assert "Hidden study" not in body
    evidence = response.context["evidence_map"]
    assert [cell.summary for row in evidence.rows for cell in row.cells] == []
    assert evidence.outcomes == []


def test_home_runs_a_fixed_number_of_queries(client):
    def add(n):
        for _ in range(n):
            condition = make_condition()
            make_finding(condition=condition)
            make_finding(condition=condition, outcome="fatigue", direction="no_effect")

    small, large = queries_at_5_and_50(client, HOME, add)
    print(f"home page: {small} queries at 5 conditions, {large} at 50")
    # the conditions; their stored summaries (headlines and the map); the
    # latest studies
    assert small == large == 3
