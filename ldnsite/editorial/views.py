"""View pieces shared by the editorial models' public pages."""

from __future__ import annotations

from django.db.models import QuerySet

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
        return may_preview(self.request.user, self.base_queryset().model)

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
