"""Creating staff with a role in one step, and how the public sees a reviewer."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from ldnsite.models import StaffProfile
from ldnsite.staff import staff_user_create
from tests.factories import make_condition, make_staff

pytestmark = pytest.mark.django_db

STRONG = "violet-harbour-lantern"


def test_the_admin_creates_a_staff_user_with_role_and_profile_in_one_form(
    superuser_client,
):
    response = superuser_client.post(
        "/admin/auth/user/add/",
        {
            "username": "rosei",
            "usable_password": "true",
            "password1": STRONG,
            "password2": STRONG,
            "display_name": "Dr Rita Osei",
            "credentials": "Consultant in pain medicine",
            "email": "rita@example.org",
            "role": "Reviewer",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="rosei")
    assert user.is_staff and user.check_password(STRONG)
    assert [g.name for g in user.groups.all()] == ["Reviewer"]
    assert user.staff_profile.display_name == "Dr Rita Osei"
    assert user.has_perm("studies.publish_study")
    listing = superuser_client.get("/admin/auth/user/").content.decode()
    assert "Dr Rita Osei" in listing and "Reviewer" in listing


def test_the_admin_form_refuses_a_short_password_and_writes_nothing(superuser_client):
    response = superuser_client.post(
        "/admin/auth/user/add/",
        {
            "username": "short",
            "usable_password": "true",
            "password1": "tiny-pass1",
            "password2": "tiny-pass1",
            "display_name": "Short",
            "role": "Editor",
        },
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert not User.objects.filter(username="short").exists()


def test_the_command_creates_an_editor(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", STRONG)
    out = io.StringIO()
    call_command(
        "create_staff_user",
        "eddie",
        "--role",
        "editor",
        "--name",
        "Eddie Mensah",
        "--credentials",
        "Clinical pharmacist",
        stdout=out,
    )
    user = User.objects.get(username="eddie")
    assert user.is_staff and not user.has_perm("studies.publish_study")
    assert user.has_perm("studies.change_study")
    assert user.staff_profile.credentials == "Clinical pharmacist"
    assert "Created editor eddie" in out.getvalue()


def test_the_command_refuses_a_weak_password_and_a_taken_name(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "123456789012")
    with pytest.raises(CommandError, match="entirely numeric"):
        call_command("create_staff_user", "x", "--role", "editor", "--name", "X")
    make_staff("taken")
    monkeypatch.setenv("STAFF_PASSWORD", STRONG)
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_staff_user", "taken", "--role", "editor", "--name", "T")
    assert not StaffProfile.objects.exists()


def test_an_unknown_role_is_refused_before_anything_is_written():
    with pytest.raises(ValueError):
        staff_user_create(username="z", password=STRONG, role="Owner", display_name="Z")
    assert not User.objects.filter(username="z").exists()


@pytest.mark.parametrize(
    ("profile", "full_name", "shown"),
    [
        (
            ("Dr Rita Osei", "Consultant in pain medicine"),
            "",
            "Dr Rita Osei, Consultant in pain medicine",
        ),
        (("Dr Rita Osei", ""), "", "Dr Rita Osei"),
        (None, "Rita Osei", "Rita Osei"),
        (None, "", "a medical reviewer"),
    ],
)
def test_pages_credit_the_reviewer_by_name_never_by_login(
    client, profile, full_name, shown
):
    reviewer = make_staff("rex_reviewer", role="Reviewer")
    reviewer.first_name, _, reviewer.last_name = full_name.partition(" ")
    reviewer.save()
    if profile:
        StaffProfile.objects.create(
            user=reviewer, display_name=profile[0], credentials=profile[1]
        )
    condition = make_condition(reviewed_by=reviewer)
    body = client.get(condition.get_absolute_url()).content.decode()
    assert f"<dt>Reviewed by</dt><dd>{shown}</dd>" in body
    assert "rex_reviewer" not in body


def test_the_api_shows_the_reviewer_by_name_and_no_user_id(api):
    reviewer = make_staff("rex_reviewer", role="Reviewer")
    StaffProfile.objects.create(
        user=reviewer, display_name="Dr Rita Osei", credentials="Consultant"
    )
    reviewed = make_condition(reviewed_by=reviewer)
    unreviewed = make_condition()
    body = api.get(f"/api/v1/conditions/{reviewed.slug}/").json()
    assert body["reviewed_by"] == {"name": "Dr Rita Osei", "credentials": "Consultant"}
    assert (
        api.get(f"/api/v1/conditions/{unreviewed.slug}/").json()["reviewed_by"] is None
    )
    raw = api.get(f"/api/v1/conditions/{reviewed.slug}/").content.decode()
    assert "rex_reviewer" not in raw
