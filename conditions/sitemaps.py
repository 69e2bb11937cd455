"""The sitemap sections of conditions and mechanisms (see `ldnsite.sitemaps`)."""

from __future__ import annotations

from django.db.models import Max

from conditions.models import Condition, Mechanism
from ldnsite.editorial.policy import published_q
from ldnsite.sitemaps import EditorialSitemap, latest


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

    def latest_changes(self) -> dict:
        return self.queryset().aggregate(
            edited=Max("updated_at"),
            reviewed=Max("last_reviewed"),
            findings=Max(
                "findings__updated_at", filter=published_q("findings__study__")
            ),
        )


class MechanismSitemap(EditorialSitemap):
    model = Mechanism
