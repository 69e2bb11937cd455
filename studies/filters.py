"""Filters for the study and finding lists (pages, API and citation exports)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Count, F, Q
from django.db.models.functions import Lower
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from conditions.filters import published_conditions
from conditions.models import Category, Condition
from ldnsite.editorial.filters import (
    YES_NO,
    IntegerFilter,
    PublicFilterSet,
    StableOrderingFilter,
    search_text,
)
from studies.evidence import Design, Direction, EvidenceLevel
from studies.models import EARLIEST_YEAR, LATEST_YEAR, Finding, Outcome, Study

LEVEL_CHOICES = [(str(value), label) for value, label in EvidenceLevel.choices]


def _year(lookup: str, label: str) -> IntegerFilter:
    return IntegerFilter(
        field_name="year",
        lookup_expr=lookup,
        min_value=EARLIEST_YEAR,
        max_value=LATEST_YEAR,
        label=label,
    )


def _dose(label: str) -> django_filters.NumberFilter:
    return django_filters.NumberFilter(
        method="filter_dose",
        label=label,
        min_value=0,
        max_value=1000,
        max_digits=7,
        decimal_places=2,
        help_text="Daily dose in mg; studies with a finding at a dose in the range.",
    )


class StudyOrderingFilter(StableOrderingFilter):
    """Study sorts: a missing year or level sorts last both ways, titles case-blind.

    Databases disagree on where NULLs go (PostgreSQL puts them first when
    descending, SQLite when ascending); this makes every database agree.
    """

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        descending = value.startswith("-")
        name = value.removeprefix("-")
        expression = Lower(name) if name == "title" else F(name)
        if descending:
            return expression.desc(nulls_last=True)
        return expression.asc(nulls_last=True)


# Ascending labels are keyed by field, descending ones by "-" and the parameter.
STUDY_SORTS = {
    "year": "Year, oldest first",
    "-year": "Year, newest first",
    "title": "Title, A to Z",
    "-title": "Title, Z to A",
    "evidence_level_value": "Evidence level, strongest first",
    "-level": "Evidence level, weakest first",
    "published_at": "Date added, oldest first",
    "-published_at": "Date added, newest first",
}


class StudyFilter(PublicFilterSet):
    """Studies by text, condition, category, design, level, direction, year, DOI.

    Condition, category and direction match through the study's public findings.
    """

    q = search_text()
    condition = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelChoiceFilter(
            queryset=published_conditions,
            to_field_name="slug",
            method="filter_condition",
            label="Condition",
            help_text="Studies with a finding for this condition.",
            empty_label="Any condition",
        )
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices,
        method="filter_category",
        label="Condition category",
        empty_label="Any category",
    )
    design = django_filters.MultipleChoiceFilter(
        choices=Design.choices,
        label="Study design",
        widget=forms.CheckboxSelectMultiple,
    )
    level = django_filters.ChoiceFilter(
        choices=LEVEL_CHOICES,
        method="filter_level",
        label="Evidence level",
        empty_label="Any level",
    )
    direction = django_filters.ChoiceFilter(
        choices=Direction.choices,
        method="filter_direction",
        label="Finding direction",
        empty_label="Any direction",
    )
    year_min = _year("gte", "From year")
    year_max = _year("lte", "To year")
    dose_min = _dose("Dose from (mg/day)")
    dose_max = _dose("Dose to (mg/day)")
    has_doi = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_has_doi",
        label="Has a DOI",
        empty_label="Either",
    )
    ordering = StudyOrderingFilter(
        fields=(
            ("year", "year"),
            ("title", "title"),
            ("evidence_level_value", "level"),
            ("published_at", "published_at"),
        ),
        field_labels=STUDY_SORTS,
        label="Sort by",
        empty_label="Year, newest first (default)",
    )

    ranges = (("year_min", "year_max"), ("dose_min", "dose_max"))

    class Meta(PublicFilterSet.Meta):
        model = Study
        fields = []

    def _with_findings(self, queryset, **lookups):
        study_ids = Finding.objects.published().filter(**lookups).values("study_id")
        return queryset.filter(pk__in=study_ids)

    def filter_condition(self, queryset, name, value):
        return self._with_findings(queryset, condition=value)

    def filter_category(self, queryset, name, value):
        return self._with_findings(queryset, condition__category=value)

    def filter_direction(self, queryset, name, value):
        return self._with_findings(queryset, direction=value)

    def filter_dose(self, queryset, name, value):
        """Studies with a public finding whose studied daily dose range reaches
        into the chosen one (both ends read together, once)."""
        chosen = self.form.cleaned_data
        low, high = chosen.get("dose_min"), chosen.get("dose_max")
        if name == "dose_max" and low is not None:
            return queryset  # done with dose_min
        reaches = Q(dose_min_mg__isnull=False) | Q(dose_max_mg__isnull=False)
        if low is not None:
            reaches &= Q(dose_max_mg__gte=low) | Q(
                dose_max_mg__isnull=True, dose_min_mg__gte=low
            )
        if high is not None:
            reaches &= Q(dose_min_mg__lte=high) | Q(
                dose_min_mg__isnull=True, dose_max_mg__lte=high
            )
        study_ids = Finding.objects.published().filter(reaches).values("study_id")
        return queryset.filter(pk__in=study_ids)

    def filter_level(self, queryset, name, value):
        if "evidence_level_value" not in queryset.query.annotations:
            queryset = queryset.with_level()
        return queryset.filter(evidence_level_value=int(value))

    def filter_has_doi(self, queryset, name, value):
        return queryset.exclude(doi="") if value == "true" else queryset.filter(doi="")


class FindingFilter(PublicFilterSet):
    """Findings by condition, study, outcome, direction and evidence level."""

    condition = django_filters.ModelChoiceFilter(
        queryset=published_conditions,
        to_field_name="slug",
        label="Condition (slug)",
    )
    study = IntegerFilter(field_name="study_id", min_value=1, max_value=2**63 - 1)
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    level = django_filters.ChoiceFilter(
        choices=LEVEL_CHOICES, method="filter_level", label="Evidence level"
    )
    ordering = StableOrderingFilter(
        fields=(("evidence_level", "level"), ("study__year", "year"))
    )

    class Meta(PublicFilterSet.Meta):
        model = Finding
        fields = []

    def filter_level(self, queryset, name, value):
        return queryset.filter(evidence_level=int(value))


# --- Counts beside the choices ----------------------------------------------------

FINDING_FACETS = ("condition", "category", "direction")
STUDY_FACETS = ("design", "level", "has_doi")


def facet_counts(filterset: StudyFilter) -> dict[str, dict[str, int]]:
    """How many studies each choice of each filter would give, the others kept.

    As ClinicalTrials.gov and PubMed show them: for each filter, the studies
    matching every other filter, counted per choice. Filters whose other
    filters are the same are counted together, in one query of conditional
    counts: one over the public findings for condition, category and
    direction (distinct studies), one over the studies for their own fields
    (design, level, DOI), whatever the number of studies or choices.
    """
    counts: dict[str, dict[str, int]] = {}
    # The counts need no ranking nor highlighting, and run in subqueries.
    filterset.search_headlines, filterset.search_unranked = False, True
    form = filterset.form
    chosen = form.cleaned_data if form.is_bound else {}
    applied = {
        name: value
        for name, value in chosen.items()
        if name != "ordering" and value not in EMPTY_VALUES
    }

    def kept(name: str):
        """The studies matching every applied filter but `name` (as already
        validated: no lookup runs again), or None when no filter narrows them."""
        others = {other: v for other, v in applied.items() if other != name}
        if not others:
            return None
        studies = filterset.queryset.all()
        for other, value in others.items():
            studies = filterset.filters[other].filter(studies, value)
        return studies.order_by()

    def grouped(names) -> list[list[str]]:
        """`names` gathered by the other filters they are counted under."""
        groups: dict[frozenset, list[str]] = {}
        for name in names:
            groups.setdefault(frozenset(set(applied) - {name}), []).append(name)
        return list(groups.values())

    def count(queryset, cases: dict[tuple[str, str], Q], of="pk", distinct=False):
        """Each case's count of `of` in `queryset`, in one query."""
        if not cases:
            return
        totals = queryset.aggregate(
            **{
                f"c{i}": Count(of, filter=q, distinct=distinct)
                for i, q in enumerate(cases.values())
            }
        )
        for i, (name, value) in enumerate(cases):
            counts.setdefault(name, {})[value] = totals[f"c{i}"]

    for names in grouped(FINDING_FACETS):
        findings = Finding.objects.published().order_by()
        studies = kept(names[0])
        if studies is not None:
            findings = findings.filter(study__in=studies.values("pk"))
        cases = {}
        for name in names:
            if name == "condition":
                conditions = Condition.objects.published().values_list("pk", "slug")
                cases |= {(name, slug): Q(condition=pk) for pk, slug in conditions}
            elif name == "category":
                cases |= {
                    (name, value): Q(condition__category=value)
                    for value in Category.values
                }
            else:
                cases |= {
                    (name, value): Q(direction=value) for value in Direction.values
                }
        count(findings, cases, of="study", distinct=True)

    for names in grouped(STUDY_FACETS):
        studies = kept(names[0])
        if studies is None:
            studies = filterset.queryset.order_by()
        cases = {}
        for name in names:
            if name == "design":
                cases |= {(name, value): Q(design=value) for value in Design.values}
            elif name == "level":
                if "evidence_level_value" not in studies.query.annotations:
                    studies = studies.with_level()
                cases |= {
                    (name, value): Q(evidence_level_value=int(value))
                    for value, _ in LEVEL_CHOICES
                }
            else:
                cases |= {(name, "true"): ~Q(doi=""), (name, "false"): Q(doi="")}
        count(studies, cases)
    return counts
