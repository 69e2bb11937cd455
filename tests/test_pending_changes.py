"""Changes to published content wait for review (admin, API, inlines, findings).

An Editor's write to a published item is stored as a pending change; the public
pages, the API and the evidence summaries keep the live version until a Reviewer
approves it (history row with the comment) or sends it back (the Editor sees the
comment).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conditions.models import ConditionMechanism
from ldnsite.editorial.pending import PendingChange, propose, propose_child
from ldnsite.editorial.policy import Status
from studies.evidence import Design, Direction
from studies.models import EvidenceSummary, Finding, Outcome
from tests.admin_helpers import admin_form_data, admin_url, messages_of
from tests.factories import (
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_study,
    make_term,
    make_user,
)

pytestmark = pytest.mark.django_db

NEW_TEXT = "Rewritten by the editor <b>unreviewed</b>"

# (factory, text field shown on the public page, API basename, API lookup field)
CONTENT = {
    "condition": (make_condition, "summary", "condition", "slug"),
    "mechanism": (make_mechanism, "summary", "mechanism", "slug"),
    "study": (make_study, "key_finding", "study", "pk"),
    "faq": (make_faq, "answer", "faqentry", "slug"),
    "glossary": (make_term, "definition", "glossaryterm", "slug"),
}


def api_detail(obj, basename, lookup):
    return reverse(f"{basename}-detail", kwargs={lookup: getattr(obj, lookup)})


def open_changes(obj=None):
    changes = PendingChange.objects.exclude(state=PendingChange.State.APPROVED)
    if obj is not None:
        changes = changes.filter(object_id=obj.pk)
    return changes


def summaries(condition):
    return list(
        EvidenceSummary.objects.filter(condition=condition).values_list(
            "outcome", "direction", "certainty", "studies"
        )
    )


def review(client, change, action, comment=""):
    return client.post(
        reverse("admin:editorial_review", args=[change.pk]),
        {action: "1", "comment": comment},
    )


@pytest.fixture
def reviewer_browser(client, reviewer):
    """A second client for the Reviewer (the `client` fixture is the Editor's)."""
    other = Client()
    other.force_login(reviewer)
    return other


# --- Every content model: admin and API ------------------------------------------


@pytest.mark.parametrize("kind", CONTENT)
def test_an_editors_admin_change_to_a_published_item_waits_for_review(
    editor_client, reviewer_browser, kind
):
    make, field, basename, lookup = CONTENT[kind]
    obj = make()
    live = getattr(obj, field)
    page = editor_client.get(admin_url(type(obj), "change", obj.pk))
    response = editor_client.post(
        admin_url(type(obj), "change", obj.pk),
        admin_form_data(page, **{field: NEW_TEXT}),
        follow=True,
    )
    assert response.status_code == 200
    assert any("waits for review" in m for m in messages_of(response))

    obj.refresh_from_db()
    assert getattr(obj, field) == live
    assert "unreviewed" not in editor_client.get(obj.get_absolute_url()).text
    assert "unreviewed" not in reviewer_browser.get(obj.get_absolute_url()).text
    change = open_changes(obj).get()
    assert change.state == PendingChange.State.WAITING
    assert change.author.username == "alice"

    # The change form says so, and shows the Editor the pending version.
    form = editor_client.get(admin_url(type(obj), "change", obj.pk))
    assert "Changes waiting for review by alice since" in form.text
    assert form.context["adminform"].form.initial[field] == NEW_TEXT
    # The Reviewer's form shows the live version and links to the diff.
    form = reviewer_browser.get(admin_url(type(obj), "change", obj.pk))
    assert form.context["adminform"].form.initial[field] == live
    assert reverse("admin:editorial_review", args=[change.pk]) in form.text

    # The queue lists it; the diff shows both versions, escaped.
    index = reviewer_browser.get(reverse("admin:index"))
    assert str(obj) in index.text and "Change to a published item" in index.text
    diff = reviewer_browser.get(reverse("admin:editorial_review", args=[change.pk]))
    assert diff.status_code == 200
    assert "&lt;b&gt;unreviewed&lt;/b&gt;" in diff.text
    assert "<b>unreviewed</b>" not in diff.text
    assert live in diff.text

    # Approval publishes it, with the comment in the history.
    response = review(reviewer_browser, change, "approve", "Checked against source")
    assert response.status_code == 302
    obj.refresh_from_db()
    assert getattr(obj, field) == NEW_TEXT
    assert obj.status == Status.PUBLISHED
    latest = obj.history.first()
    assert latest.history_change_reason == "Checked against source"
    assert latest.history_user.username == "bob"
    assert not open_changes(obj).exists()
    assert "unreviewed" in reviewer_browser.get(obj.get_absolute_url()).text


@pytest.mark.parametrize("kind", CONTENT)
def test_an_editors_api_change_to_a_published_item_answers_202(
    api_as, api, editor, reviewer, kind
):
    make, field, basename, lookup = CONTENT[kind]
    obj = make()
    url = api_detail(obj, basename, lookup)
    before = api.get(url).json()
    response = api_as(editor).patch(url, {field: NEW_TEXT}, format="json")
    assert response.status_code == 202, response.content
    change = open_changes(obj).get()
    assert response["Location"].endswith(f"/api/v1/pending-changes/{change.pk}/")
    assert response.json()["data"]["fields"][field] == NEW_TEXT
    assert response.json()["author"] == "alice"
    assert api.get(url).json() == before

    # A second write refines the same change.
    response = api_as(editor).patch(url, {field: NEW_TEXT + "!"}, format="json")
    assert response.status_code == 202
    assert open_changes(obj).get().data["fields"][field] == NEW_TEXT + "!"

    # Staff read it at its address; others may not.
    assert api_as(reviewer).get(response["Location"]).status_code == 200
    assert api.get(response["Location"]).status_code in (401, 403)

    # The Reviewer's own writes go live.
    response = api_as(reviewer).patch(url, {field: "Reviewer text"}, format="json")
    assert response.status_code == 200
    obj.refresh_from_db()
    assert getattr(obj, field) == "Reviewer text"


@pytest.mark.parametrize("kind", CONTENT)
def test_changes_to_drafts_go_live(api_as, editor, kind):
    make, field, basename, lookup = CONTENT[kind]
    obj = make(status=Status.DRAFT, published_at=None)
    response = api_as(editor).patch(
        api_detail(obj, basename, lookup), {field: NEW_TEXT}, format="json"
    )
    assert response.status_code == 200
    obj.refresh_from_db()
    assert getattr(obj, field) == NEW_TEXT
    assert not PendingChange.objects.exists()


# --- Findings: the evidence waits too ---------------------------------------------


@pytest.fixture
def evidence():
    """A published condition graded by one published RCT showing benefit."""
    condition = make_condition(name="Neuropathic pain")
    study = make_study(title="A published trial", sample_size=200)
    finding = make_finding(study=study, condition=condition)
    return condition, study, finding


def condition_api(api, condition):
    return api.get(reverse("condition-detail", kwargs={"slug": condition.slug})).json()


def test_a_harm_finding_added_through_the_api_waits(
    api, api_as, editor, reviewer, reviewer_browser, evidence
):
    condition, _, _ = evidence
    other = make_study(title="Another trial", design=Design.RCT, sample_size=500)
    before = summaries(condition)
    public = condition_api(api, condition)
    response = api_as(editor).post(
        reverse("finding-list"),
        {
            "study_id": other.pk,
            "condition_slug": condition.slug,
            "outcome": Outcome.PAIN,
            "direction": Direction.HARM,
            "effect": "Pain rose in the LDN arm.",
        },
        format="json",
    )
    assert response.status_code == 202, response.content
    assert not Finding.objects.filter(study=other).exists()
    assert summaries(condition) == before
    assert condition_api(api, condition) == public
    assert "Pain rose" not in api.get(other.get_absolute_url()).text

    change = open_changes(other).get()
    diff = reviewer_browser.get(reverse("admin:editorial_review", args=[change.pk]))
    assert "Pain rose in the LDN arm." in diff.text and "Added" in diff.text

    assert review(reviewer_browser, change, "approve", "Harm confirmed").status_code
    finding = Finding.objects.get(study=other)
    assert finding.direction == Direction.HARM
    assert finding.history.first().history_change_reason == "Harm confirmed"
    assert summaries(condition) != before
    assert condition_api(api, condition) != public


def test_patching_a_public_findings_direction_waits(
    api, api_as, editor, reviewer_browser, evidence
):
    condition, study, finding = evidence
    before = summaries(condition)
    url = reverse("finding-detail", kwargs={"pk": finding.pk})
    response = api_as(editor).patch(url, {"direction": Direction.HARM}, format="json")
    assert response.status_code == 202, response.content
    finding.refresh_from_db()
    assert finding.direction == Direction.BENEFIT
    assert api.get(url).json()["direction"] == Direction.BENEFIT
    assert summaries(condition) == before

    change = open_changes(study).get()
    diff = reviewer_browser.get(reverse("admin:editorial_review", args=[change.pk]))
    assert "Changed" in diff.text and "Harm" in diff.text
    review(reviewer_browser, change, "approve", "Direction corrected")
    finding.refresh_from_db()
    assert finding.direction == Direction.HARM
    assert summaries(condition) != before


def test_moving_a_finding_from_a_draft_study_onto_a_published_one_waits(
    api, api_as, editor, reviewer_browser, evidence
):
    condition, study, _ = evidence
    draft = make_study(status=Status.DRAFT, published_at=None)
    moved = make_finding(
        study=draft, condition=condition, outcome=Outcome.FATIGUE, effect="Moved."
    )
    before = summaries(condition)
    response = api_as(editor).patch(
        reverse("finding-detail", kwargs={"pk": moved.pk}),
        {"study_id": study.pk},
        format="json",
    )
    assert response.status_code == 202, response.content
    moved.refresh_from_db()
    assert moved.study == draft
    assert summaries(condition) == before
    assert "Moved." not in api.get(study.get_absolute_url()).text

    change = open_changes(study).get()
    review(reviewer_browser, change, "approve", "Belongs to this trial")
    moved.refresh_from_db()
    assert moved.study == study
    assert summaries(condition) != before


def test_moving_a_public_finding_off_its_study_waits(
    api_as, editor, reviewer_browser, evidence
):
    condition, study, finding = evidence
    draft = make_study(status=Status.DRAFT, published_at=None)
    response = api_as(editor).patch(
        reverse("finding-detail", kwargs={"pk": finding.pk}),
        {"study_id": draft.pk},
        format="json",
    )
    assert response.status_code == 202
    finding.refresh_from_db()
    assert finding.study == study
    review(reviewer_browser, open_changes(study).get(), "approve", "Moved")
    finding.refresh_from_db()
    assert finding.study == draft  # moved, not deleted


def test_findings_added_through_the_admin_inline_wait(
    editor_client, reviewer_browser, evidence
):
    condition, study, _ = evidence
    before = summaries(condition)
    page = editor_client.get(admin_url(type(study), "change", study.pk))
    data = admin_form_data(
        page,
        **{
            "findings-TOTAL_FORMS": "2",
            "findings-1-condition": str(condition.pk),
            "findings-1-outcome": Outcome.SLEEP,
            "findings-1-direction": Direction.HARM,
            "findings-1-effect": "Vivid dreams <i>kept</i> people awake.",
        },
    )
    response = editor_client.post(admin_url(type(study), "change", study.pk), data)
    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"][0].formset
    ]
    assert study.findings.count() == 1
    assert summaries(condition) == before

    # The Editor keeps refining the pending version: the new row is on the form.
    page = editor_client.get(admin_url(type(study), "change", study.pk))
    formset = page.context["inline_admin_formsets"][0].formset
    assert "Vivid dreams" in page.text
    assert len(formset.forms) >= 2
    data = admin_form_data(page, **{"key_finding": "Refined."})
    # Keep the pending new row (an extra form the helper leaves out).
    new = next(f for f in formset.forms if getattr(f, "pending_new", False))
    data["findings-TOTAL_FORMS"] = str(len(formset.initial_forms) + 1)
    for name in ("condition", "outcome", "direction", "effect"):
        value = new.initial.get(name, "")
        data[f"findings-{len(formset.initial_forms)}-{name}"] = str(value)
    response = editor_client.post(admin_url(type(study), "change", study.pk), data)
    assert response.status_code == 302
    change = open_changes(study).get()
    assert len(change.data["children"]["findings"]) == 2
    assert change.data["fields"]["key_finding"] == "Refined."

    diff = reviewer_browser.get(reverse("admin:editorial_review", args=[change.pk]))
    assert "Vivid dreams &lt;i&gt;kept&lt;/i&gt; people awake." in diff.text
    review(reviewer_browser, change, "approve", "Adverse event added")
    assert study.findings.count() == 2
    assert summaries(condition) != before
    study.refresh_from_db()
    assert study.key_finding == "Refined."


def test_a_mechanism_link_added_through_the_admin_inline_waits(
    api, editor_client, reviewer_browser
):
    condition = make_condition()
    mechanism = make_mechanism(name="Glial modulation")
    url = reverse("condition-detail", kwargs={"slug": condition.slug})
    page = editor_client.get(admin_url(type(condition), "change", condition.pk))
    data = admin_form_data(
        page,
        **{
            "mechanism_links-TOTAL_FORMS": "1",
            "mechanism_links-0-mechanism": str(mechanism.pk),
        },
    )
    response = editor_client.post(
        admin_url(type(condition), "change", condition.pk), data
    )
    assert response.status_code == 302
    assert not ConditionMechanism.objects.exists()
    assert api.get(url).json()["mechanisms"] == []
    assert "Glial modulation" not in api.get(condition.get_absolute_url()).text

    change = open_changes(condition).get()
    diff = reviewer_browser.get(reverse("admin:editorial_review", args=[change.pk]))
    assert "Glial modulation" in diff.text
    review(reviewer_browser, change, "approve", "Linked")
    assert ConditionMechanism.objects.filter(
        condition=condition, mechanism=mechanism
    ).exists()
    assert [m["slug"] for m in api.get(url).json()["mechanisms"]] == [mechanism.slug]


def test_a_finding_changed_on_its_own_admin_page_waits(
    editor_client, reviewer_browser, evidence
):
    condition, study, finding = evidence
    page = editor_client.get(admin_url(Finding, "change", finding.pk))
    response = editor_client.post(
        admin_url(Finding, "change", finding.pk),
        admin_form_data(page, direction=Direction.NO_EFFECT),
        follow=True,
    )
    assert any("waits for review" in m for m in messages_of(response))
    finding.refresh_from_db()
    assert finding.direction == Direction.BENEFIT
    assert open_changes(study).exists()


# --- Reviewing ---------------------------------------------------------------------


def test_send_back_shows_the_comment_to_the_editor(
    api_as, editor, editor_client, reviewer_browser
):
    condition = make_condition()
    url = reverse("condition-detail", kwargs={"slug": condition.slug})
    api_as(editor).patch(url, {"summary": "Too strong a claim."}, format="json")
    change = open_changes(condition).get()

    # A comment is required to send back.
    response = review(reviewer_browser, change, "send_back", "")
    assert response.status_code == 200
    assert response.context["form"].errors
    response = review(reviewer_browser, change, "send_back", "Cite the <trial>.")
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.state == PendingChange.State.SENT_BACK

    form = editor_client.get(admin_url(type(condition), "change", condition.pk))
    assert "Sent back" in form.text and "Cite the &lt;trial&gt;." in form.text
    index = editor_client.get(reverse("admin:index"))
    assert "Cite the &lt;trial&gt;." in index.text

    # Saving again sends it for review again.
    api_as(editor).patch(url, {"summary": "A measured claim."}, format="json")
    change.refresh_from_db()
    assert change.state == PendingChange.State.WAITING
    condition.refresh_from_db()
    assert condition.summary == "A condition."


def test_only_reviewers_approve(api_as, editor, editor_client):
    condition = make_condition()
    api_as(editor).patch(
        reverse("condition-detail", kwargs={"slug": condition.slug}),
        {"summary": "Mine."},
        format="json",
    )
    change = open_changes(condition).get()
    page = editor_client.get(reverse("admin:editorial_review", args=[change.pk]))
    assert page.status_code == 200 and "Approve" not in page.text
    assert review(editor_client, change, "approve").status_code == 403
    condition.refresh_from_db()
    assert condition.summary == "A condition."


def test_a_proposal_equal_to_the_live_version_withdraws_the_change(api_as, editor):
    condition = make_condition()
    url = reverse("condition-detail", kwargs={"slug": condition.slug})
    assert api_as(editor).patch(url, {"summary": "X"}, format="json").status_code == 202
    response = api_as(editor).patch(url, {"summary": "A condition."}, format="json")
    assert response.status_code == 200
    assert not PendingChange.objects.exists()


def test_review_pages_refuse_odd_ids(reviewer_browser):
    for pk in ("0", "99999", str(2**64)):
        response = reviewer_browser.get(f"/admin/ldnsite/pendingchange/{pk}/review/")
        assert response.status_code == 404


def test_the_queue_lists_items_in_review_and_changes_oldest_first(
    api_as, editor, reviewer_browser
):
    first = make_condition(name="First waiting")
    api_as(editor).patch(
        reverse("condition-detail", kwargs={"slug": first.slug}),
        {"summary": "Changed."},
        format="json",
    )
    draft = make_term(term="Second waiting", status=Status.DRAFT, published_at=None)
    draft._history_user = editor
    draft.status = Status.IN_REVIEW
    draft.save()
    index = reviewer_browser.get(reverse("admin:index"))
    queue = index.context["review_queue"]
    assert [row["title"] for row in queue] == ["First waiting", "Second waiting"]
    assert [row["who"] for row in queue] == ["alice", "alice"]
    assert queue[1]["kind"] == "New item in review"


def make_changes(count: int, editor) -> None:
    """`count` pending changes, half to conditions, half to studies."""
    for i in range(count):
        obj = make_condition() if i % 2 else make_study()
        obj.summary = f"Changed {i}"
        propose(obj, user=editor)


def queue_queries(client) -> tuple[int, int]:
    client.get(reverse("admin:index"))  # warm the caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return len(queries), len(response.context["review_queue"])


def test_the_queue_page_runs_a_fixed_number_of_queries(
    editor, reviewer, django_assert_num_queries
):
    client = Client()
    client.force_login(reviewer)
    in_review = make_term(status=Status.IN_REVIEW, published_at=None)
    in_review.history.update(history_user=editor)
    make_changes(2, editor)
    few, rows = queue_queries(client)
    assert rows == 3
    make_changes(18, editor)
    make_term(status=Status.IN_REVIEW, published_at=None)
    with django_assert_num_queries(few):
        response = client.get(reverse("admin:index"))
    assert len(response.context["review_queue"]) == 22


def test_the_pending_changes_endpoint_runs_a_fixed_number_of_queries(
    api_as, editor, reviewer, django_assert_num_queries
):
    client = api_as(reviewer)
    make_changes(2, editor)
    client.get(reverse("pendingchange-list"))
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(reverse("pendingchange-list")).json()["results"]) == 2
    make_changes(18, editor)
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("pendingchange-list"))
    assert len(response.json()["results"]) == 20


def test_an_editors_revert_of_a_published_item_waits_for_review(
    editor_client, reviewer
):
    condition = make_condition(summary="First.")
    first = condition.history.get()
    condition.summary = "Second."
    condition._history_user = reviewer
    condition.save()
    url = reverse(
        "admin:conditions_condition_simple_history",
        args=[condition.pk, first.history_id],
    )
    response = editor_client.post(url, admin_form_data(editor_client.get(url)))
    assert response.status_code == 302
    condition.refresh_from_db()
    assert condition.summary == "Second."
    assert open_changes(condition).get().data["fields"]["summary"] == "First."


def test_staff_only_read_pending_changes(api, api_as, editor):
    visitor = make_user("carol")
    assert api.get(reverse("pendingchange-list")).status_code in (401, 403)
    assert api_as(visitor).get(reverse("pendingchange-list")).status_code == 403
    assert api_as(editor).get(reverse("pendingchange-list")).status_code == 200


def test_the_review_page_runs_a_fixed_number_of_queries(
    editor, reviewer_browser, django_assert_num_queries
):
    def page_for(rows: int) -> str:
        study = make_study()
        for _ in range(rows):
            make_finding(study=study)
        finding = study.findings.first()
        finding.effect = "Edited."
        saved = Finding.objects.get(pk=finding.pk)
        change = propose_child(editor, finding, saved=saved)
        return reverse("admin:editorial_review", args=[change.pk])

    few = page_for(2)
    reviewer_browser.get(few)
    with CaptureQueriesContext(connection) as queries:
        assert reviewer_browser.get(few).status_code == 200
    many = page_for(20)
    with django_assert_num_queries(len(queries)):
        response = reviewer_browser.get(many)
    assert response.text.count("Unchanged") == 19


def test_approval_keeps_rows_added_live_after_the_proposal(
    api_as, editor, reviewer_browser, evidence
):
    condition, study, finding = evidence
    url = reverse("finding-detail", kwargs={"pk": finding.pk})
    api_as(editor).patch(url, {"effect": "Edited."}, format="json")
    added = make_finding(study=study, condition=condition, outcome=Outcome.MOOD)
    change = open_changes(study).get()
    diff = reviewer_browser.get(reverse("admin:editorial_review", args=[change.pk]))
    assert "Removed" not in diff.text
    review(reviewer_browser, change, "approve", "Fine")
    assert set(study.findings.values_list("pk", flat=True)) == {finding.pk, added.pk}
    finding.refresh_from_db()
    assert finding.effect == "Edited."


def test_an_admin_save_of_fields_alone_proposes_no_rows(editor_client, evidence):
    _, study, _ = evidence
    page = editor_client.get(admin_url(type(study), "change", study.pk))
    editor_client.post(
        admin_url(type(study), "change", study.pk),
        admin_form_data(page, key_finding="Only this."),
    )
    assert open_changes(study).get().data["children"] == {}


def test_a_finding_added_on_its_own_admin_page_waits(editor_client, evidence):
    condition, study, _ = evidence
    page = editor_client.get(admin_url(Finding, "add"))
    response = editor_client.post(
        admin_url(Finding, "add"),
        admin_form_data(
            page,
            study=str(study.pk),
            condition=str(condition.pk),
            outcome=Outcome.SLEEP,
            direction=Direction.HARM,
            effect="Added on its own page.",
        ),
        follow=True,
    )
    assert any("waits for review" in m for m in messages_of(response))
    assert study.findings.count() == 1
    rows = open_changes(study).get().data["children"]["findings"]
    assert [r["effect"] for r in rows if r["id"] is None] == ["Added on its own page."]


def test_an_approval_the_models_refuse_writes_nothing(api_as, editor, reviewer_browser):
    condition = make_condition()
    url = reverse("condition-detail", kwargs={"slug": condition.slug})
    api_as(editor).patch(url, {"slug": "taken", "summary": "New."}, format="json")
    make_condition(slug="taken")  # saved meanwhile
    change = open_changes(condition).get()
    response = review(reviewer_browser, change, "approve", "Go")
    assert response.status_code == 200
    assert any("cannot go live" in m for m in messages_of(response))
    condition.refresh_from_db()
    assert condition.summary == "A condition."
    change.refresh_from_db()
    assert change.state == PendingChange.State.WAITING
