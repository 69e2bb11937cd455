"""View pieces shared by the editorial models' public pages: the detail
pages' preview rule and the filtered list page."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters.views import FilterView

from ldnsite.cache import RememberedPaginator, public_request_key
from ldnsite.editorial.policy import may_preview


class PublishedOrPreviewMixin:
    """Detail pages show published items; staff whom `may_preview()` allows see
    the others too, under a "Draft — not public" banner.

    Subclasses give `base_queryset()`; everyone else gets a 404 for anything
    `.published()` excludes.
    """

    def base_queryset(self) -> QuerySet:
        raise NotImplementedError

    def can_preview(self) -> bool:
        """Asked once per request; the queryset is built only for staff."""
        if not hasattr(self, "_can_preview"):
            user = self.request.user
            self._can_preview = user.is_authenticated and may_preview(
                user, self.base_queryset().model
            )
        return self._can_preview

    def get_queryset(self) -> QuerySet:
        queryset = self.base_queryset()
        return queryset if self.can_preview() else queryset.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        context["is_preview"] = (
            self.can_preview()
            and not type(obj).objects.published().filter(pk=obj.pk).exists()
        )
        return context


class FilteredListView(FilterView):
    """A public list page driven by one of the apps' FilterSets.

    The filter state lives in the query string, so a filtered list can be
    shared. An invalid value answers 400 with the form's errors shown beside
    the fields and an empty list (never a 500); a page past the end is a 404.
    """

    paginate_by = 20
    strict = True

    def get_paginator(self, queryset, per_page, **kwargs):
        """The count and the page's rows are remembered per filter state."""
        return RememberedPaginator(
            queryset, per_page, key=public_request_key(self.request), **kwargs
        )

    def render_to_response(self, context, **response_kwargs):
        form = self.filterset.form
        if form.is_bound and not form.is_valid():
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)
