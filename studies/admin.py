from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.forms import Textarea

from conditions.admin import MechanismLinkInline
from ldnsite.editorial.admin import (
    CachedChoicesInlineMixin,
    EditorialAdmin,
    HistoryIdsAdmin,
    ReviewDueFilter,
    StaffTextAdminMixin,
)
from ldnsite.editorial.forms import EditorialAdminForm
from ldnsite.editorial.review import PendingChildAdminMixin
from studies.authors import authors_as_lines, parse_authors
from studies.import_admin import CitationImportAdminMixin
from studies.models import Finding, Study, StudyMechanism


class AuthorLinesField(forms.CharField):
    """The author list as text, one author per line; cleans to (people, et al.)."""

    widget = Textarea(attrs={"rows": 4, "cols": 48})

    def prepare_value(self, value):
        if isinstance(value, list):
            return authors_as_lines(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return parse_authors(text)

    def has_changed(self, initial, data):
        # Compare the authors, not the text: the lines as shown are the initial.
        try:
            return self.to_python(self.prepare_value(initial)) != self.to_python(data)
        except forms.ValidationError:
            return True


class KeywordLinesField(forms.CharField):
    """Keywords as text, one per line (semicolons also separate)."""

    widget = Textarea(attrs={"rows": 2, "cols": 48})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        words = (w.strip() for line in text.splitlines() for w in line.split(";"))
        return list(dict.fromkeys(w for w in words if w))


class StudyAdminForm(EditorialAdminForm):
    authors = AuthorLinesField(
        required=False,
        help_text=(
            "One author per line: “Younger, J. W.” or “Younger JW” or “Jarred "
            "Younger”; a group's name as it is (“LDN Trial Group”). Pasting a "
            "whole list (“Younger J, Mackey S”) works too. End with “et al.” "
            "when the source lists only the first authors."
        ),
    )
    keywords = KeywordLinesField(required=False, help_text="One per line.")

    class Meta:
        model = Study
        fields = ("authors", "keywords")  # The admin adds its fieldsets.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "authors" in self.fields:
            self.initial["authors"] = authors_as_lines(
                self.instance.authors, self.instance.authors_et_al
            )

    def clean(self):
        cleaned = super().clean()
        # The text is the one control: a last line "et al." sets the flag.
        if isinstance(cleaned.get("authors"), tuple):
            cleaned["authors"], self.instance.authors_et_al = cleaned["authors"]
        return cleaned


class FindingInline(StaffTextAdminMixin, CachedChoicesInlineMixin, admin.StackedInline):
    model = Finding
    extra = 1
    fields = (
        "condition",
        "outcome",
        "direction",
        "effect",
        "participants",
        ("dose_min_mg", "dose_max_mg"),
        "follow_up_weeks",
        "effect_measure",
        ("effect_value", "effect_ci_low", "effect_ci_high"),
    )
    cached_choice_fields = ("condition",)
    formfield_overrides = {
        models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 48})}
    }


class StudyMechanismInline(MechanismLinkInline):
    model = StudyMechanism
    owner = "study"


@admin.register(Study)
class StudyAdmin(CitationImportAdminMixin, EditorialAdmin):
    form = StudyAdminForm
    list_display = (
        "title",
        "year",
        "design",
        "level",
        "finding_count",
        *EditorialAdmin.editorial_list_display,
    )
    list_filter = ("status", "design", ReviewDueFilter, "year")
    search_fields = ("title", "authors_text", "journal", "doi", "=pmid", "registry_id")
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
                    ("comparator", "risk_of_bias"),
                    ("dose", "duration"),
                    "summary",
                    "key_finding",
                    "abstract",
                    "keywords",
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
class FindingAdmin(PendingChildAdminMixin, HistoryIdsAdmin):
    form = EditorialAdminForm  # for its "Reason for this change"
    list_display = (
        "study",
        "condition",
        "outcome",
        "direction",
        "participants",
        "effect",
    )
    list_filter = ("direction", "outcome", "study__status", "condition")
    list_select_related = ("study", "condition")
    search_fields = ("effect", "study__title", "condition__name")
    autocomplete_fields = ("study", "condition")
    view_on_site = False
