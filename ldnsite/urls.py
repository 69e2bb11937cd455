from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("ldnsite.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path(
        "search/",
        TemplateView.as_view(template_name="ldnsite/search.html"),
        name="search",
    ),
    path("", include("studies.urls")),
    path("", include("conditions.urls")),
]

handler404 = "ldnsite.views.page_not_found"
