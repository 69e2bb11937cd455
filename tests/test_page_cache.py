"""The shared page cache: anonymous answers kept server-side, stale at once after
any public change or scheduled moment, never for staff or drafts."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from ldnsite import cache as page_cache
from ldnsite.editorial import pending
from ldnsite.editorial.policy import Status, next_scheduled_change
from studies.models import EvidenceSummary, Study
from tests.admin_helpers import run_action
from tests.factories import change_study, make_condition, make_finding, make_study

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shared_cache(settings):
    settings.SHARED_PAGE_CACHE = True


def get(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response


def test_an_anonymous_page_is_served_from_the_cache(client, django_assert_num_queries):
    study = make_study(title="Cached trial")
    first = get(client, "/studies/")
    assert first[page_cache.HEADER] == "miss"
    with django_assert_num_queries(0):
        again = get(client, "/studies/")
    assert again[page_cache.HEADER] == "hit"
    assert again.content == first.content
    assert study.title in again.content.decode()
    assert again["ETag"] == first["ETag"]
    assert "public" in again["Cache-Control"]


def test_a_hit_answers_a_conditional_request_with_304(client):
    make_study()
    etag = get(client, "/studies/")["ETag"]
    response = client.get("/studies/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response[page_cache.HEADER] == "hit"


def test_compressed_and_plain_answers_are_kept_apart(client):
    make_study()
    plain = get(client, "/studies/")
    gzipped = get(client, "/studies/", HTTP_ACCEPT_ENCODING="gzip")
    assert gzipped[page_cache.HEADER] == "miss"
    assert gzipped["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in get(client, "/studies/")
    assert get(client, "/studies/").content == plain.content


def test_api_answers_are_cached_per_accept_header(client):
    make_study(title="Exported trial")
    json = get(client, "/api/v1/studies/")
    assert get(client, "/api/v1/studies/")[page_cache.HEADER] == "hit"
    ris = get(
        client, "/api/v1/studies/", HTTP_ACCEPT="application/x-research-info-systems"
    )
    assert ris[page_cache.HEADER] == "miss"
    assert ris.content != json.content
    assert b"TY  -" in ris.content


@pytest.mark.parametrize(
    "change",
    ["publish", "unpublish", "archive", "edit", "delete_finding"],
)
def test_a_public_change_is_seen_at_once(client, commit, change):
    condition = make_condition(name="Fibro")
    study = make_study(
        title="Trial under change",
        status=Status.DRAFT if change == "publish" else Status.PUBLISHED,
    )
    finding = make_finding(study=study, condition=condition)
    before = get(client, "/studies/").content.decode()
    page = get(client, condition.get_absolute_url()).content.decode()
    assert get(client, "/studies/")[page_cache.HEADER] == "hit"
    with commit():
        change_study(change, study, finding=finding)
    after = get(client, "/studies/")
    assert after[page_cache.HEADER] == "miss"
    text = after.content.decode()
    if change == "publish":
        assert "Trial under change" not in before and "Trial under change" in text
    elif change == "edit":
        assert "A renamed trial" in text
    elif change == "delete_finding":
        assert get(client, condition.get_absolute_url()).content.decode() != page
    else:
        assert "Trial under change" in before and "Trial under change" not in text


def test_publishing_from_the_admin_is_seen_at_once(client, reviewer, commit):
    study = make_study(title="Reviewed trial", status=Status.IN_REVIEW)
    assert "Reviewed trial" not in get(client, "/studies/").content.decode()
    staff = Client()
    staff.force_login(reviewer)
    with commit():
        run_action(staff, Study, "publish", study)
    assert "Reviewed trial" in get(client, "/studies/").content.decode()


def test_an_editors_change_waits_and_its_approval_is_seen_at_once(
    client, editor, reviewer, commit
):
    study = make_study(title="Live title")
    url = study.get_absolute_url()
    assert "Live title" in get(client, url).content.decode()
    with commit():
        change = pending.propose_values(
            study, {"title": "Approved title"}, user=editor, reason="Typo"
        )
    # Stored for review: the public still gets the live page (from the cache).
    page = get(client, url)
    assert "Live title" in page.content.decode()
    with commit():
        pending.approve(change, reviewer=reviewer, comment="Checked")
    page = get(client, url)
    assert page[page_cache.HEADER] == "miss"
    assert "Approved title" in page.content.decode()


def test_a_write_waits_for_the_commit(
    client, commit, django_capture_on_commit_callbacks
):
    with commit():
        make_study(title="Before")
    get(client, "/studies/")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_study(title="Still uncommitted")
        # Not committed yet: other servers would still read the old rows.
        assert get(client, "/studies/")[page_cache.HEADER] == "hit"
    assert callbacks == [page_cache.bump]  # once, however many statements


def test_drafts_are_never_cached_for_the_public(client, editor):
    draft = make_study(title="Secret draft", status=Status.DRAFT)
    staff = Client()
    staff.force_login(editor)
    preview = staff.get(draft.get_absolute_url())
    assert preview.status_code == 200 and page_cache.HEADER not in preview
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert "Secret draft" not in get(client, "/studies/").content.decode()
    assert "Secret draft" not in get(client, "/api/v1/studies/").content.decode()


def test_signed_in_staff_are_never_served_nor_stored(client, editor):
    make_study(title="Staff sees")
    staff = Client()
    staff.force_login(editor)
    response = staff.get("/studies/")
    assert page_cache.HEADER not in response
    assert "public" not in response["Cache-Control"]
    assert get(client, "/studies/")[page_cache.HEADER] == "miss"
    assert page_cache.HEADER not in staff.get("/studies/")


def test_token_clients_and_the_admin_are_never_cached(api_as, editor, client):
    make_study()
    api = api_as(editor)
    assert page_cache.HEADER not in api.get("/api/v1/studies/")
    assert page_cache.HEADER not in client.get("/admin/login/")


def test_cached_api_hits_still_count_against_the_throttle(client, settings):
    settings.API_ANON_RATE = "3/minute"
    make_study()
    statuses = [client.get("/api/v1/studies/").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_a_scheduled_publication_is_seen_when_its_time_comes(client, monkeypatch):
    condition = make_condition()
    now = timezone.now()
    later = now + datetime.timedelta(minutes=10)
    scheduled = make_study(title="Scheduled trial", published_at=later)
    make_finding(study=scheduled, condition=condition)
    make_finding(study=make_study(), condition=condition)
    assert next_scheduled_change(page_cache.scheduled_models(), now) == later
    summary = EvidenceSummary.objects.get(condition=condition)
    assert summary.studies == 1
    assert "Scheduled trial" not in get(client, "/studies/").content.decode()
    assert get(client, "/studies/")[page_cache.HEADER] == "hit"

    monkeypatch.setattr(timezone, "now", lambda: later + datetime.timedelta(seconds=1))
    response = get(client, "/studies/")
    assert response[page_cache.HEADER] == "miss"
    assert "Scheduled trial" in response.content.decode()
    # The evidence summaries followed, once.
    assert EvidenceSummary.objects.get(condition=condition).studies == 2
    assert get(client, "/studies/")[page_cache.HEADER] == "hit"


def test_while_another_server_catches_up_pages_are_served_uncached(client, monkeypatch):
    later = timezone.now() + datetime.timedelta(minutes=5)
    make_study(published_at=later)
    get(client, "/studies/")
    monkeypatch.setattr(timezone, "now", lambda: later + datetime.timedelta(seconds=1))
    from django.core.cache import cache

    cache.add(page_cache.DUE_LOCK_KEY, 1)
    assert page_cache.HEADER not in get(client, "/studies/")
    cache.delete(page_cache.DUE_LOCK_KEY)
    assert get(client, "/studies/")[page_cache.HEADER] == "miss"


def test_off_by_default_without_a_shared_cache(client, settings):
    settings.SHARED_PAGE_CACHE = False
    make_study()
    assert page_cache.HEADER not in get(client, "/studies/")


@pytest.fixture
def redis_cache(settings):
    """The default cache on the local Redis (database 9), when it answers."""
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/9").ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "ldnsite.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/9",
            "KEY_PREFIX": "ldn-tests",
        }
    }
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


def test_on_redis_a_lookup_counts_the_api_request_in_the_same_round_trip(
    redis_cache,
):
    redis_cache.set_many({"a": ("kept", 1), "b": 2})
    values, count = page_cache.lookup(["a", "b", "missing"], ("counter", 60))
    assert values == {"a": ("kept", 1), "b": 2}
    assert count == 1
    assert page_cache.lookup(["a"], ("counter", 60))[1] == 2
    assert page_cache.count_in_window("counter", 60) == 3
    name = redis_cache.make_and_validate_key("counter")
    ttl = redis_cache._cache.get_client(name).ttl(name)
    assert 0 < ttl <= 61, "the counter expires with its window"
    assert page_cache.lookup(["b"]) == ({"b": 2}, None)


def test_on_redis_cached_api_answers_count_against_the_throttle(
    redis_cache, client, settings
):
    settings.API_ANON_RATE = "3/minute"
    make_study()
    statuses = [client.get("/api/v1/studies/") for _ in range(5)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
    assert [r.get(page_cache.HEADER) for r in statuses[:3]] == ["miss", "hit", "hit"]


def test_on_redis_one_client_serves_every_call(redis_cache, monkeypatch):
    """Django's backend made a Redis client per call (each filling a table of
    reply callbacks); ours keeps one per pool, and it still reads and writes."""
    import redis

    made = []
    real_init = redis.Redis.__init__

    def counting_init(self, *args, **kwargs):
        made.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting_init)
    backend = redis_cache._cache
    backend._clients.clear()
    for n in range(5):
        redis_cache.set(f"one-client-{n}", {"n": n})
    assert redis_cache.get_many([f"one-client-{n}" for n in range(5)]) == {
        f"one-client-{n}": {"n": n} for n in range(5)
    }
    redis_cache.delete("one-client-count")
    assert redis_cache.add("one-client-count", 0)
    assert redis_cache.incr("one-client-count") == 1
    assert len(made) == 1
    assert backend.get_client() is backend.get_client(write=True)
