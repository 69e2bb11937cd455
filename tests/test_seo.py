"""sitemap.xml, robots.txt, the Atom feed, canonical URLs, descriptions, Open Graph."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import pytest
from django.template import loader
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import http_date

from ldnsite.context_processors import canonical_url
from tests.factories import (
    HIDDEN_STATES,
    make_condition,
    make_finding,
    make_mechanism,
    make_study,
)
from tests.pages import make_site, public_pages
from tests.queries import count_queries, queries_at_5_and_50

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "http://testserver"


# --- helpers ------------------------------------------------------------------------


class HeadTags(HTMLParser):
    """The `<link>` and `<meta>` tags of a page, as attribute dicts."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[dict] = []
        self.metas: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "link":
            self.links.append(dict(attrs))
        elif tag == "meta":
            self.metas.append(dict(attrs))

    def canonicals(self) -> list[str]:
        return [a["href"] for a in self.links if a.get("rel") == "canonical"]

    def meta(self, **match) -> list[str]:
        return [
            a.get("content", "")
            for a in self.metas
            if all(a.get(k) == v for k, v in match.items())
        ]


def sitemap_index(client) -> list[str]:
    """The sitemap addresses /sitemap.xml (an index) names, in order."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP_NS}sitemapindex"
    return [
        s.findtext(f"{SITEMAP_NS}loc") for s in root.findall(f"{SITEMAP_NS}sitemap")
    ]


def sitemap_entries(client) -> dict[str, str | None]:
    """{loc: lastmod} of every sitemap the index names, with a standard XML parser."""
    entries = {}
    for address in sitemap_index(client):
        response = client.get(address.removeprefix(BASE))
        assert response.status_code == 200, address
        root = ET.fromstring(response.content)
        assert root.tag == f"{SITEMAP_NS}urlset"
        for url in root.findall(f"{SITEMAP_NS}url"):
            loc = url.findtext(f"{SITEMAP_NS}loc")
            assert loc not in entries, f"{loc} listed twice"
            entries[loc] = url.findtext(f"{SITEMAP_NS}lastmod")
    return entries


def set_updated_at(obj, when: datetime.datetime) -> None:
    # `update()` skips `auto_now`, so the stored time is the one given.
    type(obj).objects.filter(pk=obj.pk).update(updated_at=when)


def aware(year, month, day) -> datetime.datetime:
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


# --- sitemap.xml ----------------------------------------------------------------------


@pytest.mark.django_db
def test_sitemap_lists_the_static_pages_and_every_published_item(client):
    condition, mechanism, study = make_site()
    entries = sitemap_entries(client)
    for name in (
        "conditions:home",
        "conditions:list",
        "studies:list",
        "conditions:mechanism-list",
        "studies:evidence",
        "conditions:faq",
        "conditions:glossary",
        "conditions:sources",
    ):
        assert BASE + reverse(name) in entries
    for obj in (condition, mechanism, study):
        assert BASE + obj.get_absolute_url() in entries
    # A study is listed at its slug address, not the short one that redirects.
    assert f"{BASE}/studies/{study.pk}/{study.slug}/" in entries
    assert len(entries) == 8 + 3


@pytest.mark.django_db
@pytest.mark.parametrize("state", sorted(HIDDEN_STATES))
def test_sitemap_never_lists_what_the_public_may_not_see(client, state):
    hidden = HIDDEN_STATES[state]
    items = [
        make_condition(slug=f"hidden-condition-{state}", **hidden),
        make_mechanism(slug=f"hidden-mechanism-{state}", **hidden),
        make_study(slug=f"hidden-study-{state}", **hidden),
    ]
    body = client.get("/sitemap.xml").content.decode()
    for item in items:
        assert item.slug not in body
    assert set(sitemap_entries(client)) == {
        BASE + reverse(name)
        for name in (
            "conditions:home",
            "conditions:list",
            "studies:list",
            "conditions:mechanism-list",
            "studies:evidence",
            "conditions:faq",
            "conditions:glossary",
            "conditions:sources",
        )
    }


@pytest.mark.django_db
def test_sitemap_lastmod_is_the_later_of_last_edit_and_last_review(client):
    reviewed_after_edit = make_study(last_reviewed=datetime.date(2026, 1, 10))
    set_updated_at(reviewed_after_edit, aware(2025, 3, 1))
    edited_after_review = make_mechanism(last_reviewed=datetime.date(2025, 1, 10))
    set_updated_at(edited_after_review, aware(2025, 6, 7))
    never_reviewed = make_study(last_reviewed=None, next_review_due=None)
    set_updated_at(never_reviewed, aware(2024, 2, 3))

    entries = sitemap_entries(client)
    assert entries[BASE + reviewed_after_edit.get_absolute_url()] == "2026-01-10"
    assert entries[BASE + edited_after_review.get_absolute_url()] == "2025-06-07"
    assert entries[BASE + never_reviewed.get_absolute_url()] == "2024-02-03"
    assert entries[BASE + reverse("conditions:home")] is None


@pytest.mark.django_db
def test_a_condition_changes_when_a_published_finding_does(client):
    condition = make_condition(last_reviewed=datetime.date(2025, 1, 1))
    set_updated_at(condition, aware(2025, 1, 2))
    finding = make_finding(condition=condition)
    set_updated_at(finding, aware(2025, 8, 9))
    draft_study = make_study(**HIDDEN_STATES["draft"])
    hidden_finding = make_finding(condition=condition, study=draft_study)
    set_updated_at(hidden_finding, aware(2026, 3, 4))

    assert sitemap_entries(client)[BASE + condition.get_absolute_url()] == "2025-08-09"
    # The index gives the conditions' file the same latest change.
    index = ET.fromstring(client.get("/sitemap.xml").content)
    files = {
        s.findtext(f"{SITEMAP_NS}loc"): s.findtext(f"{SITEMAP_NS}lastmod")
        for s in index.findall(f"{SITEMAP_NS}sitemap")
    }
    assert files[BASE + "/sitemap-conditions.xml"].startswith("2025-08-09")


@pytest.mark.django_db
def test_sitemap_runs_the_same_queries_with_5_and_50_rows_of_each_kind(client):
    def add(n):
        for _ in range(n):
            condition = make_condition()
            make_finding(condition=condition)
            make_mechanism()

    small, large = queries_at_5_and_50(client, "/sitemap.xml", add)
    assert small == large
    for section in ("conditions", "mechanisms", "studies"):
        assert count_queries(client, f"/sitemap-{section}.xml") == 2
    assert len(sitemap_entries(client)) == 8 + 50 * 3  # conditions, studies, mechanisms


@pytest.mark.django_db
def test_the_sitemap_is_an_index_of_files_of_bounded_size(client, monkeypatch):
    from ldnsite.sitemaps import EditorialSitemap

    monkeypatch.setattr(EditorialSitemap, "limit", 2)
    studies = [make_study() for _ in range(5)]
    addresses = sitemap_index(client)
    assert [a.removeprefix(BASE) for a in addresses] == [
        "/sitemap-pages.xml",
        "/sitemap-conditions.xml",
        "/sitemap-mechanisms.xml",
        "/sitemap-studies.xml",
        "/sitemap-studies.xml?p=2",
        "/sitemap-studies.xml?p=3",
    ]
    entries = sitemap_entries(client)
    for study in studies:
        assert BASE + study.get_absolute_url() in entries
    body = client.get("/sitemap-studies.xml?p=3").content.decode()
    assert body.count("<url>") == 1
    assert client.get("/sitemap-studies.xml?p=4").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


# --- robots.txt --------------------------------------------------------------------


@pytest.mark.django_db
def test_robots_txt_allows_the_site_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = {
        line.split(":", 1)[1].strip()
        for line in lines
        if ":" in line and line.startswith("Disallow")
    }
    assert disallowed == {"/admin/", "/search/", "/api/"}
    assert "Allow: /" in lines
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    assert client.post("/robots.txt").status_code == 405


# --- the Atom feed --------------------------------------------------------------------


def parse_feed(client):
    response = client.get(reverse("studies-feed"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


@pytest.mark.django_db
def test_feed_lists_the_20_newest_published_studies_newest_first(client):
    now = timezone.now()
    studies = [
        make_study(title=f"Trial {i}", published_at=now - datetime.timedelta(days=i))
        for i in range(1, 23)
    ]
    for state, values in HIDDEN_STATES.items():
        make_study(title=f"Hidden {state}", **values)

    entries = parse_feed(client).entries
    assert [e.title for e in entries] == [str(s) for s in studies[:20]]
    assert not any(e.title.startswith("Hidden") for e in entries)


@pytest.mark.django_db
def test_a_reader_revalidating_after_an_archive_gets_the_feed_without_it(client):
    now = timezone.now()
    older = make_study(title="Older", published_at=now - datetime.timedelta(days=9))
    newer = make_study(title="Withdrawn", published_at=now - datetime.timedelta(days=1))
    first = client.get(reverse("studies-feed"))
    newer.status = "archived"
    newer.save()

    again = client.get(
        reverse("studies-feed"),
        HTTP_IF_MODIFIED_SINCE=first.get("Last-Modified") or http_date(),
    )
    assert again.status_code == 200
    titles = [e.title for e in feedparser.parse(again.content).entries]
    assert titles == [str(older)]
    # The ETag alone answers an unchanged feed.
    unchanged = client.get(reverse("studies-feed"), HTTP_IF_NONE_MATCH=again["ETag"])
    assert unchanged.status_code == 304


@pytest.mark.django_db
def test_each_feed_entry_carries_link_id_dates_summary_and_authors(client):
    published = timezone.now() - datetime.timedelta(days=3)
    study = make_study(
        title="LDN & fibromyalgia <pilot>",
        authors="Younger J, Parkitny L; McLain D",
        key_finding="Pain fell by 30% & fatigue <did not> change.",
        published_at=published,
    )
    parsed = parse_feed(client)
    assert parsed.feed.title == "LDN evidence: newly published studies"
    assert parsed.feed.link == f"{BASE}/studies/"
    (entry,) = parsed.entries
    assert entry.title == str(study)
    assert entry.link == BASE + study.get_absolute_url()
    assert entry.id == f"{BASE}/studies/{study.pk}/"
    assert datetime.datetime(*entry.published_parsed[:6], tzinfo=datetime.UTC) == (
        published.replace(microsecond=0)
    )
    study.refresh_from_db()
    assert datetime.datetime(*entry.updated_parsed[:6], tzinfo=datetime.UTC) == (
        study.updated_at.replace(microsecond=0)
    )
    # The summary is HTML: the plain-text key finding arrives escaped, as text.
    assert entry.summary == escape(study.key_finding)
    assert [a.name for a in entry.authors] == ["J. Younger", "L. Parkitny", "D. McLain"]


@pytest.mark.django_db
def test_a_study_without_authors_falls_back_to_the_feed_author(client):
    make_study(authors="")
    parsed = parse_feed(client)
    assert parsed.feed.author_detail.name == "LDN evidence"
    # Atom lets an entry without <author> take the feed's.
    assert "authors" not in parsed.entries[0]


@pytest.mark.django_db
def test_feed_runs_the_same_queries_with_5_and_50_studies(client):
    def add(n):
        for _ in range(n):
            make_study()

    small, large = queries_at_5_and_50(client, reverse("studies-feed"), add)
    assert small == large


@pytest.mark.django_db
def test_every_page_links_the_feed_from_its_head(client):
    tags = HeadTags(client.get("/").content.decode())
    feeds = [a for a in tags.links if a.get("type") == "application/atom+xml"]
    assert len(feeds) == 1 and feeds[0]["rel"] == "alternate"
    assert feeds[0]["href"] == reverse("studies-feed")


# --- canonical URLs, descriptions, Open Graph ---------------------------------------


@pytest.mark.django_db
def test_every_page_has_one_canonical_link_one_description_and_open_graph(client):
    site = make_site()
    for url in public_pages(*site):
        response = client.get(url)
        assert response.status_code == 200, url
        tags = HeadTags(response.content.decode())
        canonicals = tags.canonicals()
        assert len(canonicals) == 1, url
        assert canonicals[0] == BASE + url.partition("?")[0], url
        descriptions = tags.meta(name="description")
        assert len(descriptions) == 1 and descriptions[0].strip(), url
        for prop in ("og:site_name", "og:type", "og:title", "og:description"):
            values = tags.meta(property=prop)
            assert len(values) == 1 and values[0].strip(), (url, prop)
        assert tags.meta(property="og:url") == canonicals, url
        assert tags.meta(name="twitter:card") == ["summary"], url


@pytest.mark.django_db
def test_a_study_reached_by_its_short_address_is_canonical_at_its_slug(client):
    study = make_study()
    response = client.get(f"/studies/{study.pk}/", follow=True)
    assert response.status_code == 200
    assert HeadTags(response.content.decode()).canonicals() == [
        BASE + study.get_absolute_url()
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "/conditions/"),
        ("?page=2", "/conditions/?page=2"),
        ("?page=02", "/conditions/?page=2"),
        ("?page=1", "/conditions/"),
        ("?page=last", "/conditions/"),
        ("?page=99999999999999999999", "/conditions/"),
        ("?q=pain&page=2", "/conditions/"),
        ("?q=&grade=&sort=&page=3", "/conditions/?page=3"),
        ("?utm_source=news", "/conditions/"),
        ("?q=%00", "/conditions/"),
    ],
)
def test_canonical_url_keeps_only_the_page_of_an_unfiltered_list(query, expected):
    request = RequestFactory().get("/conditions/" + query)
    assert canonical_url(request) == BASE + expected


@pytest.mark.django_db
def test_a_filtered_list_points_its_canonical_at_the_list(client):
    make_condition(name="Fibromyalgia")
    response = client.get(reverse("conditions:list") + "?q=fibro")
    assert response.status_code == 200
    assert HeadTags(response.content.decode()).canonicals() == [BASE + "/conditions/"]


def test_open_graph_tags_escape_what_they_are_given():
    html = loader.render_to_string(
        "includes/open_graph.html",
        {
            "og_title": '"><script>alert(1)</script>',
            "og_description": "Fish & chips <b>",
            "canonical_url": 'https://example.org/?a="b"',
        },
    )
    assert "<script>" not in html and "<b>" not in html
    tags = HeadTags(html)
    assert tags.meta(property="og:title") == ['"><script>alert(1)</script>']
    assert tags.meta(property="og:description") == ["Fish & chips <b>"]
    assert tags.meta(property="og:url") == ['https://example.org/?a="b"']
    assert tags.meta(property="og:type") == ["website"]


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/ldnsite/favicon.svg"


# --- Review dates ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["condition", "study", "mechanism"])
def test_a_page_whose_review_is_overdue_says_so_plainly(client, kind):
    makers = {
        "condition": make_condition,
        "study": make_study,
        "mechanism": make_mechanism,
    }
    today = timezone.localdate()
    overdue = makers[kind](
        last_reviewed=today - datetime.timedelta(days=400),
        next_review_due=today - datetime.timedelta(days=1),
    )
    current = makers[kind](
        last_reviewed=today, next_review_due=today + datetime.timedelta(days=30)
    )
    body = client.get(overdue.get_absolute_url()).content.decode()
    assert "This page is due for review." in body
    assert (today - datetime.timedelta(days=1)).isoformat() in body
    assert (
        "due for review" not in client.get(current.get_absolute_url()).content.decode()
    )
