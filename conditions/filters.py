"""Filters for the condition, mechanism, FAQ and glossary lists (pages and API)."""

from __future__ import annotations

from collections import defaultdict

import django_filters
from django.db.models import Case, Count, IntegerField, Q, Value, When

from conditions.models import (
    Category,
    Condition,
    FAQEntry,
    GlossaryTerm,
    Mechanism,
    SupportLevel,
)
from ldnsite.editorial import published_q
from ldnsite.filtering import PublicFilterSet, StableOrderingFilter, search_text
from studies.evidence import Grade, grade_findings
from studies.models import Finding

GRADE_RANK = {grade: rank for rank, grade in enumerate(Grade.values)}
"""A first, I last: the order of `Grade`, strongest evidence first."""

GRADE_CHOICES = [(grade, f"{grade}: {label}") for grade, label in Grade.choices]

CONDITION_ORDERING = [
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("grade", "Evidence grade, strongest first"),
    ("-grade", "Evidence grade, weakest first"),
    ("-studies", "Number of studies, most first"),
    ("studies", "Number of studies, fewest first"),
    ("category", "Category, A to Z"),
    ("-category", "Category, Z to A"),
]


def published_mechanisms(request=None):
    """Built per request: `published()` reads the clock, so a class-level
    queryset would freeze "now" at import and miss anything published later."""
    return Mechanism.objects.published()


def published_conditions(request=None):
    """Per request, like `published_mechanisms`."""
    return Condition.objects.published()


class ConditionOrderingFilter(StableOrderingFilter):
    """`ordering` for conditions: name, category, grade or number of studies.

    The number of studies is a SQL count (published studies with a finding for
    the condition). The grade is computed in Python, so it becomes a `CASE` on
    the primary keys, from one query over the findings (`grades_for`). Ties
    fall back to the name, then `pk`.
    """

    def filter(self, qs, value):
        params = self.sort_keys(value)
        if not params:
            return qs
        ordering = []
        for param in params:
            descending = param.startswith("-")
            key = param.lstrip("-")
            if key == "studies":
                qs = qs.annotate(
                    study_count=Count(
                        "findings__study",
                        filter=published_q("findings__study__"),
                        distinct=True,
                    )
                )
                field = "study_count"
            elif key == "grade":
                qs = qs.annotate(grade_rank=self.parent.grade_rank_expression(qs))
                field = "grade_rank"
            else:
                field = self.get_ordering_value(key)
            ordering.append(f"-{field}" if descending else field)
        return qs.order_by(*ordering, "name", "pk")


class ConditionFilter(PublicFilterSet):
    """Conditions by text, category, mechanism and evidence grade; sortable.

    The grade is computed in Python from the findings of published studies (the
    rule in `studies.evidence`); filtering or sorting by it grades the listed
    conditions from one query, whatever their number.
    """

    q = search_text()
    category = django_filters.ChoiceFilter(
        choices=Category.choices, empty_label="Any category"
    )
    grade = django_filters.ChoiceFilter(
        choices=GRADE_CHOICES,
        method="filter_grade",
        label="Evidence grade",
        empty_label="Any grade",
    )
    mechanism = django_filters.ModelChoiceFilter(
        queryset=published_mechanisms,
        to_field_name="slug",
        field_name="mechanism_links__mechanism",
        label="Mechanism",
        empty_label="Any mechanism",
    )
    ordering = ConditionOrderingFilter(
        fields=(("name", "name"), ("category", "category")),
        choices=CONDITION_ORDERING,
        label="Sort by",
        empty_label=None,
    )

    class Meta(PublicFilterSet.Meta):
        model = Condition
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(aliases__icontains=value)
            | Q(summary__icontains=value)
        )

    def grades_for(self, queryset) -> dict[int, str]:
        """{condition pk: grade} for the conditions with published findings.

        One query; a condition missing from the dict has no finding (grade I).
        Filters run in order and only narrow, so the grades computed for the
        grade filter also serve the sort that follows it.
        """
        cached = getattr(self, "_grades", None)
        if cached is not None:
            return cached
        rows = (
            Finding.objects.of_published_studies()
            .with_level()
            .filter(condition__in=queryset.order_by().values("pk"))
            .order_by()
            .values_list("condition_id", "study_id", "evidence_level", "direction")
        )
        by_condition: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for condition_id, study_id, level, direction in rows:
            by_condition[condition_id].append((study_id, level, direction))
        self._grades = {
            pk: grade_findings(findings).grade for pk, findings in by_condition.items()
        }
        return self._grades

    def grade_rank_expression(self, queryset) -> Case:
        """The grade's rank (A = 0 … I = 4) as SQL, for `order_by`."""
        by_grade: dict[str, list[int]] = defaultdict(list)
        for pk, grade in self.grades_for(queryset).items():
            by_grade[grade].append(pk)
        return Case(
            *(
                When(pk__in=pks, then=Value(GRADE_RANK[grade]))
                for grade, pks in by_grade.items()
            ),
            default=Value(GRADE_RANK[Grade.INSUFFICIENT]),
            output_field=IntegerField(),
        )

    def filter_grade(self, queryset, name, value):
        grades = self.grades_for(queryset)
        if value == Grade.INSUFFICIENT:
            return queryset.exclude(
                pk__in=[pk for pk, g in grades.items() if g != value]
            )
        return queryset.filter(pk__in=[pk for pk, g in grades.items() if g == value])


class MechanismFilter(PublicFilterSet):
    q = search_text()
    support_level = django_filters.ChoiceFilter(choices=SupportLevel.choices)
    condition = django_filters.ModelChoiceFilter(
        queryset=published_conditions,
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
        queryset=published_conditions,
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
