"""The sitemap sections of conditions and mechanisms (see `ldnsite.sitemaps`)."""

from __future__ import annotations

from django.db.models import Max, OuterRef, Subquery

from conditions.models import Condition, Mechanism
from ldnsite.editorial.policy import published_q
from ldnsite.sitemaps import EditorialSitemap, latest


def findings_updated_at() -> Subquery:
    """A condition's latest edit of a finding of a published study: its newest
    such finding, read from the index of findings by condition and edit time
    (`finding_latest_edit`), not by grouping all its findings."""
    from studies.models import Finding

    return Subquery(
        Finding.objects.filter(published_q("study__"), condition=OuterRef("pk"))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )


class ConditionSitemap(EditorialSitemap):
    """A condition's page also changes when one of its findings does."""

    model = Condition

    def items(self):
        return super().items().annotate(findings_updated_at=findings_updated_at())

    def lastmod(self, obj):
        return latest(super().lastmod(obj), obj.findings_updated_at)

    def latest_changes(self) -> dict:
        return (
            self.queryset()
            .annotate(findings_updated_at=findings_updated_at())
            .aggregate(
                edited=Max("updated_at"),
                reviewed=Max("last_reviewed"),
                findings=Max("findings_updated_at"),
            )
        )


class MechanismSitemap(EditorialSitemap):
    model = Mechanism
