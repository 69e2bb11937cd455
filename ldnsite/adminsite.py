"""The admin site: Django's, with the review dashboard on its index page."""

from __future__ import annotations

import functools

from django.apps import apps
from django.contrib import admin
from django.http import HttpResponseBadRequest
from django.urls import reverse

from ldnsite.editorial.models import EditorialModel


class LDNAdminSite(admin.AdminSite):
    site_header = "LDN evidence site"
    site_title = "LDN admin"
    index_title = "Content"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Callables (site, request) → dict adding to the index page's context,
        # registered by modules that load after the models (`ldnsite/admin.py`).
        self.index_sections = []

    def review_overdue(self, request) -> list[dict]:
        """Overdue reviews per editorial model the user may view (one query each)."""
        rows = []
        for model in apps.get_models():
            if not issubclass(model, EditorialModel) or model not in self._registry:
                continue
            if not self._registry[model].has_view_permission(request):
                continue
            count = model._default_manager.review_overdue().count()
            opts = model._meta
            rows.append(
                {
                    "name": opts.verbose_name_plural,
                    "count": count,
                    "url": reverse(
                        f"{self.name}:{opts.app_label}_{opts.model_name}_changelist"
                    )
                    + "?review=overdue",
                }
            )
        return rows

    def admin_view(self, view, cacheable=False):
        """Every admin page refuses a NUL character in its query string (400).

        NUL reaches no database column (PostgreSQL refuses it in text), so a filter,
        search or autocomplete term holding one can match nothing.
        """
        inner = super().admin_view(view, cacheable)

        @functools.wraps(inner)
        def checked(request, *args, **kwargs):
            if any(
                "\x00" in key or "\x00" in value
                for key, values in request.GET.lists()
                for value in values
            ):
                return HttpResponseBadRequest(
                    "A NUL character is not allowed in a query.",
                    content_type="text/plain; charset=utf-8",
                )
            return inner(request, *args, **kwargs)

        return checked

    def index(self, request, extra_context=None):
        overdue = self.review_overdue(request)
        extra_context = {
            **(extra_context or {}),
            "review_overdue": overdue,
            "review_overdue_total": sum(row["count"] for row in overdue),
        }
        for section in self.index_sections:
            extra_context.update(section(self, request))
        return super().index(request, extra_context)
