import pytest
from django.urls import reverse

from conditions.models import ConditionMechanism
from ldnsite.editorial.policy import Status
from tests.factories import (
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_study,
    make_term,
)
from tests.queries import queries_at_5_and_50

pytestmark = pytest.mark.django_db

DRAFT = {"status": Status.DRAFT, "published_at": None}


def test_home_lists_published_conditions_and_the_notice(client):
    make_condition(name="Fibromyalgia")
    make_condition(name="Secret draft", **DRAFT)
    response = client.get(reverse("conditions:home"))
    assert response.status_code == 200
    assert "conditions/home.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "Fibromyalgia" in body
    assert "Secret draft" not in body
    assert "Not medical advice" in body


def test_condition_page_shows_headline_findings_nulls_and_review_dates(client):
    condition = make_condition(name="Fibromyalgia", body="Some **body**.")
    mechanism = make_mechanism(name="Glial modulation")
    ConditionMechanism.objects.create(condition=condition, mechanism=mechanism)
    make_finding(condition=condition, study=make_study(title="Positive trial"))
    make_finding(
        condition=condition,
        study=make_study(title="Null trial"),
        direction="no_effect",
        effect="No change in pain.",
    )
    make_finding(condition=condition, study=make_study(title="Hidden", **DRAFT))
    response = client.get(condition.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Positive trial" in body and "Null trial" in body
    assert "No change in pain." in body
    assert "Hidden" not in body
    assert "<strong>body</strong>" in body
    assert "Glial modulation" in body
    # Two equal trials that disagree: inconsistent, and no single trial wins.
    assert "Randomised trials found inconsistent results on pain (low certainty" in body
    assert "Last reviewed" in body and "Next review due" in body


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_condition(**DRAFT).get_absolute_url(),
        lambda: make_condition(status=Status.ARCHIVED).get_absolute_url(),
        lambda: make_mechanism(**DRAFT).get_absolute_url(),
        lambda: make_study(
            status=Status.IN_REVIEW, published_at=None
        ).get_absolute_url(),
    ],
)
def test_unpublished_detail_pages_are_404(client, make):
    assert client.get(make()).status_code == 404


def test_lists_hide_drafts(client):
    make_faq(question="Public question?")
    make_faq(question="Draft question?", **DRAFT)
    make_term(term="Public term")
    make_term(term="Draft term", **DRAFT)
    make_mechanism(name="Draft mechanism", **DRAFT)
    faq = client.get(reverse("conditions:faq")).content.decode()
    glossary = client.get(reverse("conditions:glossary")).content.decode()
    mechanisms = client.get(reverse("conditions:mechanism-list")).content.decode()
    assert "Public question?" in faq and "Draft question?" not in faq
    assert "Public term" in glossary and "Draft term" not in glossary
    assert "Draft mechanism" not in mechanisms


def test_study_page_cites_and_links_and_fixes_its_slug(client):
    study = make_study(title="A trial", doi="10.1000/xyz", pmid=123)
    make_finding(study=study)
    short = client.get(reverse("studies:detail-short", args=[study.pk]))
    assert short.status_code == 301
    assert short["Location"] == study.get_absolute_url()
    body = client.get(study.get_absolute_url()).content.decode()
    assert 'href="https://doi.org/10.1000/xyz"' in body
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/123/"' in body
    assert "Journal of Pain" in body


@pytest.mark.parametrize(
    "path", ["/studies/99999999999999999999999999/", "/conditions/%00/", "/nope/"]
)
def test_odd_urls_are_404_not_500(client, path):
    assert client.get(path).status_code == 404


XSS = (
    "Hi <script>alert(1)</script> <img src=x onerror=alert(2)> "
    "[click](javascript:alert(3)) <a href='javascript:alert(4)'>x</a>"
)


def test_staff_markdown_cannot_run_script(client):
    condition = make_condition(body=XSS, titration_notes=XSS)
    make_faq(answer=XSS, condition=condition)
    make_term(definition=XSS)
    for url in [condition.get_absolute_url(), "/faq/", "/glossary/"]:
        body = client.get(url).content.decode().lower()
        assert "<script>alert" not in body
        assert "onerror" not in body
        assert "javascript:" not in body


def test_home_runs_a_fixed_number_of_queries(client):
    def add(n):
        for _ in range(n):
            condition = make_condition()
            make_finding(condition=condition)
            make_finding(condition=condition, outcome="fatigue")

    small, large = queries_at_5_and_50(client, reverse("conditions:home"), add)
    print(f"home page queries: {small} at 5 conditions, {large} at 50")
    # conditions; their findings with levels (prefetch); latest studies
    assert small == large == 3


def test_condition_page_runs_a_fixed_number_of_queries(client):
    condition = make_condition()

    def add(n):
        for _ in range(n):
            make_finding(condition=condition, study=make_study())
            mechanism = make_mechanism()
            ConditionMechanism.objects.create(condition=condition, mechanism=mechanism)
            make_faq(condition=condition)

    small, large = queries_at_5_and_50(client, condition.get_absolute_url(), add)
    assert small == large


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_condition(**DRAFT),
        lambda: make_mechanism(status=Status.IN_REVIEW, published_at=None),
        lambda: make_study(**DRAFT),
    ],
)
def test_staff_who_may_change_an_item_preview_it_with_a_banner(client, editor, make):
    item = make()
    assert client.get(item.get_absolute_url()).status_code == 404
    client.force_login(editor)
    response = client.get(item.get_absolute_url())
    assert response.status_code == 200
    assert "Draft — not public." in response.content.decode()


def test_staff_without_change_permission_get_404_and_public_pages_have_no_banner(
    client, editor
):
    from tests.factories import make_staff

    client.force_login(make_staff("viewer"))
    assert client.get(make_condition(**DRAFT).get_absolute_url()).status_code == 404
    client.force_login(editor)
    body = client.get(make_condition().get_absolute_url()).content.decode()
    assert "Draft — not public." not in body
