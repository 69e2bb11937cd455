"""Every page and endpoint that shows evidence runs a fixed number of queries,
at 5 and 50 conditions and at 50 and 5,000 findings (rows bulk-created)."""

from __future__ import annotations

import pytest

from conditions.models import Condition, Outcome
from studies.evidence import Design, Direction
from studies.models import EvidenceSummary, Finding, Study
from tests.factories import published
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

DESIGNS = [Design.RCT, Design.OPEN_LABEL, Design.COHORT, Design.CASE_REPORT]
DIRECTIONS = [Direction.BENEFIT, Direction.NO_EFFECT, Direction.MIXED]


def build(conditions: int, findings: int) -> Condition:
    """`conditions` published conditions and `findings` public findings among them."""
    made = Condition.objects.bulk_create(
        Condition(
            name=f"Condition {n:03d}",
            slug=f"condition-{n}",
            category="pain_syndrome",
            main_outcome=Outcome.PAIN,
            summary="A condition.",
            **published(),
        )
        for n in range(conditions)
    )
    per_condition = findings // conditions
    studies = Study.objects.bulk_create(
        Study(
            title=f"Study {n}",
            slug=f"study-{n}",
            design=DESIGNS[n % len(DESIGNS)],
            sample_size=10 + n % 300,
            year=2000 + n % 25,
            **published(),
        )
        for n in range(per_condition)
    )
    Finding.objects.bulk_create(
        Finding(
            study=study,
            condition=condition,
            outcome=Outcome.PAIN,
            direction=DIRECTIONS[i % len(DIRECTIONS)],
            effect="A result.",
            dose_max_mg="4.5",
        )
        for condition in made
        for i, study in enumerate(studies)
    )
    assert Finding.objects.count() == per_condition * conditions
    assert EvidenceSummary.objects.count() == conditions
    return made[0]


# (address, queries); {slug} is the first condition.
ADDRESSES = [
    # conditions; their summaries; the latest studies
    ("/", 3),
    # count; page; summaries; mechanism choices
    ("/conditions/", 4),
    ("/conditions/?ordering=-certainty&certainty={certainty}", 4),
    # condition; summaries; mechanisms; FAQ; doses; reviews; replication
    # counts and marks; findings count and page
    ("/conditions/{slug}/", 10),
    ("/conditions/{slug}/?findings=2", 10),
    # conditions; summaries
    ("/evidence/", 2),
    # count; page; summaries
    ("/api/v1/conditions/", 3),
    ("/api/v1/conditions/?ordering=certainty", 3),
    # condition; summaries; mechanisms; the findings count (the findings are
    # paged apart)
    ("/api/v1/conditions/{slug}/", 4),
    # the condition filter's lookup; count; page with studies and conditions
    ("/api/v1/findings/?condition={slug}&page_size=50", 3),
]


def check(client, conditions, findings):
    first = build(conditions, findings)
    for address, expected in ADDRESSES:
        url = address.format(slug=first.slug, certainty=first.headline.certainty)
        client.get(url)  # warm-up
        assert count_queries(client, url) == expected, url


def test_queries_at_5_conditions_and_50_findings(client):
    check(client, 5, 50)


def test_queries_at_50_conditions_and_50_findings(client):
    check(client, 50, 50)


@pytest.mark.slow
def test_queries_at_50_conditions_and_5000_findings(client):
    check(client, 50, 5000)
    # The condition page stays small: one page of findings, a bounded plot.
    body = client.get("/conditions/condition-0/").content.decode()
    assert body.count('class="finding"') <= 30
    assert len(body) < 400_000
