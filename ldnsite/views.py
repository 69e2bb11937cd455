"""Site-wide views and view helpers shared by the public pages."""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import re

from django.conf import settings
from django.http import (
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views import defaults
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularSwaggerSplitView

logger = logging.getLogger(__name__)


def page_not_found(request, exception):
    """JSON under /api/ (clients parse every answer there), the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


# Shown if even templates/500.html cannot be rendered (e.g. a static file missing
# from the manifest).
_PLAIN_500 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>Server error · LDN evidence</title></head><body><main>"
    "<h1>Something went wrong on our side</h1><p>Please try again in a moment, "
    'or go to the <a href="/">home page</a>.</p></main></body></html>'
)


def server_error(request):
    """JSON under /api/, else templates/500.html, which needs no context or database."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    try:
        return defaults.server_error(request)
    except Exception:
        logger.exception("templates/500.html could not be rendered")
        return HttpResponseServerError(_PLAIN_500)


@require_safe
def robots_txt(request):
    """Crawl everything public; not the admin, search results or the JSON API."""
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /api/",
        "Allow: /",
        "",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico where a page names no icon (the admin, feeds)."""
    return HttpResponseRedirect(static("ldnsite/favicon.svg"))


@functools.cache
def _inline_style_hashes(template_name: str) -> tuple[str, ...]:
    """CSP hashes of the static `<style>` blocks of a template."""
    source = loader.get_template(template_name).template.source
    blocks = re.findall(r"<style>(.*?)</style>", source, re.DOTALL)
    digests = (hashlib.sha256(block.encode()).digest() for block in blocks)
    return tuple(f"'sha256-{base64.b64encode(d).decode()}'" for d in digests)


_swagger_ui = SpectacularSwaggerSplitView.as_view(url_name="api-schema")


def api_docs(request, *args, **kwargs):
    """Swagger UI for /api/docs/ under the site's CSP.

    The split view serves its start-up script as a file (no inline script); the
    template's one small inline `<style>` is allowed by its hash, nothing else.
    """
    response = _swagger_ui(request, *args, **kwargs)
    policy = settings.SECURE_CSP
    if policy and "style-src" in policy:
        hashes = _inline_style_hashes(SpectacularSwaggerSplitView.template_name)
        response._csp_config = {
            **policy,
            "style-src": [*policy["style-src"], *hashes],
        }
    return response
