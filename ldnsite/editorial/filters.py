"""Base pieces for the apps' FilterSets, shared by the HTML pages and the API."""

from __future__ import annotations

import django_filters
from django import forms

NUL_MESSAGE = "Null characters are not allowed."


class FilterForm(forms.Form):
    """Refuses NUL characters in any filter, naming the parameter, and ranges
    whose lower end is above their upper end (`ranges`, set by the FilterSet).

    NULs would otherwise reach PostgreSQL, which cannot store or compare them.
    An impossible range is an error on both fields (a 400 naming both in the
    API), not an empty list that looks like "no studies".
    """

    ranges: tuple[tuple[str, str], ...] = ()

    def clean(self):
        cleaned = super().clean()
        for low, high in self.ranges:
            a, b = cleaned.get(low), cleaned.get(high)
            if a is not None and b is not None and a > b:
                message = (
                    f"“{self.fields[low].label}” ({a}) is above "
                    f"“{self.fields[high].label}” ({b}): swap them or change one."
                )
                self.add_error(low, message)
                self.add_error(high, message)
        for name in self.fields:
            if name in self.errors:
                continue
            values = (
                self.data.getlist(name)
                if hasattr(self.data, "getlist")
                else [self.data.get(name)]
            )
            if any(isinstance(v, str) and "\x00" in v for v in values):
                self.add_error(name, NUL_MESSAGE)
        return cleaned


class PublicFilterSet(django_filters.FilterSet):
    """A FilterSet whose form refuses NUL characters.

    `search_headlines`: the `q` filter also annotates the matched words
    (`search_title`, `search_snippet`) for a page that shows them;
    `search_unranked`: it only filters (for counts in subqueries).
    """

    search_headlines = False
    # `q` filters without ranking (for counts in subqueries).
    search_unranked = False
    # (lower, upper) filter names that form a range.
    ranges: tuple[tuple[str, str], ...] = ()

    def get_form_class(self):
        form_class = super().get_form_class()
        form_class.ranges = self.ranges
        return form_class

    class Meta:
        form = FilterForm


class StableOrderingFilter(django_filters.OrderingFilter):
    """`ordering` limited to the listed fields, always ending with `pk`.

    The tie-breaker keeps pages from skipping or repeating rows that share a
    sort key. An unknown field is a 400 naming `ordering`.
    """

    def filter(self, qs, value):
        params = self.sort_keys(value)
        if not params:
            return qs
        ordering = [self.get_ordering_value(param) for param in params]
        return qs.order_by(*ordering, "pk")

    @staticmethod
    def sort_keys(value) -> list[str]:
        """The sort keys asked for; empty ones (`ordering=,`, `a,,b`) mean nothing."""
        return [param for param in value or () if param]


class IntegerFilter(django_filters.NumberFilter):
    """A whole number in a given range (the form refuses others with a 400)."""

    field_class = forms.IntegerField


class SearchFilter(django_filters.CharFilter):
    """The free-text `q`: site search's engine (`ldnsite.search`), best match first.

    Every word must occur (stemmed, case, accents and apostrophes ignored); a
    condition's names and synonyms are interchangeable; on the study list a DOI,
    PubMed id or trial registry id finds its study. Matches come first by
    relevance unless `ordering` asks otherwise.
    """

    def filter(self, qs, value):
        if value in self.empty_value_list() or not value.strip():
            return qs
        from ldnsite.search import filter_queryset, parse_query

        # Parsed once per FilterSet (reading the condition names is a query),
        # though the study list's counts filter by it again.
        cache = self.parent.__dict__.setdefault("_parsed_q", {})
        if value not in cache:
            cache[value] = parse_query(value)
        return filter_queryset(
            qs,
            cache[value],
            headlines=self.parent.search_headlines,
            ranked=not self.parent.search_unranked,
        )

    @staticmethod
    def empty_value_list():
        return ([], (), {}, "", None)


def search_text(max_length: int = 200) -> SearchFilter:
    """The free-text `q` filter of a public list."""
    return SearchFilter(
        max_length=max_length,
        label="Search",
        help_text=(
            "Words in the text: all must occur (in any form: “crohns” finds "
            "“Crohn’s”); abbreviations such as MS or CRPS work too."
        ),
    )


YES_NO = (("true", "yes"), ("false", "no"))
