"""The admin for studies and findings.

Roles, workflow actions, history, delete protection, review overdue, citation
validation shown as form errors and the number of queries per page. The POST
helpers are shared with tests/conditions/test_admin.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from conditions.models import Mechanism
from ldnsite.editorial.policy import Status
from studies.models import Finding, Study, StudyMechanism
from tests.admin_helpers import (
    OVERDUE,
    PUBLISH_ATTEMPT,
    action_choices,
    admin_form_data,
    admin_url,
    form_errors,
    messages_of,
    months_later,
    publishing_state,
    run_action,
)
from tests.factories import (
    HIDDEN_STATES,
    make_condition,
    make_finding,
    make_mechanism,
    make_study,
)
from tests.queries import count_queries, queries_at_5_and_50

STUDY_FIELDS = {
    "title": "Low-dose naltrexone for fibromyalgia",
    "slug": "ldn-fibromyalgia",
    "authors": "Younger J, Mackey S",
    "journal": "Pain Medicine",
    "year": "2009",
    "design": "rct",
}


def finding_row(index: int, condition, **overrides) -> dict:
    """POST fields for a new row of the findings inline."""
    row = {
        "condition": str(condition.pk),
        "outcome": "pain",
        "direction": "benefit",
        "effect": "Pain fell by 30%.",
        **overrides,
    }
    return {f"findings-{index}-{name}": value for name, value in row.items()}


def post_study(client, study=None, **overrides):
    """GET the study's change page (or the add page) and POST it back, changed."""
    url = admin_url(Study, "change", study.pk) if study else admin_url(Study, "add")
    return client.post(url, admin_form_data(client.get(url), **overrides))


# --- anonymous ---------------------------------------------------------------


@pytest.mark.parametrize("model", [Study, Finding], ids=lambda m: m.__name__)
@pytest.mark.parametrize("view", ["changelist", "add"])
def test_anonymous_is_redirected_to_admin_login(client, db, model, view):
    url = admin_url(model, view)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert f"next={url}" in response["Location"]


def test_anonymous_cannot_change_a_study(client, db):
    study = make_study(title="Original")
    response = client.post(admin_url(Study, "change", study.pk), {"title": "Hacked"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    study.refresh_from_db()
    assert study.title == "Original"


# --- editor ------------------------------------------------------------------


def test_editor_can_open_study_add_and_change_pages(editor_client):
    study = make_study()
    make_finding(study=study)
    add = editor_client.get(admin_url(Study, "add"))
    change = editor_client.get(admin_url(Study, "change", study.pk))
    assert add.status_code == change.status_code == 200
    for response in (add, change):
        fields = response.context["adminform"].form.fields
        assert "doi" in fields
        assert not {"status", "published_at", "last_reviewed", "next_review_due"} & set(
            fields
        )
        prefixes = {i.formset.prefix for i in response.context["inline_admin_formsets"]}
        assert prefixes == {"findings", "mechanism_links"}


def test_editor_adds_a_study_with_a_finding_as_draft(editor_client, editor):
    condition = make_condition()
    data = admin_form_data(
        editor_client.get(admin_url(Study, "add")),
        **STUDY_FIELDS,
        **PUBLISH_ATTEMPT,
        **finding_row(0, condition),
        **{"findings-TOTAL_FORMS": "1"},
    )

    response = editor_client.post(admin_url(Study, "add"), data)

    assert response.status_code == 302, form_errors(response)
    study = Study.objects.get(slug="ldn-fibromyalgia")
    assert publishing_state(study) == (Status.DRAFT, None, None, None, None)
    finding = study.findings.get()
    assert finding.condition == condition
    assert study.history.get().history_user == editor
    assert finding.history.get().history_user == editor


def test_editor_edits_findings_inline_but_not_the_publishing_fields(editor_client):
    study = make_study(**HIDDEN_STATES["in_review"])
    finding = make_finding(study=study, effect="Old effect.")
    before = publishing_state(study)

    response = post_study(
        editor_client,
        study,
        status=Status.ARCHIVED,
        **{"findings-0-effect": "New effect."},
    )

    assert response.status_code == 302, form_errors(response)
    finding.refresh_from_db()
    assert finding.effect == "New effect."
    assert publishing_state(study) == before


def test_editor_is_not_offered_publishing_actions_on_studies(editor_client):
    choices = action_choices(editor_client, Study)
    assert "submit_for_review" in choices
    assert (
        not {"publish", "archive", "mark_reviewed_today", "delete_selected"} & choices
    )


@pytest.mark.parametrize("action", ["publish", "archive", "mark_reviewed_today"])
def test_editor_cannot_publish_a_study_by_action(editor_client, action):
    study = make_study(
        status=Status.IN_REVIEW,
        published_at=None,
        last_reviewed=None,
        next_review_due=None,
    )
    before = publishing_state(study)

    response = run_action(editor_client, Study, action, study, follow=True)

    assert "No action selected." in messages_of(response)
    assert publishing_state(study) == before
    assert study.history.count() == 1


def test_editor_cannot_delete_studies_or_findings(editor_client):
    finding = make_finding()
    study = finding.study
    lone = make_study()
    for url in (
        admin_url(Study, "delete", lone.pk),
        admin_url(Study, "delete", study.pk),
        admin_url(Finding, "delete", finding.pk),
    ):
        assert editor_client.get(url).status_code == 403
        assert editor_client.post(url, {"post": "yes"}).status_code == 403
    assert Study.objects.count() == 2
    assert Finding.objects.count() == 1


# --- reviewer ----------------------------------------------------------------


def test_reviewer_publishes_a_study_by_form(reviewer_client):
    study = make_study(status=Status.IN_REVIEW, published_at=None)
    before = timezone.now()

    response = post_study(
        reviewer_client,
        study,
        status=Status.PUBLISHED,
        published_at_0="",
        published_at_1="",
    )

    assert response.status_code == 302, form_errors(response)
    status, published_at, *_ = publishing_state(study)
    assert status == Status.PUBLISHED
    assert before <= published_at <= timezone.now()


@pytest.mark.parametrize("months", [12, 6])
def test_reviewer_marks_studies_reviewed_today(
    reviewer_client, reviewer, settings, months
):
    settings.REVIEW_INTERVAL_MONTHS = months
    study = make_study(last_reviewed=None, next_review_due=None)
    today = timezone.localdate()

    run_action(reviewer_client, Study, "mark_reviewed_today", study)

    study.refresh_from_db()
    assert study.last_reviewed == today
    assert study.next_review_due == months_later(today, months)
    assert study.reviewed_by == reviewer
    assert study.history.count() == 2
    assert study.history.latest().history_user == reviewer


# --- history -----------------------------------------------------------------


# --- delete protection -------------------------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "superuser"])
def test_deleting_a_study_with_findings_is_refused(client, request, who):
    client.force_login(request.getfixturevalue(who))
    finding = make_finding(effect="Fatigue fell.")
    study = finding.study
    url = admin_url(Study, "delete", study.pk)

    for response in (client.get(url), client.post(url, {"post": "yes"})):
        assert response.status_code == 200
        assert any(str(finding) in str(item) for item in response.context["protected"])
        assert "would require deleting the following protected related objects" in (
            response.text
        )
    assert Study.objects.filter(pk=study.pk).exists()
    assert Finding.objects.filter(pk=finding.pk).exists()


@pytest.mark.parametrize("who", ["reviewer", "superuser"])
def test_bulk_delete_of_studies_with_findings_deletes_nothing(client, request, who):
    client.force_login(request.getfixturevalue(who))
    finding = make_finding()
    other = make_study()

    response = run_action(
        client, Study, "delete_selected", finding.study, other, post="yes"
    )

    assert response.status_code == 200
    assert response.context["protected"]
    assert "protected related objects" in response.text
    assert Study.objects.count() == 2
    assert Finding.objects.count() == 1


def test_reviewer_deletes_a_study_without_findings(reviewer_client):
    study = make_study()
    StudyMechanism.objects.create(study=study, mechanism=make_mechanism())
    response = reviewer_client.post(
        admin_url(Study, "delete", study.pk), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Study.objects.filter(pk=study.pk).exists()
    assert Mechanism.objects.count() == 1


@pytest.mark.parametrize("who", ["reviewer", "superuser"])
def test_deleting_a_mechanism_linked_to_a_study_is_refused(client, request, who):
    client.force_login(request.getfixturevalue(who))
    mechanism = make_mechanism()
    link = StudyMechanism.objects.create(study=make_study(), mechanism=mechanism)

    response = client.post(
        admin_url(Mechanism, "delete", mechanism.pk), {"post": "yes"}
    )

    assert response.status_code == 200
    assert any(str(link) in str(item) for item in response.context["protected"])
    assert Mechanism.objects.filter(pk=mechanism.pk).exists()


# --- review overdue ----------------------------------------------------------


def test_overdue_filter_lists_only_overdue_studies(superuser_client):
    overdue = make_study(title="Overdue study", **OVERDUE)
    make_study(title="Current study")
    make_study(title="Draft study", status=Status.DRAFT, published_at=None, **OVERDUE)

    response = superuser_client.get(admin_url(Study, "changelist") + "?review=overdue")

    assert [obj.pk for obj in response.context["cl"].result_list] == [overdue.pk]
    assert "Overdue study" in response.text
    assert "Current study" not in response.text


def test_admin_index_counts_overdue_studies(superuser_client):
    make_study(**OVERDUE)
    make_study(**OVERDUE)
    make_study()
    response = superuser_client.get(reverse("admin:index"))
    assert response.context["review_overdue_total"] == 2
    assert "Reviews overdue: 2" in response.text


# --- validation as form errors -----------------------------------------------


@pytest.mark.parametrize(
    "posted",
    [
        "https://doi.org/10.1000/ABC",
        "http://dx.doi.org/10.1000/Abc",
        "doi: 10.1000/abc",
    ],
)
def test_study_doi_is_stored_bare_and_lower_case(editor_client, posted):
    response = post_study(editor_client, **STUDY_FIELDS, doi=posted)
    assert response.status_code == 302, form_errors(response)
    assert Study.objects.get(slug=STUDY_FIELDS["slug"]).doi == "10.1000/abc"


def test_study_doi_is_normalised_on_change(editor_client):
    study = make_study(**HIDDEN_STATES["draft"])
    response = post_study(editor_client, study, doi="https://doi.org/10.1000/XYZ.1")
    assert response.status_code == 302, form_errors(response)
    study.refresh_from_db()
    assert study.doi == "10.1000/xyz.1"


@pytest.mark.parametrize(
    "posted", ["10.1000/ABC", "https://doi.org/10.1000/abc", "DOI:10.1000/Abc"]
)
def test_duplicate_doi_is_a_form_error(editor_client, posted):
    make_study(doi="10.1000/abc")

    response = post_study(editor_client, **STUDY_FIELDS, doi=posted)

    errors = form_errors(response)
    assert errors
    assert "Another study already has this DOI." in str(errors)
    assert Study.objects.count() == 1


def test_malformed_doi_is_a_form_error(editor_client):
    response = post_study(editor_client, **STUDY_FIELDS, doi="not a doi")
    assert "doi" in form_errors(response)
    assert not Study.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("pmid", "12a45"),
        ("pmid", "0"),
        ("year", "1800"),
        ("year", "2101"),
        ("sample_size", "0"),
        ("sample_size", "-5"),
    ],
)
def test_implausible_citation_values_are_form_errors(editor_client, field, value):
    response = post_study(editor_client, **{**STUDY_FIELDS, field: value})
    assert field in form_errors(response)
    assert not Study.objects.exists()


def test_implausible_values_on_change_leave_the_study_unchanged(editor_client):
    study = make_study(year=2020, sample_size=12)
    response = post_study(editor_client, study, year="1800", sample_size="0", pmid="x")
    assert {"year", "sample_size", "pmid"} <= set(form_errors(response))
    study.refresh_from_db()
    assert (study.year, study.sample_size, study.pmid) == (2020, 12, None)


def test_duplicate_pmid_is_a_form_error(editor_client):
    make_study(pmid=12345678)
    response = post_study(editor_client, **STUDY_FIELDS, pmid="12345678")
    assert "pmid" in form_errors(response)
    assert Study.objects.count() == 1


def test_duplicate_finding_in_inline_is_an_error(editor_client):
    study = make_study()
    condition = make_condition()
    make_finding(study=study, condition=condition)

    response = post_study(
        editor_client,
        study,
        **finding_row(1, condition),
        **{"findings-TOTAL_FORMS": "2"},
    )

    assert response.status_code == 200
    formset = next(
        i.formset
        for i in response.context["inline_admin_formsets"]
        if i.formset.prefix == "findings"
    )
    assert not formset.is_valid()
    assert study.findings.count() == 1


# --- query counts ------------------------------------------------------------


def _add_studies(n: int) -> None:
    mechanism = make_mechanism()
    for i in range(n):
        study = make_study(year=2000 + i % 20)
        make_finding(study=study)
        StudyMechanism.objects.create(study=study, mechanism=mechanism)


def _add_findings(n: int) -> None:
    for _ in range(n):
        make_finding()


@pytest.mark.parametrize(
    "model, add_rows",
    [(Study, _add_studies), (Finding, _add_findings)],
    ids=["studies", "findings"],
)
def test_changelist_query_count_does_not_grow_with_rows(
    superuser_client, model, add_rows
):
    url = admin_url(model, "changelist")
    at_5, at_50 = queries_at_5_and_50(superuser_client, url, add_rows)
    print(f"{model.__name__} changelist: {at_5} queries at 5 rows, {at_50} at 50")
    assert model.objects.count() == 50
    assert at_5 == at_50


def _grow_study(study: Study, n: int) -> None:
    for _ in range(n):
        make_finding(study=study)
        StudyMechanism.objects.create(study=study, mechanism=make_mechanism())


def test_study_change_page_query_count_does_not_grow_with_inline_rows(
    superuser_client,
):
    study = make_study()
    url = admin_url(Study, "change", study.pk)
    _grow_study(study, 5)
    superuser_client.get(url)
    at_5 = count_queries(superuser_client, url)
    _grow_study(study, 45)
    at_50 = count_queries(superuser_client, url)
    print(f"Study change page: {at_5} queries at 5 rows, {at_50} at 50")
    assert study.findings.count() == study.mechanism_links.count() == 50
    assert at_5 == at_50


def test_study_change_page_findings_inline_query_count_is_constant(superuser_client):
    """The editable findings inline on its own (no mechanism links) is N+1 free."""
    study = make_study()
    url = admin_url(Study, "change", study.pk)
    for _ in range(5):
        make_finding(study=study)
    superuser_client.get(url)
    at_5 = count_queries(superuser_client, url)
    for _ in range(45):
        make_finding(study=study)
    at_50 = count_queries(superuser_client, url)
    print(f"Study change page, findings only: {at_5} at 5, {at_50} at 50")
    assert at_5 == at_50
