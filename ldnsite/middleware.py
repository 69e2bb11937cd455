"""Cache headers for the site's pages (the API under /api/ sets its own)."""

from __future__ import annotations

from django.conf import settings
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
