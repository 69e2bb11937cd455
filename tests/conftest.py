import pytest

from tests.factories import make_staff


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
