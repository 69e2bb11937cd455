"""Who may write what through the API: model permissions and the publishing rule."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from conditions.models import Condition, FAQEntry, GlossaryTerm, Mechanism
from ldnsite.editorial.policy import Status
from studies.models import Finding, Study
from tests.factories import (
    HIDDEN_STATES,
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_study,
    make_term,
    make_user,
)

pytestmark = pytest.mark.django_db

_n = itertools.count(1)


def condition_body():
    n = next(_n)
    return {
        "name": f"New condition {n}",
        "slug": f"new-condition-{n}",
        "category": "autoimmune",
        "summary": "New.",
    }


def mechanism_body():
    n = next(_n)
    return {
        "name": f"New mechanism {n}",
        "slug": f"new-mechanism-{n}",
        "summary": "New.",
        "support_level": "cell",
    }


def study_body():
    n = next(_n)
    return {"title": f"New study {n}", "slug": f"new-study-{n}", "design": "rct"}


def finding_body():
    return {
        "study_id": make_study().pk,
        "condition_slug": make_condition().slug,
        "outcome": "fatigue",
        "direction": "no_effect",
        "effect": "No change.",
    }


def faq_body():
    n = next(_n)
    return {"question": f"New question {n}?", "slug": f"new-q-{n}", "answer": "Yes."}


def term_body():
    n = next(_n)
    return {"term": f"New term {n}", "slug": f"new-term-{n}", "definition": "A."}


# endpoint → (model, build an existing item, a valid new body, its key)
WRITABLE = {
    "conditions": (Condition, make_condition, condition_body, "slug"),
    "mechanisms": (Mechanism, make_mechanism, mechanism_body, "slug"),
    "studies": (Study, make_study, study_body, "pk"),
    "findings": (Finding, make_finding, finding_body, "pk"),
    "faq": (FAQEntry, make_faq, faq_body, "slug"),
    "glossary": (GlossaryTerm, make_term, term_body, "slug"),
}
EDITORIAL = [e for e in WRITABLE if e != "findings"]

# role → expected status for create, put, patch, delete (the items are published:
# an Editor's changes to them wait for review, 202)
MATRIX = {
    "anonymous": (401, 401, 401, 401),
    "member": (403, 403, 403, 403),
    "editor": (201, 202, 202, 403),
    "reviewer": (201, 200, 200, 204),
    "superuser": (201, 200, 200, 204),
}


@pytest.fixture
def client_for(api_as, editor, reviewer, superuser):
    users = {
        "anonymous": None,
        "member": None,
        "editor": editor,
        "reviewer": reviewer,
        "superuser": superuser,
    }

    def build(role):
        if role == "member":
            users["member"] = make_user("member")
        return api_as(users[role])

    return build


def _url(endpoint, obj=None):
    if obj is None:
        return f"/api/v1/{endpoint}/"
    return f"/api/v1/{endpoint}/{getattr(obj, WRITABLE[endpoint][3])}/"


def _editable(endpoint, obj):
    """A full body for PUT from an existing object."""
    body = WRITABLE[endpoint][2]()
    if endpoint != "findings":
        body["slug"] = obj.slug
    return body


@pytest.mark.parametrize("role", MATRIX)
@pytest.mark.parametrize("endpoint", WRITABLE)
def test_write_permission_matrix(client_for, role, endpoint):
    model, make, body, _ = WRITABLE[endpoint]
    client = client_for(role)
    create, put, patch, delete = MATRIX[role]
    if endpoint == "findings" and role == "editor":
        create = 202  # A finding of a published study waits for review.
    obj = make()

    before = model.objects.count()
    response = client.post(_url(endpoint), body(), format="json")
    assert response.status_code == create, response.content
    assert model.objects.count() == before + (1 if create == 201 else 0)

    before = model.objects.count()
    changed = dict(_editable(endpoint, obj))
    response = client.put(_url(endpoint, obj), changed, format="json")
    assert response.status_code == put, response.content
    response = client.patch(
        _url(endpoint, obj),
        {"effect": "Edited."} if endpoint == "findings" else {"summary": "Edited."},
        format="json",
    )
    assert response.status_code == patch, response.content
    assert model.objects.count() == before

    if put != 200:
        fresh = model.objects.get(pk=obj.pk)
        assert fresh.updated_at == obj.updated_at

    response = client.delete(_url(endpoint, obj))
    assert response.status_code == delete
    assert model.objects.filter(pk=obj.pk).exists() == (delete != 204)


def _publishing_changes():
    now = timezone.now()
    return [
        ("status", Status.PUBLISHED),
        ("status", Status.ARCHIVED),
        ("published_at", (now - datetime.timedelta(days=2)).isoformat()),
        ("unpublish_at", (now + datetime.timedelta(days=2)).isoformat()),
        ("last_reviewed", "2026-02-01"),
        ("next_review_due", "2099-02-01"),
    ]


@pytest.mark.parametrize(("field", "value"), _publishing_changes())
@pytest.mark.parametrize("endpoint", EDITORIAL)
def test_an_editor_cannot_publish_through_any_field_or_method(
    api_as, editor, endpoint, field, value
):
    model, make, body, _ = WRITABLE[endpoint]
    client = api_as(editor)
    draft = make(**HIDDEN_STATES["draft"], last_reviewed=None, next_review_due=None)
    before = model.objects.count()

    created = client.post(_url(endpoint), {**body(), field: value}, format="json")
    assert created.status_code == 403
    assert field in created.json()["detail"]
    assert model.objects.count() == before

    for method in (client.patch, client.put):
        response = method(
            _url(endpoint, draft), {**_editable(endpoint, draft), field: value}, "json"
        )
        assert response.status_code == 403
        assert f"may not change {field}" in response.json()["detail"]
    saved = model.objects.get(pk=draft.pk)
    assert saved.status == Status.DRAFT
    assert saved.published_at is None
    assert saved.last_reviewed is None
    assert saved.updated_at == draft.updated_at


@pytest.mark.parametrize("endpoint", EDITORIAL)
def test_an_editor_may_send_publishing_fields_unchanged(api_as, editor, endpoint):
    obj = WRITABLE[endpoint][1]()
    current = api_as(editor).get(_url(endpoint, obj)).json()
    unchanged = {
        k: current[k]
        for k in ("status", "published_at", "unpublish_at", "last_reviewed")
    }
    response = api_as(editor).patch(_url(endpoint, obj), unchanged, format="json")
    assert response.status_code == 200, response.content


def test_an_editor_cannot_set_reviewed_by(api_as, editor, reviewer):
    study = make_study()
    response = api_as(editor).patch(
        _url("studies", study), {"reviewed_by": reviewer.pk}, format="json"
    )
    assert response.status_code == 200
    study.refresh_from_db()
    assert study.reviewed_by is None


def test_an_editor_may_submit_a_draft_for_review(api_as, editor):
    draft = make_study(**HIDDEN_STATES["draft"])
    response = api_as(editor).patch(
        _url("studies", draft), {"status": "in_review"}, format="json"
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW


def test_an_editor_cannot_unpublish(api_as, editor):
    study = make_study()
    response = api_as(editor).patch(
        _url("studies", study), {"status": "draft"}, format="json"
    )
    assert response.status_code == 403


def test_a_reviewer_publishes_and_the_time_is_filled_in(api_as, reviewer):
    draft = make_study(**HIDDEN_STATES["draft"])
    response = api_as(reviewer).patch(
        _url("studies", draft),
        {"status": "published", "last_reviewed": "2026-03-01"},
        format="json",
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert draft.published_at is not None
    assert draft.reviewed_by == reviewer


def test_deleting_an_item_others_depend_on_is_a_409(api_as, reviewer):
    finding = make_finding()
    response = api_as(reviewer).delete(_url("studies", finding.study))
    assert response.status_code == 409
    assert Study.objects.filter(pk=finding.study.pk).exists()


def test_session_writes_need_the_csrf_token(editor):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post("/api/v1/glossary/", term_body(), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_bad_token_is_a_401(api):
    api.credentials(HTTP_AUTHORIZATION="Token nope")
    assert api.get("/api/v1/glossary/").status_code == 401
