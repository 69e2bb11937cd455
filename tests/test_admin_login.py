"""Staff accounts: sign-in lockout, password length and idle sessions."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests.factories import make_staff

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery"


@pytest.fixture
def carol():
    user = make_staff("carol", role="Reviewer")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(password, username="carol", address="192.0.2.10", **extra):
    return Client(REMOTE_ADDR=address, **extra).post(
        LOGIN, {"username": username, "password": password}
    )


def test_ten_wrong_passwords_lock_the_account_even_for_the_right_one(carol, settings):
    assert settings.AXES_FAILURE_LIMIT == 10
    for _ in range(9):
        assert sign_in("wrong").status_code == 200  # the form, with its error
    assert sign_in("wrong").status_code == 429  # the tenth locks
    refused = sign_in(PASSWORD)
    assert refused.status_code == 429
    assert "Sign-in paused" in refused.content.decode()
    attempt = AccessAttempt.objects.get(username="carol")
    assert attempt.failures_since_start >= 10


def test_the_lock_holds_from_another_address_and_with_a_forged_header(carol):
    for n in range(10):
        sign_in("wrong", address=f"192.0.2.{n}")
    assert sign_in(PASSWORD, address="198.51.100.1").status_code == 429
    assert sign_in(PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429


def test_one_address_guessing_many_usernames_is_paused(carol):
    for n in range(10):
        sign_in("wrong", username=f"guess{n}")
    assert sign_in(PASSWORD).status_code == 429
    # The same account from elsewhere is not affected by that address's guesses.
    assert sign_in(PASSWORD, address="198.51.100.1").status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(carol):
    for _ in range(9):
        sign_in("wrong")
    assert sign_in(PASSWORD).status_code == 302
    for _ in range(9):
        sign_in("wrong")
    assert sign_in(PASSWORD).status_code == 302


def test_staff_lift_a_lock_by_deleting_its_attempt_in_the_admin(
    carol, superuser_client
):
    for _ in range(10):
        sign_in("wrong")
    attempt = AccessAttempt.objects.get(username="carol")
    page = superuser_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "carol" in page.content.decode()
    superuser_client.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
    )
    assert not AccessAttempt.objects.exists()
    assert sign_in(PASSWORD).status_code == 302


@pytest.mark.parametrize("password", ["short-pass1", "elevenchars"])
def test_staff_passwords_have_at_least_12_characters(password):
    with pytest.raises(ValidationError, match="at least 12"):
        validate_password(password)
    validate_password(password + "x7")


def test_a_staff_session_ends_after_the_idle_period_and_each_request_renews_it(
    carol, settings
):
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    client = Client()
    client.force_login(carol)
    session = Session.objects.get()
    soon = timezone.now() + datetime.timedelta(minutes=5)
    Session.objects.filter(pk=session.pk).update(expire_date=soon)
    assert client.get("/admin/").status_code == 200
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed > soon + datetime.timedelta(minutes=50)
    # Past the idle period the session is gone: back to the sign-in page.
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get("/admin/").status_code == 302
