"""Site-wide views and view helpers shared by the public pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import JsonResponse
from django.views import defaults
from django_filters.views import FilterView


def page_not_found(request, exception):
    """JSON under /api/ (clients parse every answer there), the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


class PublishedOrPreviewMixin:
    """Detail pages show published items; staff who may change one can preview it.

    Subclasses give `base_queryset()`; everyone else gets a 404 for anything
    `.published()` excludes.
    """

    def base_queryset(self) -> QuerySet:
        raise NotImplementedError

    def can_preview(self) -> bool:
        opts = self.base_queryset().model._meta
        user = self.request.user
        return user.is_staff and user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )

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

    def render_to_response(self, context, **response_kwargs):
        form = self.filterset.form
        if form.is_bound and not form.is_valid():
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)
