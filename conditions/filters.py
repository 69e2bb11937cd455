"""Filters for the condition, mechanism, FAQ and glossary lists (pages and API)."""

from __future__ import annotations

import django_filters
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from conditions.models import (
    Category,
    Condition,
    FAQEntry,
    GlossaryTerm,
    Mechanism,
    Outcome,
    SupportLevel,
)
from ldnsite.editorial.filters import PublicFilterSet, StableOrderingFilter, search_text
from ldnsite.editorial.policy import published_q
from studies.evidence import CERTAINTY_RANK, Certainty
from studies.models import EvidenceSummary, Finding

CONDITION_ORDERING = [
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("-certainty", "Certainty, highest first"),
    ("certainty", "Certainty, lowest first"),
    ("-studies", "Number of studies, most first"),
    ("studies", "Number of studies, fewest first"),
    ("category", "Category, A to Z"),
    ("-category", "Category, Z to A"),
]


def summary_value(field: str, default, outcome: str | None = None) -> Coalesce:
    """A field of a condition's stored summary as SQL: that of `outcome`, or of
    the condition's main outcome (its headline) when no outcome is given."""
    return Coalesce(
        Subquery(
            EvidenceSummary.objects.filter(
                condition=OuterRef("pk"),
                outcome=outcome or OuterRef("main_outcome"),
            ).values(field)[:1]
        ),
        Value(default),
        output_field=IntegerField(),
    )


def published_mechanisms(request=None):
    """Built per request: `published()` reads the clock, so a class-level
    queryset would freeze "now" at import and miss anything published later."""
    return Mechanism.objects.published()


def published_conditions(request=None):
    """Per request, like `published_mechanisms`."""
    return Condition.objects.published()


class ConditionOrderingFilter(StableOrderingFilter):
    """`ordering` for conditions: name, category, certainty or number of studies.

    The certainty is that of the condition's main outcome, read from the stored
    summaries in SQL; the number of studies is a SQL count (published studies
    with a finding for the condition). Ties fall back to the name,
    then `pk`.
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
                # A subquery, not a join and GROUP BY (see `Mechanism.for_list`).
                qs = qs.annotate(
                    study_count=Coalesce(
                        Subquery(
                            Finding.objects.filter(
                                published_q("study__"), condition=OuterRef("pk")
                            )
                            .order_by()
                            .values("condition")
                            .annotate(n=Count("study", distinct=True))
                            .values("n")
                        ),
                        0,
                    )
                )
                field = "study_count"
            elif key == "certainty":
                outcome = self.parent.chosen_outcome() if self.parent else None
                qs = qs.annotate(
                    certainty_order=summary_value("certainty_rank", 0, outcome)
                )
                field = "certainty_order"
            else:
                field = self.get_ordering_value(key)
            ordering.append(F(field).desc() if descending else F(field).asc())
        return qs.order_by(*ordering, "name", "pk")


class ConditionFilter(PublicFilterSet):
    """Conditions by text, category, mechanism, outcome and certainty; sortable.

    The certainty filter and sort read the stored summaries: of the chosen
    `outcome` (and then only conditions with evidence on it are listed), else
    of each condition's main outcome (its headline), where "not rated" also
    matches a condition whose main outcome no study reports.
    """

    q = search_text()
    category = django_filters.ChoiceFilter(
        choices=Category.choices, empty_label="Any category"
    )
    outcome = django_filters.ChoiceFilter(
        choices=Outcome.choices,
        method="filter_outcome",
        label="Outcome",
        empty_label="Main outcome of each",
        help_text="Conditions with evidence on this outcome; certainty is then "
        "that of this outcome.",
    )
    certainty = django_filters.ChoiceFilter(
        choices=Certainty.choices,
        method="filter_certainty",
        label="Certainty",
        empty_label="Any certainty",
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

    def chosen_outcome(self) -> str | None:
        """The outcome the certainty filter and sort read (None: the main one)."""
        data = getattr(self.form, "cleaned_data", None) or {}
        return data.get("outcome") or None

    def filter_outcome(self, queryset, name, value):
        return queryset.filter(
            Exists(
                EvidenceSummary.objects.filter(condition=OuterRef("pk"), outcome=value)
            )
        )

    def filter_certainty(self, queryset, name, value):
        rank = summary_value("certainty_rank", 0, self.chosen_outcome())
        return queryset.alias(certainty_rank=rank).filter(
            certainty_rank=CERTAINTY_RANK[value]
        )


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


class GlossaryFilter(PublicFilterSet):
    q = search_text()

    class Meta(PublicFilterSet.Meta):
        model = GlossaryTerm
        fields = []
