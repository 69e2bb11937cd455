from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ldnsite.search import search_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("ldnsite.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("search/", search_view, name="search"),
    path("", include("studies.urls")),
    path("", include("conditions.urls")),
]

handler404 = "ldnsite.views.page_not_found"
