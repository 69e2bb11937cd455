"""Content-Security-Policy, Cache-Control and conditional GET on the site's pages."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.urls import reverse

from tests.factories import (
    HIDDEN_STATES,
    make_condition,
    make_study,
    make_user,
)
from tests.pages import make_site as make_published_site
from tests.pages import public_pages


def make_site():
    return public_pages(*make_published_site())


def policy(response) -> dict[str, list[str]]:
    """The enforced CSP as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives
        directives[name] = sources
    return directives


def cache_directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d}


def vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v}


# --- Content-Security-Policy -------------------------------------------------------


STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


@pytest.mark.django_db
def test_every_page_carries_a_strict_csp_that_refuses_inline_script(client):
    for url in make_site():
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy(response) == STRICT, url
        assert "Content-Security-Policy-Report-Only" not in response


@pytest.mark.django_db
def test_pages_hold_no_inline_script_or_style_the_policy_would_block(client):
    """Only JSON-LD data blocks may be inline; styles come from the stylesheet."""
    for url in make_site():
        html = client.get(url).content.decode()
        for attrs in re.findall(r"<script\b([^>]*)>", html):
            assert "src=" in attrs or 'type="application/ld+json"' in attrs, url
        assert "<style" not in html, url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        assert "javascript:" not in html, url


@pytest.mark.django_db
def test_feed_sitemap_robots_and_errors_carry_the_policy_too(client):
    for url in ("/sitemap.xml", "/robots.txt", reverse("studies-feed"), "/nope/"):
        assert policy(client.get(url))["script-src"] == ["'self'"], url


def test_api_docs_run_without_inline_script(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    for attrs in re.findall(r"<script\b([^>]*)>", html):
        assert "src=" in attrs
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["style-src"]
    # The one inline <style> of the page is allowed by its exact hash.
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert directives["style-src"] == ["'self'", f"'sha256-{digest}'"]
    assert {k: v for k, v in directives.items() if k != "style-src"} == {
        k: v for k, v in STRICT.items() if k != "style-src"
    }
    # The start-up script is a file of its own, served from this site.
    sources = re.findall(r'<script src="([^"]*)"', html)
    assert reverse("api-docs") + "?script=" in sources
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_the_admin_works_under_the_policy(superuser_client):
    response = superuser_client.get(reverse("admin:conditions_condition_add"))
    assert response.status_code == 200
    assert policy(response) == STRICT
    html = response.content.decode()
    for attrs in re.findall(r"<script\b([^>]*)>", html):
        assert "src=" in attrs or "application/json" in attrs


# --- Cache-Control and conditional GET ----------------------------------------------


@pytest.mark.django_db
def test_anonymous_pages_are_public_for_the_configured_time(client, settings):
    settings.PAGE_CACHE_MAX_AGE = 123
    for url in make_site():
        response = client.get(url)
        assert cache_directives(response) == {"public", "max-age=123"}, url
        assert "cookie" in vary(response), url
        assert response["ETag"], url
        assert not response.cookies, url


@pytest.mark.django_db
def test_a_detail_page_answers_if_none_match_with_an_empty_304(client):
    url = make_condition().get_absolute_url()
    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert "public" in cache_directives(again)
    # The same body gives the same ETag: no nonce or token makes pages differ.
    assert client.get(url)["ETag"] == first["ETag"]


@pytest.mark.django_db
def test_a_changed_page_gets_a_new_etag_and_a_full_answer(client):
    condition = make_condition(name="Fibromyalgia")
    url = condition.get_absolute_url()
    etag = client.get(url)["ETag"]
    condition.name = "Fibromyalgia syndrome"
    condition.save()
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Fibromyalgia syndrome" in response.content.decode()


@pytest.mark.django_db
def test_head_gets_the_same_cache_headers(client):
    url = make_study().get_absolute_url()
    response = client.head(url)
    assert response.status_code == 200
    assert "public" in cache_directives(response)


@pytest.mark.django_db
def test_sitemap_and_feed_answer_conditional_requests(client):
    make_study()
    for url in ("/sitemap.xml", reverse("studies-feed"), "/robots.txt"):
        first = client.get(url)
        assert "public" in cache_directives(first)
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # The feed is revalidated by its ETag alone: a date taken from its newest
    # entry would go backwards when a study is archived.
    assert "Last-Modified" not in client.get(reverse("studies-feed"))


@pytest.mark.django_db
def test_a_staff_preview_of_a_draft_is_never_cached_publicly(client, editor):
    draft = make_condition(**HIDDEN_STATES["draft"])
    client.force_login(editor)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Draft — not public." in response.content.decode()
    assert cache_directives(response) == {"private", "no-cache"}
    assert "cookie" in vary(response)


@pytest.mark.django_db
def test_signed_in_readers_get_private_pages(client):
    client.force_login(make_user("reader"))
    response = client.get(reverse("conditions:home"))
    assert cache_directives(response) == {"private", "no-cache"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/no-such-page/", "/conditions/no-such-condition/", "/studies/?page=999"],
)
def test_errors_are_not_cached(client, url):
    make_study()
    response = client.get(url)
    assert response.status_code == 404
    directives = cache_directives(response)
    assert "public" not in directives and "no-store" in directives
    assert "ETag" not in response


@pytest.mark.django_db
def test_an_invalid_filter_answer_is_not_cached(client):
    response = client.get(reverse("studies:list") + "?year_min=not-a-year")
    assert response.status_code == 400
    assert "public" not in cache_directives(response)


@pytest.mark.django_db
def test_the_admin_keeps_its_own_never_cache_headers(client, superuser_client):
    response = client.get(reverse("admin:login"))
    assert "public" not in cache_directives(response)
    assert "no-store" in cache_directives(response)
    response = superuser_client.get(reverse("admin:index"))
    assert "public" not in cache_directives(response)


@pytest.mark.django_db
def test_the_api_keeps_its_own_cache_policy_and_etag(client, settings, api_as, editor):
    settings.PAGE_CACHE_MAX_AGE = 999
    url = (
        make_condition()
        .get_absolute_url()
        .replace("/conditions/", "/api/v1/conditions/")
    )
    first = client.get(url)
    assert first.status_code == 200
    assert cache_directives(first) == {"public", "max-age=60"}
    assert {"accept", "authorization", "cookie"} <= vary(first)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert "public" not in cache_directives(client.get("/api/v1/conditions/nope/"))
    staff = api_as(editor).get(url)
    assert cache_directives(staff) == {"private", "no-cache"}
