from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from ldnsite.search import search_view
from ldnsite.sitemaps import index_view, section_view, sitemaps
from ldnsite.views import api_docs, favicon, robots_txt
from studies.feeds import LatestStudiesFeed

SITEMAPS = sitemaps()

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("ldnsite.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("search/", search_view, name="search"),
    path(
        "sitemap.xml",
        index_view,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        section_view,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("robots.txt", robots_txt, name="robots"),
    path("favicon.ico", favicon, name="favicon"),
    path("studies/feed/", LatestStudiesFeed(), name="studies-feed"),
    path("", include("studies.urls")),
    path("", include("conditions.urls")),
]

handler404 = "ldnsite.views.page_not_found"
handler500 = "ldnsite.views.server_error"
