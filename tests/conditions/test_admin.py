"""The admin for conditions, mechanisms, FAQ entries and glossary terms.

Roles (Editor writes, Reviewer publishes), the workflow actions, history and
its revert form, delete protection, the review dashboard, validation shown as
form errors and the number of queries per page.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conditions.models import (
    Condition,
    ConditionMechanism,
    FAQEntry,
    GlossaryTerm,
    Mechanism,
)
from ldnsite.editorial.pending import open_change
from ldnsite.editorial.policy import Status
from studies.models import Finding
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
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_studies_of,
    make_study,
    make_term,
)
from tests.queries import count_queries, queries_at_5_and_50

EDITOR_REFUSED_ACTIONS = ["publish", "archive", "mark_reviewed_today"]


def other_models():
    """(model, builder, add-form fields) for the other editorial models here."""
    return [
        pytest.param(
            Mechanism,
            make_mechanism,
            {
                "name": "Opioid growth factor",
                "slug": "ogf",
                "summary": "S.",
                "support_level": "human",
            },
            id="mechanism",
        ),
        pytest.param(
            FAQEntry,
            make_faq,
            {
                "question": "Is it safe?",
                "slug": "is-it-safe",
                "answer": "A.",
                "order": "3",
            },
            id="faqentry",
        ),
        pytest.param(
            GlossaryTerm,
            make_term,
            {"term": "Titration", "slug": "titration", "definition": "D."},
            id="glossaryterm",
        ),
    ]


OTHER_MODELS = other_models()

CONDITION_FIELDS = {
    "name": "Fibromyalgia",
    "slug": "fibromyalgia",
    "category": "pain_syndrome",
    "summary": "Widespread pain.",
    "dose_min_mg": "1.5",
    "dose_max_mg": "4.5",
}


# --- anonymous ---------------------------------------------------------------


@pytest.mark.parametrize(
    "model", [Condition, Mechanism, FAQEntry, GlossaryTerm], ids=lambda m: m.__name__
)
@pytest.mark.parametrize("view", ["changelist", "add"])
def test_anonymous_is_redirected_to_admin_login(client, db, model, view):
    url = admin_url(model, view)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert f"next={url}" in response["Location"]


def test_anonymous_is_redirected_from_change_page_and_admin_index(client, db):
    condition = make_condition()
    for url in (admin_url(Condition, "change", condition.pk), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_post_to_changelist_action_changes_nothing(client, db):
    condition = make_condition(status=Status.DRAFT, published_at=None)
    response = run_action(client, Condition, "publish", condition)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert publishing_state(condition)[0] == Status.DRAFT


# --- editor ------------------------------------------------------------------


def test_editor_can_open_condition_add_and_change_pages(editor_client):
    condition = make_condition()
    add = editor_client.get(admin_url(Condition, "add"))
    change = editor_client.get(admin_url(Condition, "change", condition.pk))
    assert add.status_code == 200
    assert change.status_code == 200
    for response in (add, change):
        fields = response.context["adminform"].form.fields
        assert "summary" in fields
        # The publishing fields are shown read-only, not as inputs.
        assert not {"status", "published_at", "last_reviewed", "next_review_due"} & set(
            fields
        )


def test_editor_adding_a_condition_creates_a_draft_even_if_published_is_posted(
    editor_client,
):
    page = editor_client.get(admin_url(Condition, "add"))
    data = admin_form_data(page, **CONDITION_FIELDS, **PUBLISH_ATTEMPT)

    response = editor_client.post(admin_url(Condition, "add"), data)

    assert response.status_code == 302, form_errors(response)
    condition = Condition.objects.get(slug="fibromyalgia")
    assert publishing_state(condition) == (Status.DRAFT, None, None, None, None)


def test_editor_change_of_a_published_condition_keeps_it_published(editor_client):
    condition = make_condition()
    before = publishing_state(condition)
    url = admin_url(Condition, "change", condition.pk)
    data = admin_form_data(
        editor_client.get(url),
        summary="Typo fixed.",
        status=Status.DRAFT,
        published_at_0="",
        published_at_1="",
        last_reviewed="",
        next_review_due="",
    )

    response = editor_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    assert publishing_state(condition) == before
    assert condition.summary == "A condition."  # The fix waits for review.
    assert open_change(condition).data["fields"]["summary"] == "Typo fixed."


@pytest.mark.parametrize("model, builder, fields", OTHER_MODELS)
def test_editor_can_open_and_add_other_content_only_as_draft(
    editor_client, model, builder, fields
):
    existing = builder()
    assert editor_client.get(admin_url(model, "change", existing.pk)).status_code == 200
    page = editor_client.get(admin_url(model, "add"))

    response = editor_client.post(
        admin_url(model, "add"), admin_form_data(page, **fields, **PUBLISH_ATTEMPT)
    )

    assert response.status_code == 302, form_errors(response)
    created = model.objects.get(slug=fields["slug"])
    assert publishing_state(created) == (Status.DRAFT, None, None, None, None)


@pytest.mark.parametrize(
    "model", [Condition, Mechanism, FAQEntry, GlossaryTerm], ids=lambda m: m.__name__
)
def test_editor_is_not_offered_publishing_actions(editor_client, model):
    choices = action_choices(editor_client, model)
    assert "submit_for_review" in choices
    assert not set(EDITOR_REFUSED_ACTIONS) & choices
    assert "delete_selected" not in choices


@pytest.mark.parametrize("action", EDITOR_REFUSED_ACTIONS)
def test_editor_cannot_publish_archive_or_review_by_action(editor_client, action):
    draft = make_condition(
        status=Status.DRAFT, published_at=None, last_reviewed=None, next_review_due=None
    )
    published = make_condition()
    before = [publishing_state(draft), publishing_state(published)]
    history_before = Condition.history.count()

    response = run_action(
        editor_client, Condition, action, draft, published, follow=True
    )

    assert response.status_code == 200
    assert "No action selected." in messages_of(response)
    assert [publishing_state(draft), publishing_state(published)] == before
    assert Condition.history.count() == history_before


@pytest.mark.parametrize("model, builder, fields", OTHER_MODELS)
def test_editor_cannot_publish_other_content_by_action(
    editor_client, model, builder, fields
):
    obj = builder(status=Status.IN_REVIEW, published_at=None)
    response = run_action(editor_client, model, "publish", obj, follow=True)
    assert "No action selected." in messages_of(response)
    assert publishing_state(obj)[:2] == (Status.IN_REVIEW, None)


def test_editor_cannot_delete_a_condition(editor_client):
    condition = make_condition()
    url = admin_url(Condition, "delete", condition.pk)
    assert editor_client.get(url).status_code == 403
    assert editor_client.post(url, {"post": "yes"}).status_code == 403
    run_action(editor_client, Condition, "delete_selected", condition, post="yes")
    assert Condition.objects.filter(pk=condition.pk).exists()


@pytest.mark.parametrize("model, builder, fields", OTHER_MODELS)
def test_editor_cannot_delete_other_content(editor_client, model, builder, fields):
    obj = builder()
    assert (
        editor_client.post(
            admin_url(model, "delete", obj.pk), {"post": "yes"}
        ).status_code
        == 403
    )
    assert model.objects.filter(pk=obj.pk).exists()


# --- reviewer ----------------------------------------------------------------


def test_reviewer_publishes_by_form_filling_a_blank_published_at(reviewer_client):
    condition = make_condition(status=Status.IN_REVIEW, published_at=None)
    url = admin_url(Condition, "change", condition.pk)
    data = admin_form_data(
        reviewer_client.get(url),
        status=Status.PUBLISHED,
        published_at_0="",
        published_at_1="",
    )
    before = timezone.now()

    response = reviewer_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    status, published_at, *_ = publishing_state(condition)
    assert status == Status.PUBLISHED
    assert before <= published_at <= timezone.now()
    assert Condition.objects.published().filter(pk=condition.pk).exists()


def test_reviewer_publishes_by_form_with_a_given_date(reviewer_client):
    condition = make_condition(status=Status.IN_REVIEW, published_at=None)
    url = admin_url(Condition, "change", condition.pk)
    data = admin_form_data(
        reviewer_client.get(url),
        status=Status.PUBLISHED,
        published_at_0="2030-05-01",
        published_at_1="09:00:00",
    )

    response = reviewer_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    status, published_at, *_ = publishing_state(condition)
    assert status == Status.PUBLISHED
    assert published_at == timezone.make_aware(datetime.datetime(2030, 5, 1, 9))
    # Scheduled: published, but not public until then.
    assert not Condition.objects.published().filter(pk=condition.pk).exists()


def test_reviewer_setting_last_reviewed_in_the_form_records_the_reviewer(
    reviewer_client, reviewer
):
    condition = make_condition(last_reviewed=None, next_review_due=None)
    url = admin_url(Condition, "change", condition.pk)
    data = admin_form_data(
        reviewer_client.get(url),
        last_reviewed="2026-03-01",
        next_review_due="2027-03-01",
    )

    response = reviewer_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    condition.refresh_from_db()
    assert condition.last_reviewed == datetime.date(2026, 3, 1)
    assert condition.next_review_due == datetime.date(2027, 3, 1)
    assert condition.reviewed_by == reviewer


def test_reviewer_is_offered_every_action(reviewer_client):
    choices = action_choices(reviewer_client, Condition)
    assert {
        "submit_for_review",
        "publish",
        "archive",
        "mark_reviewed_today",
        "delete_selected",
    } <= choices


def test_publish_action_skips_already_published_rows(reviewer_client):
    published = make_condition()
    before = publishing_state(published)
    response = run_action(reviewer_client, Condition, "publish", published)
    assert response.status_code == 302
    assert publishing_state(published) == before
    assert published.history.count() == 1


@pytest.mark.parametrize("months", [None, 6, 1])
def test_reviewer_marks_reviewed_today(reviewer_client, reviewer, settings, months):
    if months is not None:
        settings.REVIEW_INTERVAL_MONTHS = months
    interval = settings.REVIEW_INTERVAL_MONTHS
    if months is None:
        assert interval == 12  # the default
    conditions = [
        make_condition(last_reviewed=None, next_review_due=None),
        make_condition(
            last_reviewed=datetime.date(2020, 1, 1),
            next_review_due=datetime.date(2021, 1, 1),
        ),
    ]
    today = timezone.localdate()

    response = run_action(
        reviewer_client, Condition, "mark_reviewed_today", *conditions
    )

    assert response.status_code == 302
    for condition in conditions:
        condition.refresh_from_db()
        assert condition.last_reviewed == today
        assert condition.next_review_due == months_later(today, interval)
        assert condition.reviewed_by == reviewer
        assert condition.status == Status.PUBLISHED  # reviewing does not publish
        assert condition.history.count() == 2
        assert condition.history.latest().history_user == reviewer
        assert condition.history.latest().history_change_reason == "Reviewed"


# --- history -----------------------------------------------------------------


def test_admin_add_leaves_one_history_row_naming_the_user(reviewer_client, reviewer):
    page = reviewer_client.get(admin_url(Condition, "add"))
    response = reviewer_client.post(
        admin_url(Condition, "add"), admin_form_data(page, **CONDITION_FIELDS)
    )
    assert response.status_code == 302, form_errors(response)
    record = Condition.objects.get(slug="fibromyalgia").history.get()
    assert record.history_type == "+"
    assert record.history_user == reviewer


@pytest.mark.parametrize("who", ["reviewer", "superuser"])
def test_revert_form_restores_earlier_values(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    condition = make_condition(summary="First wording.", dose_max_mg="4.5")
    first = condition.history.get()
    condition.summary = "Second wording."
    condition.dose_max_mg = "3.0"
    condition.save()
    url = reverse(
        "admin:conditions_condition_simple_history",
        args=[condition.pk, first.history_id],
    )
    page = client.get(url)
    assert page.context["adminform"].form.initial["summary"] == "First wording."

    response = client.post(url, admin_form_data(page))

    assert response.status_code == 302, form_errors(response)
    condition.refresh_from_db()
    assert condition.summary == "First wording."
    assert str(condition.dose_max_mg) == "4.50"
    assert condition.history.count() == 3
    assert condition.history.latest().history_user == user


def test_reviewer_revert_can_restore_a_published_version(reviewer_client):
    condition = make_condition()
    published_version = condition.history.get()
    condition.status = Status.ARCHIVED
    condition.save()
    url = reverse(
        "admin:conditions_condition_simple_history",
        args=[condition.pk, published_version.history_id],
    )

    response = reviewer_client.post(url, admin_form_data(reviewer_client.get(url)))

    assert response.status_code == 302, form_errors(response)
    assert publishing_state(condition)[0] == Status.PUBLISHED


# --- delete protection -------------------------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "superuser"])
def test_deleting_a_condition_with_findings_is_refused(client, request, who):
    client.force_login(request.getfixturevalue(who))
    condition = make_condition(name="Fibromyalgia")
    finding = make_finding(condition=condition, effect="Pain fell by 30%.")
    url = admin_url(Condition, "delete", condition.pk)

    for response in (client.get(url), client.post(url, {"post": "yes"})):
        assert response.status_code == 200
        assert response.context["protected"]
        assert any(str(finding) in str(item) for item in response.context["protected"])
        assert "would require deleting the following protected related objects" in (
            response.text
        )
        assert str(finding) in response.text
    assert Condition.objects.filter(pk=condition.pk).exists()
    assert Finding.objects.filter(pk=finding.pk).exists()


def test_reviewer_can_delete_an_unprotected_condition(reviewer_client):
    condition = make_condition()
    ConditionMechanism.objects.create(condition=condition, mechanism=make_mechanism())
    response = reviewer_client.post(
        admin_url(Condition, "delete", condition.pk), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Condition.objects.filter(pk=condition.pk).exists()
    assert not ConditionMechanism.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "superuser"])
def test_deleting_a_mechanism_linked_to_a_condition_is_refused(client, request, who):
    client.force_login(request.getfixturevalue(who))
    mechanism = make_mechanism()
    link = ConditionMechanism.objects.create(
        condition=make_condition(name="Crohn's disease"), mechanism=mechanism
    )
    url = admin_url(Mechanism, "delete", mechanism.pk)

    response = client.post(url, {"post": "yes"})

    assert response.status_code == 200
    assert any(str(link) in str(item) for item in response.context["protected"])
    assert "protected related objects" in response.text
    assert Mechanism.objects.filter(pk=mechanism.pk).exists()
    assert ConditionMechanism.objects.filter(pk=link.pk).exists()


@pytest.mark.parametrize("who", ["reviewer", "superuser"])
def test_bulk_delete_of_protected_rows_deletes_nothing(client, request, who):
    client.force_login(request.getfixturevalue(who))
    with_finding = make_condition()
    finding = make_finding(condition=with_finding)
    without = make_condition()
    mechanism = make_mechanism()
    ConditionMechanism.objects.create(condition=without, mechanism=mechanism)

    conditions = run_action(
        client, Condition, "delete_selected", with_finding, without, post="yes"
    )
    mechanisms = run_action(client, Mechanism, "delete_selected", mechanism, post="yes")

    for response in (conditions, mechanisms):
        assert response.status_code == 200
        assert response.context["protected"]
        assert "protected related objects" in response.text
    assert str(finding) in conditions.text
    assert Condition.objects.count() == 2
    assert Mechanism.objects.count() == 1
    assert Finding.objects.count() == 1
    assert ConditionMechanism.objects.count() == 1


# --- review overdue ----------------------------------------------------------


def test_overdue_filter_lists_only_overdue_items(superuser_client):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    reviewed = {"last_reviewed": today - datetime.timedelta(days=400)}
    overdue = make_condition(name="Overdue one", next_review_due=yesterday, **reviewed)
    in_review = make_condition(
        name="Overdue in review",
        status=Status.IN_REVIEW,
        published_at=None,
        next_review_due=yesterday,
        **reviewed,
    )
    current = make_condition(name="Current one")
    due_today = make_condition(name="Due today", next_review_due=today, **reviewed)
    draft = make_condition(
        name="Old draft",
        status=Status.DRAFT,
        published_at=None,
        next_review_due=yesterday,
        **reviewed,
    )

    response = superuser_client.get(
        admin_url(Condition, "changelist") + "?review=overdue"
    )

    assert response.status_code == 200
    listed = {obj.pk for obj in response.context["cl"].result_list}
    assert listed == {overdue.pk, in_review.pk}
    assert current.pk not in listed and due_today.pk not in listed
    assert draft.pk not in listed
    assert "Overdue one" in response.text
    assert "Current one" not in response.text


@pytest.mark.parametrize(
    "model, builder",
    [(Mechanism, make_mechanism), (FAQEntry, make_faq), (GlossaryTerm, make_term)],
    ids=["mechanism", "faqentry", "glossaryterm"],
)
def test_overdue_filter_works_on_other_content(superuser_client, model, builder):
    overdue = builder(**OVERDUE)
    builder()
    response = superuser_client.get(admin_url(model, "changelist") + "?review=overdue")
    assert [obj.pk for obj in response.context["cl"].result_list] == [overdue.pk]


@pytest.mark.parametrize("who", ["editor", "reviewer", "superuser"])
def test_admin_index_shows_the_overdue_total(client, request, who):
    client.force_login(request.getfixturevalue(who))
    make_condition(**OVERDUE)
    make_condition(**OVERDUE, status=Status.IN_REVIEW, published_at=None)
    make_condition()  # current
    make_condition(**OVERDUE, status=Status.DRAFT, published_at=None)
    make_mechanism(**OVERDUE)
    make_term(**OVERDUE)
    make_study(**OVERDUE)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert response.context["review_overdue_total"] == 5
    assert "Reviews overdue: 5" in response.text
    rows = {row["name"]: row["count"] for row in response.context["review_overdue"]}
    assert rows["conditions"] == 2
    assert rows["mechanisms"] == 1
    assert rows["glossary terms"] == 1
    assert rows["FAQ entries"] == 0
    assert rows["studies"] == 1
    assert admin_url(Condition, "changelist") + "?review=overdue" in response.text


def test_admin_index_shows_zero_when_nothing_is_overdue(superuser_client):
    make_condition()
    response = superuser_client.get(reverse("admin:index"))
    assert response.context["review_overdue_total"] == 0
    assert "Reviews overdue: 0" in response.text


# --- validation as form errors -----------------------------------------------


def test_condition_dose_min_above_max_is_a_form_error(superuser_client):
    condition = make_condition()
    url = admin_url(Condition, "change", condition.pk)
    data = admin_form_data(
        superuser_client.get(url), dose_min_mg="4.5", dose_max_mg="1.5"
    )

    errors = form_errors(superuser_client.post(url, data))

    assert "dose_max_mg" in errors
    condition.refresh_from_db()
    assert (str(condition.dose_min_mg), str(condition.dose_max_mg)) == ("0.50", "4.50")


def test_condition_dose_min_above_max_is_a_form_error_when_adding(editor_client):
    page = editor_client.get(admin_url(Condition, "add"))
    data = admin_form_data(
        page, **{**CONDITION_FIELDS, "dose_min_mg": "9", "dose_max_mg": "1"}
    )
    errors = form_errors(editor_client.post(admin_url(Condition, "add"), data))
    assert "dose_max_mg" in errors
    assert not Condition.objects.exists()


def test_condition_duplicate_slug_is_a_form_error(editor_client):
    make_condition(slug="fibromyalgia")
    page = editor_client.get(admin_url(Condition, "add"))

    response = editor_client.post(
        admin_url(Condition, "add"), admin_form_data(page, **CONDITION_FIELDS)
    )

    assert "slug" in form_errors(response)
    assert Condition.objects.count() == 1


def test_condition_duplicate_slug_on_change_is_a_form_error(editor_client):
    make_condition(slug="taken")
    condition = make_condition(slug="mine")
    url = admin_url(Condition, "change", condition.pk)
    response = editor_client.post(
        url, admin_form_data(editor_client.get(url), slug="taken")
    )
    assert "slug" in form_errors(response)
    condition.refresh_from_db()
    assert condition.slug == "mine"


@pytest.mark.parametrize("value", ["0", "-1", "51"])
def test_condition_dose_out_of_range_is_a_form_error(editor_client, value):
    condition = make_condition()
    url = admin_url(Condition, "change", condition.pk)
    response = editor_client.post(
        url, admin_form_data(editor_client.get(url), dose_min_mg=value)
    )
    assert "dose_min_mg" in form_errors(response)


def test_next_review_before_last_review_is_a_form_error(reviewer_client):
    condition = make_condition()
    before = publishing_state(condition)
    url = admin_url(Condition, "change", condition.pk)
    data = admin_form_data(
        reviewer_client.get(url),
        last_reviewed="2026-03-01",
        next_review_due="2026-01-01",
    )

    errors = form_errors(reviewer_client.post(url, data))

    assert "The next review cannot be due before the last review." in str(errors)
    assert publishing_state(condition) == before


# --- query counts ------------------------------------------------------------


def _add_conditions(n: int) -> None:
    mechanism = make_mechanism()
    for _ in range(n):
        condition = make_condition()
        make_finding(condition=condition)
        ConditionMechanism.objects.create(condition=condition, mechanism=mechanism)


def _add_mechanisms(n: int) -> None:
    for _ in range(n):
        make_mechanism()


def _add_faqs(n: int) -> None:
    for _ in range(n):
        make_faq(condition=make_condition())


def _add_terms(n: int) -> None:
    for _ in range(n):
        make_term()


@pytest.mark.parametrize(
    "model, add_rows",
    [
        (Condition, _add_conditions),
        (Mechanism, _add_mechanisms),
        (FAQEntry, _add_faqs),
        (GlossaryTerm, _add_terms),
    ],
    ids=["conditions", "mechanisms", "faqentries", "glossaryterms"],
)
def test_changelist_query_count_does_not_grow_with_rows(
    superuser_client, model, add_rows
):
    url = admin_url(model, "changelist")
    at_5, at_50 = queries_at_5_and_50(superuser_client, url, add_rows)
    print(f"{model.__name__} changelist: {at_5} queries at 5 rows, {at_50} at 50")
    assert model.objects.count() == 50
    assert at_5 == at_50


def _grow_condition(condition: Condition, n: int) -> None:
    for _ in range(n):
        make_finding(condition=condition)
        ConditionMechanism.objects.create(
            condition=condition, mechanism=make_mechanism()
        )


def test_condition_change_page_query_count_does_not_grow_with_inline_rows(
    superuser_client,
):
    condition = make_condition()
    url = admin_url(Condition, "change", condition.pk)
    _grow_condition(condition, 5)
    superuser_client.get(url)
    at_5 = count_queries(superuser_client, url)
    _grow_condition(condition, 45)
    at_50 = count_queries(superuser_client, url)
    print(f"Condition change page: {at_5} queries at 5 rows, {at_50} at 50")
    assert condition.findings.count() == condition.mechanism_links.count() == 50
    assert at_5 == at_50


def test_condition_change_page_findings_inline_query_count_is_constant(
    superuser_client,
):
    """The read-only findings inline on its own (no mechanism links) is N+1 free."""
    condition = make_condition()
    url = admin_url(Condition, "change", condition.pk)
    for _ in range(5):
        make_finding(condition=condition)
    superuser_client.get(url)
    at_5 = count_queries(superuser_client, url)
    for _ in range(45):
        make_finding(condition=condition)
    at_50 = count_queries(superuser_client, url)
    print(f"Condition change page, findings only: {at_5} at 5, {at_50} at 50")
    assert at_5 == at_50


def test_the_condition_page_shows_its_stored_evidence_read_only(reviewer_client):
    condition = make_condition(main_outcome="pain")
    make_studies_of(condition, (30, 40))
    response = reviewer_client.get(admin_url(Condition, "change", condition.pk))
    assert response.status_code == 200
    body = response.text
    assert "evidence by outcome (computed from the findings)" in body.lower()
    summary = condition.evidence_summaries.get(outcome="pain")
    assert summary.certainty_label in body
    for downgrade in summary.downgrades:
        assert downgrade["short"] in body
    # Read-only: the rows are shown, never as form fields.
    assert 'name="evidence_summaries-0-certainty"' not in body
    assert 'name="evidence_summaries-0-outcome"' not in body
