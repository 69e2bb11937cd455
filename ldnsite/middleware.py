"""Site-wide middleware: health checks, compression and the pages' cache headers."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers


class PageCacheMiddleware:
    """`Cache-Control` for every page that does not set one itself.

    - Anonymous GET/HEAD answered 200: `public, max-age=PAGE_CACHE_MAX_AGE`,
      so a proxy or CDN may serve it to everyone.
    - Signed-in users (staff previewing a draft, say) and any answer that sets a
      cookie: `private, no-cache`, so a shared cache never keeps it.
    - Errors (4xx, 5xx): `no-store`.

    Both kinds vary on `Cookie`. Redirects and other methods are left alone.
    Placed below `ConditionalGetMiddleware`, which then adds a body ETag (and
    answers `If-None-Match` with 304) to what this marks cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/") or response.has_header("Cache-Control"):
            return response
        if response.status_code >= 400:
            patch_cache_control(response, no_store=True)
            return response
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        user = getattr(request, "user", None)
        if response.cookies or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(
                response, public=True, max_age=settings.PAGE_CACHE_MAX_AGE
            )
        patch_vary_headers(response, ("Cookie",))
        return response


class PublicGZipMiddleware(GZipMiddleware):
    """Gzip for public pages and the API, never for the admin or a signed-in user.

    Compressing a body that mixes a secret (a CSRF token, a session's data) with
    text an attacker can choose leaks the secret (BREACH). Public pages and API
    answers hold no secret; the admin and signed-in pages are left alone.
    """

    def process_response(self, request, response):
        if request.path.startswith("/admin/") or response.cookies:
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        return super().process_response(request, response)


class HealthCheckMiddleware:
    """`/livez` and `/healthz` for load balancers, answered before anything else.

    They answer whatever the Host header (a balancer probes by address) and
    without the HTTPS redirect, sessions or caching:

    - `/livez`: the process answers; touches neither database nor cache.
    - `/healthz`: the database answers a query and the cache stores and reads a
      key; 503 naming what failed otherwise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path == "/livez":
            return self._answer(200, {"status": "ok"})
        if path == "/healthz":
            checks = {"database": _check_database(), "cache": _check_cache()}
            failed = [name for name, result in checks.items() if result != "ok"]
            status = 503 if failed else 200
            body = {"status": "failing" if failed else "ok", "checks": checks}
            if failed:
                body["failed"] = failed
            return self._answer(status, body)
        return self.get_response(request)

    @staticmethod
    def _answer(status: int, body: dict) -> JsonResponse:
        response = JsonResponse(body, status=status)
        patch_cache_control(response, no_store=True)
        return response


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure is the answer, not an error page
        return f"failed: {type(exc).__name__}"
    return "ok"


def _check_cache() -> str:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:  # any failure is the answer, not an error page
        return f"failed: {type(exc).__name__}"
    return "ok" if ok or _cache_is_dummy() else "failed: the cache kept nothing"


def _cache_is_dummy() -> bool:
    return settings.CACHES["default"]["BACKEND"].endswith("DummyCache")
