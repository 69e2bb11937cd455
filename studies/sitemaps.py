"""The sitemap section of studies (see `ldnsite.sitemaps`)."""

from __future__ import annotations

from ldnsite.sitemaps import EditorialSitemap
from studies.models import Study


class StudySitemap(EditorialSitemap):
    model = Study
