"""sitemap.xml: the public pages, and every published condition, mechanism and study.

Only `.published()` rows are listed, so drafts, items in review, archived and
scheduled items never appear. Each section runs two queries (a count and the
page of rows) whatever the number of rows.
"""

from __future__ import annotations

import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from conditions.models import Condition, Mechanism
from ldnsite.editorial.policy import published_q
from studies.models import Study

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


class ConditionSitemap(EditorialSitemap):
    """A condition's page also changes when one of its findings does."""

    model = Condition

    def items(self):
        return (
            super()
            .items()
            .annotate(
                findings_updated_at=Max(
                    "findings__updated_at", filter=published_q("findings__study__")
                )
            )
        )

    def lastmod(self, obj):
        return latest(super().lastmod(obj), obj.findings_updated_at)


class MechanismSitemap(EditorialSitemap):
    model = Mechanism


class StudySitemap(EditorialSitemap):
    model = Study


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "conditions": ConditionSitemap,
    "mechanisms": MechanismSitemap,
    "studies": StudySitemap,
}
