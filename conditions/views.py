from django.views.generic import DetailView, ListView, TemplateView

from conditions.filters import ConditionFilter
from conditions.models import Condition, FAQEntry, GlossaryTerm, Mechanism
from ldnsite.views import FilteredListView, PublishedOrPreviewMixin
from studies.models import Finding, Study


class HomeView(TemplateView):
    """The home page: conditions with grades, the evidence map, the latest studies.

    Three queries: the conditions, their findings (which give both the grades
    and the map), and the five most recently published studies.
    """

    template_name = "conditions/home.html"

    def get_context_data(self, **kwargs):
        from studies.evidence_map import evidence_map_from_conditions

        conditions = list(Condition.objects.published().with_evidence())
        return super().get_context_data(
            conditions=conditions,
            evidence_map=evidence_map_from_conditions(conditions),
            latest_studies=Study.objects.published().order_by("-published_at", "-pk")[
                :5
            ],
            **kwargs,
        )


class ConditionListView(FilteredListView):
    template_name = "conditions/condition_list.html"
    filterset_class = ConditionFilter

    def get_queryset(self):
        return Condition.objects.published().with_evidence()


class ConditionDetailView(PublishedOrPreviewMixin, DetailView):
    template_name = "conditions/condition_detail.html"

    def base_queryset(self):
        return Condition.objects.with_evidence().select_related("reviewed_by")

    def get_context_data(self, **kwargs):
        condition = self.object
        return super().get_context_data(
            mechanisms=condition.mechanisms.published(),
            findings=Finding.objects.published()
            .with_level()
            .filter(condition=condition)
            .select_related("study")
            .order_by("evidence_level", "study__title", "pk"),
            faq=condition.faq_entries.published(),
            **kwargs,
        )


class MechanismListView(ListView):
    template_name = "conditions/mechanism_list.html"

    def get_queryset(self):
        return Mechanism.objects.published()


class MechanismDetailView(PublishedOrPreviewMixin, DetailView):
    template_name = "conditions/mechanism_detail.html"

    def base_queryset(self):
        return Mechanism.objects.select_related("reviewed_by")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            conditions=self.object.conditions.published(),
            studies=self.object.studies.published(),
            **kwargs,
        )


class FAQView(ListView):
    template_name = "conditions/faq.html"

    def get_queryset(self):
        return FAQEntry.objects.published()


class GlossaryView(ListView):
    template_name = "conditions/glossary.html"

    def get_queryset(self):
        return GlossaryTerm.objects.published()
