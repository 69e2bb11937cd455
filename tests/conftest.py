import contextlib

import pytest
from django.db import connection

from tests.factories import make_staff
from tests.queries import settle


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    """Alice writes content but cannot publish."""
    return make_staff("alice", role="Editor")


@pytest.fixture
def reviewer(db):
    """Bob reviews and publishes."""
    return make_staff("bob", role="Reviewer")


@pytest.fixture
def superuser(db):
    return make_staff("root", is_superuser=True)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture(autouse=True)
def throttle_clock(monkeypatch):
    """The API throttle counts in fixed windows: its clock stands still in the
    middle of one, so that no test's requests straddle two. Move it with
    `throttle_clock.now += seconds`."""
    from ldnsite.api_defaults import AnonThrottle

    class Clock:
        now = 1_800_000_030.0  # 30 s into a minute (and an hour)

    monkeypatch.setattr(AnonThrottle, "timer", staticmethod(lambda: Clock.now))
    return Clock


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttle counts live in the cache: start every test from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """An anonymous API client."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_as():
    """`api_as(user)`: an API client authenticated with the user's token."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def build(user):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return build


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit():` runs what waits for the commit, as a real commit would.

    The test's transaction never commits: what the setup wrote is taken as
    committed first (its callbacks run), so the block's writes count alone.
    """

    @contextlib.contextmanager
    def committed():
        settle()
        with django_capture_on_commit_callbacks(execute=True):
            yield
        connection.run_on_commit[:] = []

    return committed
