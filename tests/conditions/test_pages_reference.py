"""Mechanism, FAQ and glossary pages: content, anchors, drafts, XSS, queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from conditions.models import ConditionMechanism
from studies.models import StudyMechanism
from tests.factories import (
    HIDDEN_STATES,
    make_condition,
    make_faq,
    make_mechanism,
    make_study,
    make_term,
)
from tests.pages import XSS, runnable
from tests.queries import queries_at_5_and_50

pytestmark = pytest.mark.django_db

MECHANISMS = reverse("conditions:mechanism-list")
FAQ = reverse("conditions:faq")
GLOSSARY = reverse("conditions:glossary")


def get(client, url, template):
    response = client.get(url)
    assert response.status_code == 200
    assert template in [t.name for t in response.templates]
    return response.content.decode()


# --- Mechanisms -------------------------------------------------------------


@pytest.fixture
def glial():
    mechanism = make_mechanism(
        name="Glial modulation",
        slug="glial",
        summary="Calms microglia.",
        body="Acts on **TLR4**.",
        support_level="animal",
        last_reviewed=datetime.date(2026, 3, 1),
    )
    fibro = make_condition(name="Fibromyalgia")
    ConditionMechanism.objects.create(condition=fibro, mechanism=mechanism)
    study = make_study(title="Mouse study", year=2019, design="preclinical")
    StudyMechanism.objects.create(study=study, mechanism=mechanism)
    return mechanism


def test_the_mechanism_list_shows_support_summary_conditions_and_study_count(
    client, glial
):
    body = get(client, MECHANISMS, "conditions/mechanism_list.html")
    assert f'href="{glial.get_absolute_url()}">Glial modulation</a>' in body
    assert "Supported by animal studies" in body
    assert "Calms microglia." in body
    assert ">Fibromyalgia</a>" in body
    assert "1 study" in body


def test_the_mechanism_page_shows_body_conditions_studies_and_review(client, glial):
    body = get(client, glial.get_absolute_url(), "conditions/mechanism_detail.html")
    assert "<h1>Glial modulation</h1>" in body
    assert "Level of support: Animal studies" in body
    assert "Acts on <strong>TLR4</strong>." in body
    assert ">Fibromyalgia</a>" in body
    assert ">Mouse study</a> (2019)" in body
    assert '<time datetime="2026-03-01">1 March 2026</time>' in body


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_mechanism_pages_hide_unpublished_items(client, glial, state):
    hidden = HIDDEN_STATES[state]
    make_mechanism(name="Secret mechanism", slug="secret", **hidden)
    condition = make_condition(name="Secret condition", **hidden)
    ConditionMechanism.objects.create(condition=condition, mechanism=glial)
    study = make_study(title="Secret study", **hidden)
    StudyMechanism.objects.create(study=study, mechanism=glial)
    for url in (MECHANISMS, glial.get_absolute_url()):
        body = client.get(url).content.decode()
        assert "Secret" not in body
    assert "1 study" in client.get(MECHANISMS).content.decode()
    assert (
        client.get(reverse("conditions:mechanism-detail", args=["secret"])).status_code
        == 404
    )


def test_mechanism_markdown_cannot_run_script(client):
    mechanism = make_mechanism(body=XSS)
    assert runnable(client.get(mechanism.get_absolute_url()).content.decode()) == []


def test_the_mechanism_list_runs_a_fixed_number_of_queries(client):
    def add(n):
        for _ in range(n):
            mechanism = make_mechanism()
            condition = make_condition()
            ConditionMechanism.objects.create(condition=condition, mechanism=mechanism)
            StudyMechanism.objects.create(study=make_study(), mechanism=mechanism)

    small, large = queries_at_5_and_50(client, MECHANISMS, add)
    # The mechanisms with their study count; their published conditions.
    assert small == large == 2


def test_the_mechanism_page_runs_a_fixed_number_of_queries(client):
    mechanism = make_mechanism()

    def add(n):
        for _ in range(n):
            ConditionMechanism.objects.create(
                condition=make_condition(), mechanism=mechanism
            )
            StudyMechanism.objects.create(study=make_study(), mechanism=mechanism)

    small, large = queries_at_5_and_50(client, mechanism.get_absolute_url(), add)
    # The mechanism with its reviewer; its conditions; its studies.
    assert small == large == 3


# --- FAQ ----------------------------------------------------------------------


def test_the_faq_groups_general_then_per_condition_with_anchors(client):
    zeta = make_condition(name="Zeta syndrome", slug="zeta")
    alpha = make_condition(name="Alpha disease", slug="alpha")
    make_faq(question="What is LDN?", slug="what-is-ldn", answer="A *small* dose.")
    make_faq(question="Zeta question?", slug="zeta-q", condition=zeta)
    make_faq(question="Alpha question?", slug="alpha-q", condition=alpha)
    body = get(client, FAQ, "conditions/faq.html")
    for slug in ("what-is-ldn", "zeta-q", "alpha-q"):
        assert f'id="{slug}"' in body
        assert f'href="#{slug}"' in body  # a visible permalink
    assert "A <em>small</em> dose." in body
    general = body.index('<h2 id="general-questions">')
    alpha_group = body.index('<h2 id="about-alpha">')
    zeta_group = body.index('<h2 id="about-zeta">')
    assert general < body.index("What is LDN?") < alpha_group
    assert alpha_group < body.index("Alpha question?") < zeta_group
    assert zeta_group < body.index("Zeta question?")
    assert f'<a href="{alpha.get_absolute_url()}">Alpha disease</a>' in body


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_the_faq_hides_unpublished_entries_and_conditions(client, state):
    hidden = HIDDEN_STATES[state]
    make_faq(question="Public question?")
    make_faq(question="Secret question?", **hidden)
    secret_condition = make_condition(name="Secret condition", slug="secret", **hidden)
    make_faq(question="Tied to a hidden condition?", condition=secret_condition)
    body = client.get(FAQ).content.decode()
    assert "Public question?" in body
    assert "Secret" not in body and "about-secret" not in body
    # The entry itself is public: it joins the general questions, unlinked.
    general = body[body.index('id="general-questions"') :]
    assert "Tied to a hidden condition?" in general


def test_faq_markdown_cannot_run_script(client):
    make_faq(answer=XSS, question=XSS)
    body = client.get(FAQ).content.decode()
    assert runnable(body) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # the question, escaped


def test_the_faq_runs_a_fixed_number_of_queries(client):
    def add(n):
        for i in range(n):
            make_faq(condition=make_condition() if i % 2 else None)

    small, large = queries_at_5_and_50(client, FAQ, add)
    # The entries; their published conditions.
    assert small == large == 2


# --- Glossary -------------------------------------------------------------------


def test_the_glossary_is_a_to_z_with_jump_links_and_permalinks(client):
    make_term(term="naltrexone", slug="naltrexone", definition="An *opioid* blocker.")
    make_term(term="Microglia", slug="microglia")
    make_term(term="Ánalgesia", slug="analgesia")
    make_term(term="5-HT", slug="5-ht")
    make_term(term="Endorphin", slug="endorphin")
    body = get(client, GLOSSARY, "conditions/glossary.html")
    jump = re.search(r'<nav class="az".*?</nav>', body, re.DOTALL).group(0)
    letters = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', jump)
    assert letters == [
        ("letter-digits", "0–9"),
        ("letter-a", "A"),
        ("letter-e", "E"),
        ("letter-m", "M"),
        ("letter-n", "N"),
    ]
    for anchor, _ in letters:
        assert f'<h2 id="{anchor}">' in body
    terms = re.findall(r'<dt id="([^"]+)">', body)
    assert terms == ["5-ht", "analgesia", "endorphin", "microglia", "naltrexone"]
    for slug in terms:
        assert f'<a class="permalink" href="#{slug}">' in body
    assert "An <em>opioid</em> blocker." in body


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_the_glossary_hides_unpublished_terms(client, state):
    make_term(term="Public term")
    make_term(term="Zz secret term", **HIDDEN_STATES[state])
    body = client.get(GLOSSARY).content.decode()
    assert "Public term" in body
    assert "secret" not in body.lower()
    assert 'href="#letter-z"' not in body


def test_glossary_markdown_cannot_run_script(client):
    make_term(definition=XSS)
    assert runnable(client.get(GLOSSARY).content.decode()) == []


def test_the_glossary_runs_a_fixed_number_of_queries(client):
    def add(n):
        for _ in range(n):
            make_term()

    small, large = queries_at_5_and_50(client, GLOSSARY, add)
    assert small == large == 1  # the terms


def test_empty_pages_say_so(client):
    assert "No mechanisms are published yet." in client.get(MECHANISMS).content.decode()
    assert "No questions are published yet." in client.get(FAQ).content.decode()
    assert "No terms are published yet." in client.get(GLOSSARY).content.decode()
