"""The editorial workflow, once for every content model.

Conditions, mechanisms, studies, FAQ entries and glossary terms share one
workflow (`ldnsite.editorial`): the public rule with scheduled publishing and
unpublishing, the preview rule of pages and API, the status moves by list
action and by change-form button, the reason of a save, reverts, and text
that a form or the API saves untouched changing nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from conditions.models import (
    Condition,
    ConditionMechanism,
    FAQEntry,
    GlossaryTerm,
    Mechanism,
)
from ldnsite.editorial.pending import PendingChange
from ldnsite.editorial.policy import (
    Status,
    may_preview,
    next_scheduled_change,
    published_q,
)
from studies.models import Study, StudyMechanism
from tests.admin_helpers import (
    PUBLISH_ATTEMPT,
    admin_form_data,
    admin_url,
    form_errors,
    messages_of,
    publishing_state,
    run_action,
)
from tests.factories import (
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_staff,
    make_study,
    make_term,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()
HOUR = datetime.timedelta(hours=1)
DRAFT = {"status": Status.DRAFT, "published_at": None}


@dataclass(frozen=True)
class Content:
    model: type
    make: object
    text: str  # a Markdown or plain text field staff write in a textarea
    endpoint: str  # under /api/v1/
    key: str  # the API's lookup field
    has_page: bool  # a detail page of its own (FAQ and glossary are lists)

    def api_url(self, obj=None) -> str:
        if obj is None:
            return f"/api/v1/{self.endpoint}/"
        return f"/api/v1/{self.endpoint}/{getattr(obj, self.key)}/"


CONTENT = [
    pytest.param(
        Content(Condition, make_condition, "body", "conditions", "slug", True),
        id="condition",
    ),
    pytest.param(
        Content(Mechanism, make_mechanism, "body", "mechanisms", "slug", True),
        id="mechanism",
    ),
    pytest.param(
        Content(Study, make_study, "summary", "studies", "pk", True), id="study"
    ),
    pytest.param(Content(FAQEntry, make_faq, "answer", "faq", "slug", False), id="faq"),
    pytest.param(
        Content(GlossaryTerm, make_term, "definition", "glossary", "slug", False),
        id="glossary",
    ),
]
WITH_PAGES = [p for p in CONTENT if p.values[0].has_page]


@pytest.fixture(params=CONTENT)
def content(request) -> Content:
    return request.param


def change_url(obj) -> str:
    return admin_url(type(obj), "change", obj.pk)


def revert_url(obj, record) -> str:
    opts = type(obj)._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, record.history_id],
    )


def changed_fields(obj) -> list[str]:
    """The fields the latest history row changed, as History lists them."""
    latest, previous = obj.history.all()[:2]
    delta = latest.diff_against(previous, excluded_fields=["updated_at"])
    return sorted(delta.changed_fields)


# --- the public rule, with scheduled publishing and unpublishing -------------


def test_published_hides_every_state_the_public_may_not_see(content):
    public = content.make()
    ends_later = content.make(unpublish_at=NOW + HOUR)
    hidden = [
        content.make(**DRAFT),
        content.make(status=Status.IN_REVIEW, published_at=None),
        content.make(status=Status.ARCHIVED),
        content.make(published_at=NOW + HOUR),
        content.make(published_at=NOW - 2 * HOUR, unpublish_at=NOW - HOUR),
    ]
    assert set(content.model.objects.published()) == {public, ends_later}
    assert not (
        content.model.objects.published().filter(pk__in=[h.pk for h in hidden]).exists()
    )


def test_scheduled_items_appear_and_disappear_with_the_clock(content):
    item = content.make(published_at=NOW + HOUR, unpublish_at=NOW + 3 * HOUR)
    shown = content.model.objects.filter(pk=item.pk)
    assert not shown.filter(published_q(now=NOW)).exists()
    assert shown.filter(published_q(now=NOW + 2 * HOUR)).exists()
    assert not shown.filter(published_q(now=NOW + 3 * HOUR)).exists()


def test_next_scheduled_change_is_the_earliest_future_appearance_or_end():
    make_condition(published_at=NOW + 5 * HOUR)
    make_study(unpublish_at=NOW + 2 * HOUR)
    make_study(unpublish_at=NOW - HOUR, published_at=NOW - 2 * HOUR)  # past
    make_mechanism(status=Status.DRAFT, published_at=NOW + HOUR)  # not scheduled
    make_term()

    assert next_scheduled_change([Condition, Study], NOW) == NOW + 2 * HOUR
    assert next_scheduled_change([Condition], NOW) == NOW + 5 * HOUR
    assert next_scheduled_change([Condition], NOW + 6 * HOUR) is None
    assert next_scheduled_change([Mechanism, GlossaryTerm], NOW) is None


def test_the_end_must_come_after_the_start(content, reviewer_client):
    item = content.make()
    url = change_url(item)
    start = timezone.localtime(item.published_at)

    response = reviewer_client.post(
        url,
        admin_form_data(
            reviewer_client.get(url),
            unpublish_at_0=(start - datetime.timedelta(days=1)).date().isoformat(),
            unpublish_at_1="10:00:00",
        ),
    )

    assert "after the publication time" in str(form_errors(response))
    item.refresh_from_db()
    assert item.unpublish_at is None


def test_a_reviewer_schedules_the_end_and_the_api_shows_it(
    content, reviewer_client, api
):
    item = content.make()
    url = change_url(item)
    end = timezone.localtime(NOW + datetime.timedelta(days=3))

    response = reviewer_client.post(
        url,
        admin_form_data(
            reviewer_client.get(url),
            unpublish_at_0=end.date().isoformat(),
            unpublish_at_1="09:30:00",
        ),
    )

    assert response.status_code == 302, form_errors(response)
    item.refresh_from_db()
    assert timezone.localtime(item.unpublish_at).date() == end.date()
    body = api.get(content.api_url(item)).json()
    assert body["unpublish_at"] is not None


def test_an_editor_cannot_schedule_the_end(content, editor_client, api_as, editor):
    item = content.make()
    url = change_url(item)
    later = (NOW + datetime.timedelta(days=3)).date().isoformat()

    editor_client.post(
        url,
        admin_form_data(
            editor_client.get(url), unpublish_at_0=later, unpublish_at_1="09:00:00"
        ),
    )
    response = api_as(editor).patch(
        content.api_url(item), {"unpublish_at": f"{later}T09:00:00Z"}, format="json"
    )

    assert response.status_code == 403
    assert "unpublish_at" in response.json()["detail"]
    item.refresh_from_db()
    assert item.unpublish_at is None


@pytest.mark.parametrize("content", WITH_PAGES)
def test_an_ended_item_leaves_its_page_and_the_api(content, client, api):
    item = content.make(published_at=NOW - 2 * HOUR, unpublish_at=NOW - HOUR)
    assert client.get(item.get_absolute_url()).status_code == 404
    assert api.get(content.api_url(item)).status_code == 404


def test_publishing_again_clears_an_end_already_passed(content, reviewer_client):
    item = content.make(
        status=Status.ARCHIVED, published_at=NOW - 2 * HOUR, unpublish_at=NOW - HOUR
    )
    run_action(reviewer_client, content.model, "publish", item)
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert item.unpublish_at is None
    assert content.model.objects.published().filter(pk=item.pk).exists()


# --- the preview rule: pages and API ------------------------------------------


PREVIEW_REFUSED = {
    # in the Editor group, never staff
    "not staff": {"role": "Editor", "is_staff": False},
    # an Editor whose "staff status" was unticked after the token was issued
    "staff status unticked": {"role": "Editor", "is_staff": False},
    # an Editor made inactive
    "inactive": {"role": "Editor", "is_active": False},
    # staff without any content permission
    "no permission": {"role": None},
}


def _refused_user(kind: str):
    values = PREVIEW_REFUSED[kind]
    user = make_staff(kind.replace(" ", "_"), role=values["role"])
    if kind == "staff status unticked":
        Token.objects.create(user=user)  # issued while staff, kept afterwards
    for name in ("is_staff", "is_active"):
        if name in values:
            setattr(user, name, values[name])
    user.save()
    return user


@pytest.mark.parametrize("kind", PREVIEW_REFUSED)
def test_without_active_staff_no_api_write_nor_draft_read(content, api_as, kind):
    # An inactive user's token is refused before any permission check.
    user = _refused_user(kind)
    client = api_as(user)
    draft = content.make(**DRAFT)
    public = content.make()
    refused = 401 if kind == "inactive" else 403

    assert may_preview(user, content.model) is False
    if kind != "inactive":
        assert client.get(content.api_url(draft)).status_code == 404
        listed = client.get(content.api_url()).json()["results"]
        assert len(listed) == 1
    patch = client.patch(
        content.api_url(public), {content.text: "Changed."}, format="json"
    )
    assert patch.status_code == refused, patch.content
    public.refresh_from_db()
    assert getattr(public, content.text) != "Changed."


def test_a_staff_editor_writes_and_reads_drafts_through_the_api(
    content, api_as, editor
):
    client = api_as(editor)
    draft = content.make(**DRAFT)

    assert may_preview(editor, content.model)
    assert client.get(content.api_url(draft)).status_code == 200
    response = client.patch(
        content.api_url(draft), {content.text: "Changed."}, format="json"
    )
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert getattr(draft, content.text) == "Changed."


def test_a_non_staff_editor_cannot_write_findings(api_as):
    user = _refused_user("not staff")
    finding = make_finding()
    response = api_as(user).patch(
        f"/api/v1/findings/{finding.pk}/", {"effect": "Changed."}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("content", WITH_PAGES)
@pytest.mark.parametrize("kind", PREVIEW_REFUSED)
def test_without_active_staff_no_page_preview(content, client, kind):
    draft = content.make(**DRAFT)
    client.force_login(_refused_user(kind))
    assert client.get(draft.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("content", WITH_PAGES)
def test_a_staff_editor_previews_a_draft_page(content, editor_client):
    draft = content.make(**DRAFT)
    response = editor_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert response.context["is_preview"] is True


# --- status moves: list actions ---------------------------------------------


def test_an_editor_change_cannot_alter_the_publishing_fields(content, editor_client):
    item = content.make(
        status=Status.IN_REVIEW,
        published_at=None,
        last_reviewed=None,
        next_review_due=None,
    )
    before = publishing_state(item)
    url = change_url(item)

    response = editor_client.post(
        url,
        admin_form_data(
            editor_client.get(url), **{content.text: "Edited."}, **PUBLISH_ATTEMPT
        ),
    )

    assert response.status_code == 302, form_errors(response)
    assert publishing_state(item) == before
    assert getattr(item, content.text) == "Edited."


def test_an_editor_submits_drafts_for_review_by_action(content, editor_client, editor):
    draft = content.make(**DRAFT)
    public = content.make()

    response = run_action(
        editor_client, content.model, "submit_for_review", draft, public
    )

    assert response.status_code == 302
    assert publishing_state(draft)[0] == Status.IN_REVIEW
    assert publishing_state(public)[0] == Status.PUBLISHED  # only drafts move
    latest = draft.history.latest()
    assert (latest.status, latest.history_user) == (Status.IN_REVIEW, editor)
    assert latest.history_change_reason == "Submitted for review"
    assert public.history.count() == 1


@pytest.mark.parametrize(
    "action, reason, status",
    [("publish", "Published", Status.PUBLISHED), ("archive", "Archived", None)],
)
def test_a_reviewer_publishes_and_archives_by_action(
    content, reviewer_client, reviewer, action, reason, status
):
    items = [
        content.make(status=Status.IN_REVIEW, published_at=None),
        content.make(**DRAFT),
    ]
    kept = NOW - datetime.timedelta(days=30)
    earlier = content.make(status=Status.IN_REVIEW, published_at=kept)
    before = timezone.now()

    response = run_action(
        reviewer_client, content.model, action, *items, earlier, follow=True
    )

    plural = content.model._meta.verbose_name_plural
    assert f"3 {plural} {reason.lower()}." in messages_of(response)
    assert publishing_state(earlier)[1] == kept  # a first publication stays
    for item in items:
        state, published_at, *_ = publishing_state(item)
        assert state == (status or Status.ARCHIVED)
        if action == "publish":
            assert before <= published_at <= timezone.now()
        latest = item.history.latest()
        assert (latest.history_user, latest.history_change_reason) == (
            reviewer,
            reason,
        )


# --- status moves: change-form buttons --------------------------------------------


def buttons(response) -> list[str]:
    return [step.name for step in response.context["workflow_buttons"]]


def test_an_editor_is_offered_only_submit_for_review(content, editor_client):
    draft = content.make(**DRAFT)
    in_review = content.make(status=Status.IN_REVIEW, published_at=None)

    page = editor_client.get(change_url(draft))

    assert buttons(page) == ["submit_for_review"]
    assert b'name="_workflow_submit_for_review"' in page.content
    assert b'name="_workflow_publish"' not in page.content
    assert buttons(editor_client.get(change_url(in_review))) == []


def test_a_reviewer_is_offered_publish_and_archive(content, reviewer_client):
    in_review = content.make(status=Status.IN_REVIEW, published_at=None)
    public = content.make()

    assert buttons(reviewer_client.get(change_url(in_review))) == [
        "publish",
        "archive",
    ]
    assert buttons(reviewer_client.get(change_url(public))) == ["archive"]
    assert buttons(reviewer_client.get(admin_url(content.model, "add"))) == []


def test_submit_for_review_button_saves_then_moves(content, editor_client, editor):
    draft = content.make(**DRAFT)
    url = change_url(draft)
    data = admin_form_data(
        editor_client.get(url),
        **{content.text: "Ready now.", "_workflow_submit_for_review": "Submit"},
    )

    response = editor_client.post(url, data, follow=True)

    assert response.redirect_chain[-1][0] == url  # back on the item
    assert any("submitted for review" in m for m in messages_of(response))
    draft.refresh_from_db()
    assert (draft.status, getattr(draft, content.text)) == (
        Status.IN_REVIEW,
        "Ready now.",
    )
    assert draft.history.count() == 2  # one row: the edit and the move together
    latest = draft.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        editor,
        "Submitted for review",
    )


def test_publish_button_publishes_with_the_typed_reason(content, reviewer_client):
    item = content.make(status=Status.IN_REVIEW, published_at=None)
    url = change_url(item)
    data = admin_form_data(
        reviewer_client.get(url),
        change_reason="Checked against the source",
        _workflow_publish="Publish",
    )

    reviewer_client.post(url, data)

    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert item.published_at is not None
    latest = item.history.latest()
    assert latest.history_change_reason == "Checked against the source"


def test_an_editor_pressing_a_forged_publish_button_publishes_nothing(
    content, editor_client
):
    item = content.make(status=Status.IN_REVIEW, published_at=None)
    url = change_url(item)
    data = admin_form_data(editor_client.get(url), _workflow_publish="Publish")

    response = editor_client.post(url, data, follow=True)

    assert any("may not publish" in m for m in messages_of(response))
    assert publishing_state(item)[:2] == (Status.IN_REVIEW, None)


# --- reasons, reverts, history ------------------------------------------------


@pytest.mark.parametrize("role", ["Editor", "Reviewer"])
def test_a_form_save_records_the_user_and_the_reason(content, client, role):
    user = make_staff("someone", role=role)
    client.force_login(user)
    # An Editor's save of a published item waits for review (tested below).
    item = content.make(**(DRAFT if role == "Editor" else {}))
    if content.model is Condition:  # inline rows on the form save no history
        ConditionMechanism.objects.create(condition=item, mechanism=make_mechanism())
    if content.model is Study:
        make_finding(study=item)
        StudyMechanism.objects.create(study=item, mechanism=make_mechanism())
    url = change_url(item)
    page = client.get(url)
    assert "Reason for this change" in page.content.decode()

    response = client.post(
        url,
        admin_form_data(
            page, **{content.text: "New wording."}, change_reason="  Typo  fixed "
        ),
    )

    assert response.status_code == 302, form_errors(response)
    assert item.history.count() == 2
    latest = item.history.latest()
    assert (latest.history_type, latest.history_user) == ("~", user)
    assert latest.history_change_reason == "Typo fixed"
    assert changed_fields(item) == [content.text]
    history = client.get(admin_url(content.model, "history", item.pk))
    assert "Typo fixed" in history.content.decode()


def test_an_editors_reason_goes_with_the_change_waiting_for_review(
    content, editor_client, reviewer
):
    item = content.make()
    url = change_url(item)
    response = editor_client.post(
        url,
        admin_form_data(
            editor_client.get(url),
            **{content.text: "Proposed wording."},
            change_reason="Newer source",
        ),
    )
    assert response.status_code == 302, form_errors(response)
    item.refresh_from_db()
    assert getattr(item, content.text) != "Proposed wording."
    assert item.history.count() == 1
    change = PendingChange.objects.get()
    assert change.reason == "Newer source"
    # The Reviewer sees the reason beside the change.
    reviewer_client = Client()
    reviewer_client.force_login(reviewer)
    review = reviewer_client.get(reverse("admin:editorial_review", args=[change.pk]))
    assert review.status_code == 200
    assert "Newer source" in review.content.decode()


def test_a_reason_longer_than_the_history_keeps_is_a_form_error(
    content, reviewer_client
):
    item = content.make()
    url = change_url(item)
    response = reviewer_client.post(
        url, admin_form_data(reviewer_client.get(url), change_reason="x" * 101)
    )
    assert "change_reason" in form_errors(response)


def test_an_api_write_records_the_reason(content, api_as, reviewer):
    item = content.make()
    client = api_as(reviewer)

    response = client.patch(
        content.api_url(item),
        {content.text: "Better.", "reason": "Reader feedback"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert "reason" not in response.json()  # write-only
    assert item.history.latest().history_change_reason == "Reader feedback"


def test_an_api_create_records_the_reason(api_as, reviewer):
    response = api_as(reviewer).post(
        "/api/v1/glossary/",
        {"term": "OGF", "slug": "ogf", "definition": "D.", "reason": "New term"},
        format="json",
    )
    assert response.status_code == 201, response.content
    term = GlossaryTerm.objects.get(slug="ogf")
    assert term.history.get().history_change_reason == "New term"


def test_a_finding_write_records_the_reason(api_as, reviewer):
    finding = make_finding()
    response = api_as(reviewer).patch(
        f"/api/v1/findings/{finding.pk}/",
        {"effect": "Pain fell by 30%.", "reason": "Figures checked"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert finding.history.latest().history_change_reason == "Figures checked"


def test_inline_rows_share_the_parents_reason(reviewer_client):
    finding = make_finding(effect="Old.")
    study = finding.study
    url = change_url(study)
    data = admin_form_data(
        reviewer_client.get(url),
        **{"findings-0-effect": "New."},
        change_reason="Effect corrected",
    )

    response = reviewer_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    assert finding.history.latest().history_change_reason == "Effect corrected"
    assert study.history.latest().history_change_reason == "Effect corrected"


@pytest.mark.parametrize("who", ["reviewer", "superuser"])
def test_a_revert_restores_and_is_recorded_as_a_revert(content, client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    author = make_staff("author", role="Editor")
    item = content.make(**{content.text: "First wording."})
    first = item.history.get()
    first.history_user = author
    first.save()
    setattr(item, content.text, "Second wording.")
    item.save()
    url = revert_url(item, first)

    response = client.post(url, admin_form_data(client.get(url)))

    assert response.status_code == 302, form_errors(response)
    item.refresh_from_db()
    assert getattr(item, content.text) == "First wording."
    latest = item.history.latest()
    assert latest.history_user == user
    reason = latest.history_change_reason
    assert reason.startswith("Reverted to version of ")
    assert reason.endswith(" by author")
    assert str(timezone.localtime(first.history_date).year) in reason
    log = LogEntry.objects.filter(object_id=str(item.pk)).latest("action_time")
    assert log.get_change_message() == reason
    history = client.get(admin_url(content.model, "history", item.pk))
    rows = history.content.decode()
    assert "<td>Reverted</td>" in rows  # the Comment column, not "Changed"
    assert reason in rows


def test_a_revert_keeps_a_typed_reason_too(reviewer_client):
    item = make_condition(summary="First.")
    first = item.history.get()
    item.summary = "Second."
    item.save()
    url = revert_url(item, first)

    reviewer_client.post(
        url, admin_form_data(reviewer_client.get(url), change_reason="Wrong edit")
    )

    reason = item.history.latest().history_change_reason
    assert reason.startswith("Reverted to version of ")
    assert reason.endswith(": Wrong edit")


def test_an_editor_revert_to_a_published_version_does_not_publish(
    content, editor_client
):
    item = content.make(**{content.text: "Published wording."})
    published_version = item.history.get()
    item.status = Status.DRAFT
    setattr(item, content.text, "Draft wording.")
    item.save()
    before = publishing_state(item)
    url = revert_url(item, published_version)

    response = editor_client.post(
        url, admin_form_data(editor_client.get(url), **PUBLISH_ATTEMPT)
    )

    assert response.status_code == 302, form_errors(response)
    assert publishing_state(item) == before
    assert getattr(item, content.text) == "Published wording."  # reverted
    assert not content.model.objects.published().filter(pk=item.pk).exists()


# --- line endings -------------------------------------------------------------


def _with_crlf(data: dict) -> dict:
    """The form data as a browser posts it: every line break as CRLF."""
    return {
        key: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for key, value in data.items()
    }


def test_a_form_saved_untouched_with_crlf_changes_nothing(content, reviewer_client):
    item = content.make(**{content.text: "First line.\n\nSecond line.\nThird."})
    url = change_url(item)
    data = _with_crlf(admin_form_data(reviewer_client.get(url)))
    assert "\r\n" in data[content.text]

    response = reviewer_client.post(url, data)

    assert response.status_code == 302, form_errors(response)
    item.refresh_from_db()
    assert getattr(item, content.text) == "First line.\n\nSecond line.\nThird."
    assert changed_fields(item) == []
    log = LogEntry.objects.filter(object_id=str(item.pk)).latest("action_time")
    assert log.change_message == "[]"  # "No fields changed."


def test_a_form_edit_with_crlf_shows_only_the_edited_field(reviewer_client):
    finding = make_finding(effect="Pain fell.\nSleep improved.")
    study = finding.study
    study.abstract = "Background.\nMethods."
    study.save()
    url = change_url(study)
    data = _with_crlf(admin_form_data(reviewer_client.get(url), title="New title"))

    reviewer_client.post(url, data)

    assert changed_fields(study) == ["title"]
    finding.refresh_from_db()
    assert finding.effect == "Pain fell.\nSleep improved."
    assert finding.history.count() == 1  # the inline row was not saved again


def test_the_api_stores_lf(content, api_as, reviewer):
    item = content.make(**{content.text: "One.\nTwo."})
    client = api_as(reviewer)

    response = client.patch(
        content.api_url(item), {content.text: "One.\r\nTwo."}, format="json"
    )

    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert getattr(item, content.text) == "One.\nTwo."
    assert changed_fields(item) == []
