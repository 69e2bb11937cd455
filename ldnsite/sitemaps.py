"""The sitemap index and what every section shares.

`/sitemap.xml` is an index (`django.contrib.sitemaps.views.index`) naming one
sitemap per section (`/sitemap-<section>.xml`), each paged at `SITEMAP_LIMIT` (2,000)
addresses (`?p=2`...), so no answer grows with the database. The sections live
with their apps (`conditions/sitemaps.py`, `studies/sitemaps.py`); `sitemaps()`
gathers them.

Only `.published()` rows are listed, so drafts, items in review, archived and
scheduled items never appear. The index runs two queries per section (its
count and its latest change); a section's page two (a count and its rows).
Counts, latest changes and which rows fill each file are remembered until the
content changes (`ldnsite.cache.remember`), so neither grows with the database
once computed.
"""

from __future__ import annotations

import datetime

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from ldnsite.cache import RememberedPaginator, remember

# Addresses per sitemap file (the protocol allows 50,000; smaller files answer
# in bounded time).
SITEMAP_LIMIT = 2000

STATIC_PAGES = (
    "conditions:home",
    "conditions:list",
    "studies:list",
    "conditions:mechanism-list",
    "studies:evidence",
    "conditions:faq",
    "conditions:glossary",
    "conditions:sources",
)


def _as_datetime(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return datetime.datetime.combine(
        day, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )


def latest(*moments: datetime.datetime | datetime.date | None):
    """The latest of the given moments (dates count from midnight), or None."""
    values = [
        m if isinstance(m, datetime.datetime) else _as_datetime(m)
        for m in moments
        if m is not None
    ]
    return max(values) if values else None


class StaticPagesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return list(STATIC_PAGES)

    def location(self, item: str) -> str:
        return reverse(item)


class EditorialSitemap(Sitemap):
    """Published rows of one editorial model, last modified at the later of
    their last edit and their last review."""

    model = None
    changefreq = "monthly"
    limit = SITEMAP_LIMIT

    def queryset(self):
        return self.model.objects.published()

    def items(self):
        return (
            self.queryset()
            .only("pk", "slug", "updated_at", "last_reviewed")
            .order_by("pk")
        )

    def lastmod(self, obj):
        return latest(obj.updated_at, obj.last_reviewed)

    def latest_changes(self) -> dict:
        """Aggregates whose latest is the section's last change (one query)."""
        return self.queryset().aggregate(
            edited=Max("updated_at"), reviewed=Max("last_reviewed")
        )

    def get_latest_lastmod(self):
        """For the index: one aggregate, not every row's `lastmod()`, remembered
        until the content changes."""
        label = self.model._meta.label
        return latest(
            *remember(
                ("sitemap-lastmod", label),
                lambda: tuple(self.latest_changes().values()),
            )
        )

    @property
    def paginator(self):
        """The count and each file's rows, remembered until the content changes."""
        key = ("sitemap", self.model._meta.label)
        return RememberedPaginator(self._items(), self.limit, key=key, rows=True)


def sitemaps() -> dict[str, type[Sitemap]]:
    from conditions.sitemaps import ConditionSitemap, MechanismSitemap
    from studies.sitemaps import StudySitemap

    return {
        "pages": StaticPagesSitemap,
        "conditions": ConditionSitemap,
        "mechanisms": MechanismSitemap,
        "studies": StudySitemap,
    }


def _remembered(key: tuple, render_view) -> HttpResponse:
    """The answer of `render_view()` (a TemplateResponse), rendered once per
    content change under `key` (`remember()`)."""

    def render() -> tuple[bytes, list[tuple[str, str]]]:
        response = render_view()
        response.render()
        return response.content, list(response.items())

    content, headers = remember(key, render)
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return response


def index_view(request, sitemaps: dict, sitemap_url_name: str):
    """The sitemap index (`django.contrib.sitemaps.views.index`), rendered once
    per content change: it names one file per `SITEMAP_LIMIT` addresses, so
    without this it would grow with the studies."""
    return _remembered(
        ("sitemap-index", request.scheme, request.get_host()),
        lambda: sitemap_views.index(
            request, sitemaps=sitemaps, sitemap_url_name=sitemap_url_name
        ),
    )


def section_view(request, section: str, sitemaps: dict):
    """One sitemap file (`django.contrib.sitemaps.views.sitemap`), rendered once
    per content change and page: a file of `SITEMAP_LIMIT` addresses costs the
    same whatever the number of studies. An odd `?p=` is left to Django's view
    (404) and never kept."""
    page = request.GET.get("p", "1")
    if not (page.isascii() and page.isdigit() and len(page) <= 9):
        return sitemap_views.sitemap(request, sitemaps=sitemaps, section=section)
    return _remembered(
        ("sitemap-file", request.scheme, request.get_host(), section, int(page)),
        lambda: sitemap_views.sitemap(request, sitemaps=sitemaps, section=section),
    )
