"""The 404 and 500 pages: the site's style for readers, JSON under /api/."""

from __future__ import annotations

import json

import pytest
from django.template import loader
from django.test import RequestFactory
from django.urls import path, reverse

import ldnsite.urls
from ldnsite.views import server_error


def boom(request):
    raise RuntimeError("a bug")


class URLConfWithABug:
    """The site's URLs plus a page and an API path whose view raises."""

    urlpatterns = [
        path("boom/", boom),
        path("api/v1/boom/", boom),
        *ldnsite.urls.urlpatterns,
    ]
    handler404 = ldnsite.urls.handler404
    handler500 = ldnsite.urls.handler500


@pytest.fixture
def buggy_site(client, settings):
    settings.ROOT_URLCONF = URLConfWithABug
    client.raise_request_exception = False
    return client


# --- 404 --------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_address_gets_the_styled_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'rel="stylesheet"' in html
    for name in ("conditions:home", "conditions:list", "studies:list"):
        assert f'href="{reverse(name)}"' in html
    assert f'action="{reverse("search")}"' in html
    assert '<label for="not-found-q">' in html and 'id="not-found-q"' in html
    assert '<meta name="robots" content="noindex">' in html
    # A missing page has no canonical address.
    assert 'rel="canonical"' not in html and "og:url" not in html


@pytest.mark.django_db
def test_an_unknown_api_address_answers_json(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "Not found."}


@pytest.mark.django_db
def test_a_hidden_item_gets_the_same_404_page(client):
    from tests.factories import HIDDEN_STATES, make_study

    study = make_study(**HIDDEN_STATES["draft"])
    response = client.get(study.get_absolute_url())
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()
    assert study.title not in response.content.decode()


# --- 500 --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_page_gets_the_styled_500_page(buggy_site):
    response = buggy_site.get("/boom/")
    assert response.status_code == 500
    assert [t.name for t in response.templates] == ["500.html"]
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert 'href="/static/ldnsite/site.css"' in html
    for href in ("/", "/conditions/", "/studies/"):
        assert f'href="{href}"' in html
    assert 'action="/search/"' in html
    assert "a bug" not in html and "Traceback" not in html
    assert "public" not in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_failing_api_view_answers_json(buggy_site):
    response = buggy_site.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "Server error."}


def test_the_500_page_needs_no_context_and_no_database():
    """Django renders it with an empty Context; this test has no database access."""
    html = loader.get_template("500.html").render()
    assert "Something went wrong on our side" in html
    response = server_error(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def manifest_storage(settings, static_root, paths=None):
    settings.STATIC_ROOT = static_root
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        },
    }
    if paths is not None:
        manifest = {"paths": paths, "version": "1.1", "hash": "0"}
        (static_root / "staticfiles.json").write_text(json.dumps(manifest))


def test_the_500_page_links_the_hashed_stylesheet_under_manifest_storage(
    settings, tmp_path
):
    manifest_storage(
        settings,
        tmp_path,
        {
            "ldnsite/site.css": "ldnsite/site.0123abcd.css",
            "ldnsite/favicon.svg": "ldnsite/favicon.4567ef01.svg",
        },
    )
    response = server_error(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    assert 'href="/static/ldnsite/site.0123abcd.css"' in response.content.decode()


def test_the_500_page_falls_back_to_plain_html_when_the_template_fails(
    settings, tmp_path
):
    """A stylesheet missing from the manifest must not turn the 500 into a crash."""
    manifest_storage(settings, tmp_path, paths={})
    response = server_error(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert 'href="/"' in html
