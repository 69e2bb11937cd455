from django.urls import path
from django.views.generic import TemplateView

from conditions import views

app_name = "conditions"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("conditions/", views.ConditionListView.as_view(), name="list"),
    path("conditions/<slug:slug>/", views.ConditionDetailView.as_view(), name="detail"),
    path("mechanisms/", views.MechanismListView.as_view(), name="mechanism-list"),
    path(
        "mechanisms/<slug:slug>/",
        views.MechanismDetailView.as_view(),
        name="mechanism-detail",
    ),
    path("faq/", views.FAQView.as_view(), name="faq"),
    path("glossary/", views.GlossaryView.as_view(), name="glossary"),
    path(
        "sources/",
        TemplateView.as_view(template_name="conditions/sources.html"),
        name="sources",
    ),
]
