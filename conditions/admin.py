from django.contrib import admin

from conditions.models import (
    Condition,
    ConditionMechanism,
    FAQEntry,
    GlossaryTerm,
    Mechanism,
    SearchSynonym,
)
from ldnsite.editorial.admin import (
    CachedChoicesInlineMixin,
    EditorialAdmin,
    ReviewDueFilter,
)
from studies.models import EvidenceSummary, Finding


class MechanismLinkInline(CachedChoicesInlineMixin, admin.TabularInline):
    """Mechanisms linked to a condition or a study (`owner` names the other end)."""

    owner: str
    extra = 0
    cached_choice_fields = ("mechanism",)
    verbose_name = "mechanism"
    verbose_name_plural = "mechanisms"

    def get_queryset(self, request):
        # Each row's label names both ends of the link.
        return super().get_queryset(request).select_related(self.owner, "mechanism")


class ConditionMechanismInline(MechanismLinkInline):
    model = ConditionMechanism
    owner = "condition"


class FindingListInline(admin.TabularInline):
    """The condition's findings, read-only: they are edited on their study's page."""

    model = Finding
    fields = ("study_link", "outcome", "direction", "participants", "effect")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "findings (edit them on the study)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("study")

    @admin.display(description="study")
    def study_link(self, obj):
        return obj.study


class EvidenceSummaryInline(admin.TabularInline):
    """The condition's stored evidence summaries, one per outcome, read-only.

    They are derived data: rewritten whenever a finding or study changes them
    (`EvidenceSummary.objects.recompute()`), never edited by hand. Shown as an
    inline, not a registered admin, so deleting a condition needs no permission
    on its summaries.
    """

    model = EvidenceSummary
    fields = (
        "outcome",
        "direction",
        "certainty",
        "studies",
        "participants",
        "randomised_trials",
        "reviews",
        "why_not_higher",
        "computed_at",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "evidence by outcome (computed from the findings)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        """Whoever may see the condition sees its evidence (no separate grant)."""
        return request.user.has_perm("conditions.view_condition")

    @admin.display(description="why not higher")
    def why_not_higher(self, obj):
        return "; ".join(d["short"] for d in obj.downgrades) or "—"


class SearchSynonymInline(admin.TabularInline):
    """Other names people search the condition by (site search only)."""

    model = SearchSynonym
    extra = 1
    fields = ("term",)
    verbose_name = "search synonym"
    verbose_name_plural = (
        "search synonyms (abbreviations and short names people type, e.g. MS)"
    )


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ("term", "condition")
    list_select_related = ("condition",)
    search_fields = ("term", "condition__name")
    autocomplete_fields = ("condition",)
    ordering = ("term", "pk")


@admin.register(Condition)
class ConditionAdmin(EditorialAdmin):
    list_display = (
        "name",
        "category",
        "main_evidence",
        *EditorialAdmin.editorial_list_display,
    )
    list_filter = ("status", "category", ReviewDueFilter)
    search_fields = ("name", "aliases", "summary")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [
        EvidenceSummaryInline,
        ConditionMechanismInline,
        SearchSynonymInline,
        FindingListInline,
    ]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "slug",
                    "aliases",
                    ("category", "main_outcome"),
                    "summary",
                    "body",
                )
            },
        ),
        ("Use of LDN", {"fields": (("dose_min_mg", "dose_max_mg"), "titration_notes")}),
        EditorialAdmin.editorial_fieldset,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_evidence()

    @admin.display(description="main finding")
    def main_evidence(self, obj):
        row = obj.headline
        if row is None:
            return f"{obj.get_main_outcome_display()}: no study yet"
        return (
            f"{row.outcome_label}: {row.direction_label.lower()}, "
            f"{row.certainty_label.lower()} certainty ({row.studies})"
        )


@admin.register(Mechanism)
class MechanismAdmin(EditorialAdmin):
    list_display = ("name", "support_level", *EditorialAdmin.editorial_list_display)
    list_filter = ("status", "support_level", ReviewDueFilter)
    search_fields = ("name", "summary")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "support_level", "summary", "body")}),
        EditorialAdmin.editorial_fieldset,
    )


@admin.register(FAQEntry)
class FAQEntryAdmin(EditorialAdmin):
    list_display = (
        "question",
        "order",
        "condition",
        *EditorialAdmin.editorial_list_display,
    )
    list_filter = ("status", ReviewDueFilter, "condition")
    list_select_related = ("condition",)
    search_fields = ("question", "answer")
    prepopulated_fields = {"slug": ("question",)}
    autocomplete_fields = ("condition",)
    fieldsets = (
        (None, {"fields": ("question", "slug", "answer", "order", "condition")}),
        EditorialAdmin.editorial_fieldset,
    )


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(EditorialAdmin):
    list_display = ("term", *EditorialAdmin.editorial_list_display)
    list_filter = ("status", ReviewDueFilter)
    search_fields = ("term", "definition")
    prepopulated_fields = {"slug": ("term",)}
    fieldsets = (
        (None, {"fields": ("term", "slug", "definition")}),
        EditorialAdmin.editorial_fieldset,
    )
