"""Figures read from many rows (counts, filter counts, a condition's tallies,
which rows fill a page) are kept per content generation: read once, stale at
once after any public change or scheduled moment, never shared with readers
who see drafts."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ldnsite import cache as shared_cache
from ldnsite.editorial.policy import Status
from studies.models import Study
from tests.factories import change_study, make_condition, make_finding, make_study
from tests.queries import settle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def figures_kept(settings):
    settings.SHARED_PAGE_CACHE = False  # every page is rendered afresh
    settings.SHARED_FIGURE_CACHE = True


def fetch(client, url):
    """(body, SQL run) of an answer that must be 200."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries]


def counting(queries) -> list[str]:
    return [sql for sql in queries if "COUNT(" in sql.upper()]


@pytest.mark.parametrize(
    "url",
    [
        "/studies/?page=2",
        "/studies/?design=rct&page=2",
        "/conditions/{slug}/",
        "/api/v1/studies/?page_size=3&page=2",
        "/api/v1/findings/?condition={slug}&page_size=3&page=2",
        "/api/v1/conditions/{slug}/",
        "/sitemap.xml",
        "/sitemap-studies.xml",
        "/search/?q=trial",
    ],
)
def test_counts_are_read_once_per_content(client, url):
    condition = make_condition(slug="fibro")
    for n in range(25):
        make_finding(study=make_study(title=f"Trial {n:02}"), condition=condition)
    url = url.format(slug=condition.slug)
    settle()
    first, first_queries = fetch(client, url)
    assert counting(first_queries), "the first answer counts"
    again, again_queries = fetch(client, url)
    assert again == first
    assert counting(again_queries) == []
    assert len(again_queries) < len(first_queries)


def test_a_conditions_findings_page_keeps_its_order(client):
    condition = make_condition(slug="fibro")
    for n in range(35):
        study = make_study(title=f"Trial {n:02}", year=2000 + n)
        make_finding(study=study, condition=condition, effect=f"Effect {n:02}.")
    settle()
    url = condition.get_absolute_url() + "?findings=2"
    first, _ = fetch(client, url)
    again, queries = fetch(client, url)
    assert again == first
    titles = [f"Trial {n:02}" for n in range(4, -1, -1)]
    positions = [again.index(title) for title in titles]
    assert positions == sorted(positions), "newest first, as on the first answer"
    # The rows are read by key, in the list's order; only the choice is kept.
    assert any("IN (" in sql for sql in queries)
    assert counting(queries) == []


@pytest.mark.parametrize("change", ["publish", "unpublish", "archive", "add_finding"])
def test_a_public_change_is_counted_at_once(client, commit, change):
    condition = make_condition(slug="fibro")
    for _ in range(3):
        make_finding(study=make_study(), condition=condition)
    draft = make_study(
        title="Trial under change",
        status=Status.DRAFT if change == "publish" else Status.PUBLISHED,
    )
    if change != "add_finding":
        make_finding(study=draft, condition=condition)
    before = {
        url: fetch(client, url)[0]
        for url in ("/studies/", "/api/v1/studies/", condition.get_absolute_url())
    }
    with commit():
        change_study(change, draft, condition=condition)
    studies = Study.objects.published().count()
    page, _ = fetch(client, "/studies/")
    assert f"{studies} stud" in page and page != before["/studies/"]
    api = client.get("/api/v1/studies/").json()
    assert api["count"] == studies
    detail = client.get(f"/api/v1/conditions/{condition.slug}/").json()
    assert (
        detail["findings_count"]
        == condition.findings.filter(study__status=Status.PUBLISHED).count()
    )
    assert (
        fetch(client, condition.get_absolute_url())[0]
        != before[condition.get_absolute_url()]
    )


def test_a_sitemap_file_follows_a_publication_at_once(client, commit):
    make_study()
    draft = make_study(status=Status.DRAFT)
    settle()
    index, _ = fetch(client, "/sitemap.xml")
    before, _ = fetch(client, "/sitemap-studies.xml")
    again, queries = fetch(client, "/sitemap-studies.xml")
    assert again == before and queries == []
    assert fetch(client, "/sitemap.xml") == (index, [])
    assert draft.get_absolute_url() not in before
    with commit():
        draft.mark_published()
        draft.save()
    after, _ = fetch(client, "/sitemap-studies.xml")
    assert draft.get_absolute_url() in after
    # The index gives the studies' latest change, which the publication moved.
    assert fetch(client, "/sitemap.xml")[0] != index
    assert client.get("/sitemap-studies.xml?p=x").status_code == 404


def test_a_scheduled_publication_is_counted_when_its_time_comes(client, monkeypatch):
    later = timezone.now() + datetime.timedelta(minutes=10)
    make_study()
    make_study(published_at=later)
    settle()
    assert client.get("/api/v1/studies/").json()["count"] == 1
    assert client.get("/api/v1/studies/").json()["count"] == 1
    monkeypatch.setattr(timezone, "now", lambda: later + datetime.timedelta(seconds=1))
    assert client.get("/api/v1/studies/").json()["count"] == 2


def test_readers_who_see_drafts_count_apart(api, api_as, editor):
    make_study()
    make_study(status=Status.DRAFT)
    settle()
    assert api.get("/api/v1/studies/").json()["count"] == 1
    assert api_as(editor).get("/api/v1/studies/").json()["count"] == 2
    assert api.get("/api/v1/studies/").json()["count"] == 1


def test_uncommitted_writes_are_never_kept(django_capture_on_commit_callbacks):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    with django_capture_on_commit_callbacks():
        make_study()  # a public write waits for the commit
        assert shared_cache.remember(("figure",), compute) == 1
        assert shared_cache.remember(("figure",), compute) == 2
    connection.run_on_commit[:] = []
    assert shared_cache.remember(("figure",), compute) == 3
    assert shared_cache.remember(("figure",), compute) == 3


def test_off_without_a_shared_cache(client, settings):
    settings.SHARED_FIGURE_CACHE = False
    make_study()
    settle()
    _, first = fetch(client, "/api/v1/studies/")
    _, again = fetch(client, "/api/v1/studies/")
    assert counting(again) and len(again) == len(first)


def test_a_new_release_never_reads_what_the_last_one_kept(settings, tmp_path):
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>One</p>")
    settings.BASE_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    shared_cache.code_version.cache_clear()
    try:
        first = shared_cache.code_version()
        assert shared_cache.code_version() == first
        page.write_text("<p>Two</p>")
        shared_cache.code_version.cache_clear()
        assert shared_cache.code_version() != first
    finally:
        shared_cache.code_version.cache_clear()


def test_a_figure_another_request_is_computing_is_waited_for(monkeypatch):
    settle()
    key = shared_cache.figure_key(("slow figure",))
    generation = shared_cache.generation()
    cache.add(shared_cache.lock_key(key, generation), 1)
    delivered = threading.Timer(
        0.2, lambda: cache.set(key, (generation, "computed elsewhere"))
    )
    delivered.start()
    calls = []
    try:
        value = shared_cache.remember(("slow figure",), lambda: calls.append(1))
    finally:
        delivered.join()
    assert value == "computed elsewhere" and calls == []


def test_a_figure_never_delivered_is_computed_after_the_wait(monkeypatch):
    settle()
    monkeypatch.setattr(shared_cache, "FIGURE_WAIT_SECONDS", 0.2)
    key = shared_cache.figure_key(("lost figure",))
    cache.add(shared_cache.lock_key(key, shared_cache.generation()), 1)
    assert shared_cache.remember(("lost figure",), lambda: "computed here") == (
        "computed here"
    )
    assert shared_cache.remember(("lost figure",), lambda: "again") == "computed here"


def test_a_failed_computation_releases_its_lock():
    settle()

    def fails():
        raise ValueError("no figure")

    with pytest.raises(ValueError):
        shared_cache.remember(("failing figure",), fails)
    key = shared_cache.figure_key(("failing figure",))
    assert cache.get(shared_cache.lock_key(key, shared_cache.generation())) is None
    assert shared_cache.remember(("failing figure",), lambda: 7) == 7
