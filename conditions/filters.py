"""Filters for the condition, mechanism, FAQ and glossary lists (pages and API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from conditions.models import (
    Category,
    Condition,
    FAQEntry,
    GlossaryTerm,
    Mechanism,
    SupportLevel,
)
from ldnsite.filtering import PublicFilterSet, StableOrderingFilter, search_text
from studies.evidence import Grade


class ConditionFilter(PublicFilterSet):
    """Conditions by text, category, mechanism and evidence grade.

    The grade is computed in Python from `Condition.evidence` (there are few
    conditions), so filtering by it grades every condition in the list once.
    """

    q = search_text()
    category = django_filters.ChoiceFilter(choices=Category.choices)
    mechanism = django_filters.ModelChoiceFilter(
        queryset=Mechanism.objects.published(),
        to_field_name="slug",
        field_name="mechanism_links__mechanism",
        label="Mechanism (slug)",
    )
    grade = django_filters.ChoiceFilter(choices=Grade.choices, method="filter_grade")
    ordering = StableOrderingFilter(fields=(("name", "name"), ("category", "category")))

    class Meta(PublicFilterSet.Meta):
        model = Condition
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(aliases__icontains=value)
            | Q(summary__icontains=value)
        )

    def filter_grade(self, queryset, name, value):
        graded = queryset.order_by().prefetch_related(None).with_evidence()
        return queryset.filter(
            pk__in=[c.pk for c in graded if c.evidence.grade == value]
        )


class MechanismFilter(PublicFilterSet):
    q = search_text()
    support_level = django_filters.ChoiceFilter(choices=SupportLevel.choices)
    condition = django_filters.ModelChoiceFilter(
        queryset=Condition.objects.published(),
        to_field_name="slug",
        field_name="condition_links__condition",
        label="Condition (slug)",
    )
    ordering = StableOrderingFilter(fields=(("name", "name"),))

    class Meta(PublicFilterSet.Meta):
        model = Mechanism
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(summary__icontains=value))


class FAQFilter(PublicFilterSet):
    q = search_text()
    condition = django_filters.ModelChoiceFilter(
        queryset=Condition.objects.published(),
        to_field_name="slug",
        label="Condition (slug)",
    )

    class Meta(PublicFilterSet.Meta):
        model = FAQEntry
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(question__icontains=value) | Q(answer__icontains=value)
        )


class GlossaryFilter(PublicFilterSet):
    q = search_text()

    class Meta(PublicFilterSet.Meta):
        model = GlossaryTerm
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(term__icontains=value) | Q(definition__icontains=value)
        )
