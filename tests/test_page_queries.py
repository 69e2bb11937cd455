"""Every public page runs the same, known number of queries at 5 and at 50 rows."""

from __future__ import annotations

import pytest

from conditions.models import ConditionMechanism
from studies.models import StudyMechanism
from tests.factories import (
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_study,
    make_term,
)

pytestmark = pytest.mark.django_db

# (address, queries). The address may name the first condition, mechanism or
# study of the sample content.
PAGES = [
    ("/", 3),
    ("/conditions/", 4),
    ("/conditions/?ordering=-certainty&certainty=moderate", 4),
    ("/conditions/?ordering=-studies&category=pain_syndrome", 4),
    ("{condition}", 10),
    ("/mechanisms/", 2),
    ("{mechanism}", 3),
    # The studies list adds the numbers beside the choices: the published
    # conditions, then one query of counts over the findings (condition,
    # category, direction) and one over the studies (design, level, DOI) for each
    # set of other filters the counts share.
    ("/studies/", 7),
    ("/studies/?direction=benefit&ordering=-level&year_min=2000", 8),
    ("/studies/?design=rct", 8),
    ("/studies/?condition={condition_slug}", 9),
    ("{study}", 3),
    ("/evidence/", 2),
    ("/faq/", 2),
    ("/glossary/", 1),
    # The condition names and synonyms, then one query per type.
    ("/search/?q=pain", 6),
    ("/sitemap-conditions.xml", 2),
    ("/studies/feed/", 1),
]


def add_content(rows: int) -> dict[str, str]:
    """`rows` of each kind, linked: conditions with a study and finding each."""
    mechanism = make_mechanism(summary="Pain signalling.")
    first = {}
    for _ in range(rows):
        condition = make_condition(summary="Chronic pain.")
        study = make_study(title="Pain trial", key_finding="Pain fell.")
        make_finding(condition=condition, study=study)
        ConditionMechanism.objects.create(condition=condition, mechanism=mechanism)
        StudyMechanism.objects.create(study=study, mechanism=mechanism)
        make_faq(condition=condition, answer="About pain.")
        make_term(definition="A pain word.")
        first = first or {
            "condition": condition.get_absolute_url(),
            "condition_slug": condition.slug,
            "study": study.get_absolute_url(),
            "mechanism": mechanism.get_absolute_url(),
        }
    return first


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize(("address", "queries"), PAGES)
def test_page_queries(client, django_assert_num_queries, rows, address, queries):
    first = add_content(rows)
    url = address.format(**first)
    client.get(url)  # warm-up: content types and the like are cached after it
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200, url
    # Each page shows the sample content (a filter matching nothing would run
    # fewer queries and prove nothing).
    body = response.content.decode()
    assert "pain" in body.lower() or first["condition"] in body, url
