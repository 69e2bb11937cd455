"""Health checks for load balancers, and compressed public answers."""

from __future__ import annotations

import gzip

import pytest
from django.db import connection
from django.db.utils import OperationalError

from tests.factories import make_condition

pytestmark = pytest.mark.django_db


def test_livez_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_checks_the_database_and_the_cache(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok"},
    }


def test_healthz_names_the_database_when_it_fails(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"] == "failed: OperationalError"
    assert body["checks"]["cache"] == "ok"


def test_healthz_names_the_cache_when_it_keeps_nothing(client, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(cache, "get", lambda *a, **k: None)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]


def test_health_checks_skip_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/livez").status_code == 200
    assert client.get("/conditions/").status_code == 301


@pytest.mark.parametrize("url", ["/conditions/", "/api/v1/conditions/"])
def test_public_pages_and_the_api_are_gzipped_for_clients_that_accept_it(client, url):
    for n in range(5):
        make_condition(summary=f"Summary {n} " * 40)
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 2
    # The (weakened) ETag still answers a conditional request.
    again = client.get(
        url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"]
    )
    assert again.status_code == 304


def test_the_admin_and_signed_in_pages_are_never_compressed(client, editor):
    client.force_login(editor)
    for url in ("/admin/", "/conditions/", "/admin/login/"):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert "Content-Encoding" not in response, url
