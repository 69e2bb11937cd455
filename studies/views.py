from django.shortcuts import redirect
from django.views.generic import DetailView, TemplateView

from ldnsite.views import FilteredListView, PublishedOrPreviewMixin
from studies.filters import StudyFilter
from studies.models import Study


class StudyDetailView(PublishedOrPreviewMixin, DetailView):
    template_name = "studies/study_detail.html"

    def base_queryset(self):
        return Study.objects.select_related("reviewed_by")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if kwargs.get("slug") != self.object.slug:
            return redirect(self.object, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            findings=self.object.findings.published().select_related("condition"),
            mechanisms=self.object.mechanisms.published(),
            **kwargs,
        )


class StudyListView(FilteredListView):
    template_name = "studies/study_list.html"
    filterset_class = StudyFilter

    def get_queryset(self):
        return Study.objects.published().with_level()


class EvidenceView(TemplateView):
    template_name = "studies/evidence.html"
