from django.urls import path

from studies import views

app_name = "studies"

urlpatterns = [
    path("studies/", views.StudyListView.as_view(), name="list"),
    path("evidence/", views.EvidenceView.as_view(), name="evidence"),
    path("studies/<int:pk>/", views.StudyDetailView.as_view(), name="detail-short"),
    path(
        "studies/<int:pk>/<slug:slug>/", views.StudyDetailView.as_view(), name="detail"
    ),
]
