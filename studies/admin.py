from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.forms import Textarea
from simple_history.admin import SimpleHistoryAdmin

from conditions.admin import MechanismLinkInline
from ldnsite.editorial_admin import (
    CachedChoicesInlineMixin,
    EditorialAdmin,
    ReviewDueFilter,
)
from studies.models import Finding, Study, StudyMechanism


class FindingInline(CachedChoicesInlineMixin, admin.TabularInline):
    model = Finding
    extra = 1
    fields = ("condition", "outcome", "direction", "effect")
    cached_choice_fields = ("condition",)
    formfield_overrides = {
        models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 48})}
    }


class StudyMechanismInline(MechanismLinkInline):
    model = StudyMechanism
    owner = "study"


@admin.register(Study)
class StudyAdmin(EditorialAdmin):
    list_display = (
        "title",
        "year",
        "design",
        "level",
        "finding_count",
        *EditorialAdmin.editorial_list_display,
    )
    list_filter = ("status", "design", ReviewDueFilter, "year")
    search_fields = ("title", "authors", "journal", "doi", "=pmid", "registry_id")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [FindingInline, StudyMechanismInline]
    fieldsets = (
        (
            "Citation",
            {
                "fields": (
                    "title",
                    "slug",
                    "authors",
                    "journal",
                    ("year", "volume", "issue", "pages"),
                    ("doi", "pmid", "registry_id"),
                    "url",
                )
            },
        ),
        (
            "Study",
            {
                "fields": (
                    ("design", "sample_size"),
                    ("dose", "duration"),
                    "summary",
                    "key_finding",
                )
            },
        ),
        EditorialAdmin.editorial_fieldset,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(finding_total=Count("findings"))

    @admin.display(description="evidence level", ordering="design")
    def level(self, obj):
        return obj.evidence_level

    @admin.display(description="findings", ordering="finding_total")
    def finding_count(self, obj):
        return obj.finding_total


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ("study", "condition", "outcome", "direction", "effect")
    list_filter = ("direction", "outcome", "study__status", "condition")
    list_select_related = ("study", "condition")
    search_fields = ("effect", "study__title", "condition__name")
    autocomplete_fields = ("study", "condition")
    view_on_site = False
