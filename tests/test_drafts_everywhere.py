"""Hidden content (draft, in review, archived, scheduled) on every public surface.

One hidden item of each kind, each tied to public items so that it would show
up through them if any surface let it: a hidden study with a finding on a
public condition, a hidden condition with a finding from a public study, a
hidden mechanism linked to both, a hidden FAQ entry on the public condition.
"""

from __future__ import annotations

import pytest

from conditions.models import ConditionMechanism
from studies.models import StudyMechanism
from tests.factories import (
    HIDDEN_STATES,
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_study,
    make_term,
)

pytestmark = pytest.mark.django_db

MARK = "zyxhidden"


@pytest.fixture(params=sorted(HIDDEN_STATES))
def world(request):
    hidden = HIDDEN_STATES[request.param]
    condition = make_condition(name="Visible condition", summary="Pain and sleep.")
    study = make_study(title="Visible study", key_finding="Pain fell.")
    mechanism = make_mechanism(name="Visible mechanism")
    make_finding(study=study, condition=condition)

    items = {
        "condition": make_condition(
            name=f"{MARK} condition", slug=f"{MARK}-condition", **hidden
        ),
        "study": make_study(title=f"{MARK} study", slug=f"{MARK}-study", **hidden),
        "mechanism": make_mechanism(
            name=f"{MARK} mechanism", slug=f"{MARK}-mechanism", **hidden
        ),
        "faq": make_faq(
            question=f"{MARK} question?",
            slug=f"{MARK}-question",
            condition=condition,
            **hidden,
        ),
        "term": make_term(term=f"{MARK} term", slug=f"{MARK}-term", **hidden),
    }
    make_finding(study=items["study"], condition=condition, effect=f"{MARK} effect")
    make_finding(
        study=study,
        condition=items["condition"],
        outcome="fatigue",
        effect=f"{MARK} finding",
    )
    ConditionMechanism.objects.create(condition=condition, mechanism=items["mechanism"])
    StudyMechanism.objects.create(study=study, mechanism=items["mechanism"])
    public = {"condition": condition, "study": study, "mechanism": mechanism}
    return {"public": public, "hidden": items}


def surfaces(world) -> list[str]:
    public = world["public"]
    return [
        "/",
        "/conditions/",
        "/conditions/?ordering=-studies",
        public["condition"].get_absolute_url(),
        "/mechanisms/",
        public["mechanism"].get_absolute_url(),
        "/studies/",
        "/studies/?ordering=-level",
        public["study"].get_absolute_url(),
        "/evidence/",
        "/faq/",
        "/glossary/",
        f"/search/?q={MARK}",
        "/search/?q=visible",
        "/sitemap.xml",
        "/sitemap-conditions.xml",
        "/sitemap-mechanisms.xml",
        "/sitemap-studies.xml",
        "/studies/feed/",
        "/api/v1/conditions/",
        public["condition"]
        .get_absolute_url()
        .replace("/conditions/", "/api/v1/conditions/"),
        "/api/v1/mechanisms/",
        "/api/v1/studies/",
        f"/api/v1/studies/{public['study'].pk}/",
        "/api/v1/findings/",
        "/api/v1/faq/",
        "/api/v1/glossary/",
        "/api/v1/studies/?format=ris",
        "/api/v1/studies/?format=csljson",
        "/api/v1/studies/export/?format=bibtex",
        "/api/v1/studies/export/?format=csv",
    ]


# Every hidden item's name, slug or text; the bare mark alone may be echoed back
# (the search page repeats its query).
HIDDEN_TEXTS = (
    [
        f"{MARK} {word}"
        for word in ("condition", "study", "mechanism", "question", "term", "effect")
    ]
    + [f"{MARK}-{word}" for word in ("condition", "study", "mechanism", "term")]
    + [f"{MARK} finding"]
)


def test_hidden_items_appear_on_no_surface(client, world):
    for url in surfaces(world):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode().lower()
        assert [text for text in HIDDEN_TEXTS if text in body] == [], url


def test_hidden_items_pages_are_not_found(client, world):
    hidden = world["hidden"]
    for kind in ("condition", "study", "mechanism"):
        assert client.get(hidden[kind].get_absolute_url()).status_code == 404, kind
    assert client.get(f"/studies/{hidden['study'].pk}/").status_code == 404
    export = f"/api/v1/studies/{hidden['study'].pk}/export/?format=ris"
    assert client.get(export).status_code == 404


def test_hidden_items_are_not_filter_choices(client, world):
    """A hidden condition or mechanism is refused as a filter value, not listed."""
    for url in (
        f"/conditions/?mechanism={MARK}-mechanism",
        f"/studies/?condition={MARK}-condition",
        f"/api/v1/studies/?condition={MARK}-condition",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "Select a valid choice" in response.content.decode(), url
