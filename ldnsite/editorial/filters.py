"""Base pieces for the apps' FilterSets, shared by the HTML pages and the API."""

from __future__ import annotations

import django_filters
from django import forms

NUL_MESSAGE = "Null characters are not allowed."


class FilterForm(forms.Form):
    """Refuses NUL characters in any filter, naming the parameter.

    They would otherwise reach PostgreSQL, which cannot store or compare them.
    """

    def clean(self):
        cleaned = super().clean()
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
    """A FilterSet whose form refuses NUL characters."""

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


def search_text(max_length: int = 200) -> django_filters.CharFilter:
    """The free-text `q` filter; the FilterSet gives it a `filter_q` method."""
    return django_filters.CharFilter(
        method="filter_q",
        max_length=max_length,
        label="Search",
        help_text="Words in the text (case-insensitive).",
    )


YES_NO = (("true", "yes"), ("false", "no"))
