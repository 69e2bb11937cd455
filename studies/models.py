from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords

from conditions.models import Condition, Mechanism
from ldnsite.editorial import EditorialModel, EditorialQuerySet, published_q
from studies.authors import authors_line, validate_authors
from studies.evidence import (
    Design,
    Direction,
    evidence_level_expression,
    level_for_design,
)

# Naltrexone was first made in 1963; nothing older can be a study of it.
EARLIEST_YEAR = 1960
LATEST_YEAR = 2100

DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")


def normalise_doi(value: str) -> str:
    """Strip a resolver prefix or `doi:` label and lower-case: DOIs are case-blind."""
    return DOI_PREFIXES.sub("", (value or "").strip()).strip().lower()


class DOIField(models.CharField):
    """A DOI stored bare and lower-case, e.g. `10.1007/s10067-014-2517-2`."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_doi(value) if value else value

    def pre_save(self, model_instance, add):
        value = normalise_doi(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


def validate_doi(value: str) -> None:
    if value and not DOI_SHAPE.match(normalise_doi(value)):
        raise ValidationError(
            "Enter a DOI such as 10.1007/s10067-014-2517-2 (a doi.org link is fine)."
        )


def validate_keywords(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(k, str) and k.strip() and len(k) <= 200 for k in value
    ):
        raise ValidationError("Keywords are a list of words or phrases.")


class AuthorsLineField(models.TextField):
    """The authors as one line ("Younger J, Mackey S, et al."), derived on save.

    Written from `authors` and `authors_et_al` whenever a row is saved (bulk
    inserts included), so search, sorting and the admin's search read one column.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        value = authors_line(
            model_instance.authors or [], bool(model_instance.authors_et_al)
        )
        setattr(model_instance, self.attname, value)
        return value


class StudyQuerySet(EditorialQuerySet):
    def with_level(self) -> StudyQuerySet:
        """Annotate `evidence_level_value`, to filter or sort by level in SQL."""
        return self.annotate(evidence_level_value=evidence_level_expression())

    def for_api_list(self) -> StudyQuerySet:
        """The API's study list and citation exports: one query for the rows."""
        return self.with_level()

    def for_api_detail(self) -> StudyQuerySet:
        """The API's study detail: public findings with their condition, mechanisms."""
        return self.with_level().prefetch_related(
            models.Prefetch(
                "findings",
                queryset=Finding.objects.published().select_related("condition"),
                to_attr="public_findings",
            ),
            models.Prefetch(
                "mechanisms",
                queryset=Mechanism.objects.published(),
                to_attr="published_mechanisms",
            ),
        )


class Study(EditorialModel):
    """A publication, with its full citation and what it found."""

    slug = models.SlugField(max_length=200, unique=True)
    authors = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_authors],
        help_text=(
            "In order: people as {family, given} (given names or initials “J. W.”),"
            " collective authors as {literal}."
        ),
    )
    authors_et_al = models.BooleanField(
        "et al.",
        default=False,
        help_text="The source lists only the first authors (“et al.”).",
    )
    authors_text = AuthorsLineField(
        "authors as one line", help_text="Derived from the authors on save."
    )
    title = models.CharField(max_length=500)
    journal = models.CharField(max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(EARLIEST_YEAR), MaxValueValidator(LATEST_YEAR)],
    )
    volume = models.CharField(max_length=30, blank=True)
    issue = models.CharField(max_length=30, blank=True)
    pages = models.CharField(max_length=30, blank=True)
    doi = DOIField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[validate_doi],
        help_text="Stored without https://doi.org/ and in lower case.",
    )
    pmid = models.PositiveIntegerField(
        "PubMed ID",
        null=True,
        blank=True,
        unique=True,
        validators=[MinValueValidator(1), MaxValueValidator(999_999_999)],
    )
    registry_id = models.CharField(
        "trial registry id", max_length=50, blank=True, help_text="e.g. NCT01234567."
    )
    url = models.URLField("URL", max_length=500, blank=True)
    design = models.CharField(max_length=20, choices=Design.choices, db_index=True)
    sample_size = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    dose = models.CharField(
        max_length=100, blank=True, help_text="e.g. 4.5 mg nightly."
    )
    duration = models.CharField(max_length=100, blank=True, help_text="e.g. 12 weeks.")
    abstract = models.TextField(blank=True, help_text="As published (plain text).")
    keywords = models.JSONField(
        default=list, blank=True, validators=[validate_keywords]
    )
    summary = models.TextField(blank=True, help_text="Markdown.")
    key_finding = models.TextField(blank=True)
    mechanisms = models.ManyToManyField(
        Mechanism, through="StudyMechanism", related_name="studies", blank=True
    )

    objects = StudyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "title", "pk"]
        verbose_name_plural = "studies"
        permissions = [("publish_study", "Can publish studies")]
        constraints = [
            *EditorialModel.editorial_constraints("study"),
            models.UniqueConstraint(
                fields=["doi"],
                condition=~Q(doi=""),
                name="unique_study_doi",
                violation_error_message="Another study already has this DOI.",
            ),
            models.CheckConstraint(
                condition=Q(doi="") | (Q(doi__startswith="10.") & Q(doi=Lower("doi"))),
                name="study_doi_normalised",
                violation_error_message="A DOI is stored bare and lower-case.",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True)
                | Q(year__gte=EARLIEST_YEAR, year__lte=LATEST_YEAR),
                name="study_year_plausible",
                violation_error_message=(
                    f"The year must be between {EARLIEST_YEAR} and {LATEST_YEAR}."
                ),
            ),
            models.CheckConstraint(
                condition=Q(sample_size__isnull=True) | Q(sample_size__gt=0),
                name="study_sample_size_positive",
                violation_error_message="The sample size must be positive.",
            ),
            models.CheckConstraint(
                condition=Q(pmid__isnull=True) | Q(pmid__gt=0),
                name="study_pmid_positive",
                violation_error_message="A PubMed ID is a positive number.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def get_absolute_url(self) -> str:
        return reverse("studies:detail", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def evidence_level(self) -> int:
        return level_for_design(self.design)

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""


class StudyMechanism(models.Model):
    """Links a study to a mechanism; a linked mechanism cannot be deleted."""

    study = models.ForeignKey(
        Study, on_delete=models.CASCADE, related_name="mechanism_links"
    )
    mechanism = models.ForeignKey(
        Mechanism, on_delete=models.PROTECT, related_name="study_links"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = "study mechanism"
        constraints = [
            models.UniqueConstraint(
                fields=["study", "mechanism"], name="unique_study_mechanism"
            )
        ]

    def __str__(self) -> str:
        return f"{self.study} ↔ {self.mechanism}"


class Outcome(models.TextChoices):
    PAIN = "pain", "Pain"
    FATIGUE = "fatigue", "Fatigue"
    QUALITY_OF_LIFE = "quality_of_life", "Quality of life"
    DISEASE_ACTIVITY = "disease_activity", "Disease activity"
    MOOD = "mood", "Mood"
    SLEEP = "sleep", "Sleep"
    OTHER = "other", "Other"


class FindingQuerySet(models.QuerySet):
    def of_published_studies(self) -> FindingQuerySet:
        """Findings whose study is published: what a condition's grade counts."""
        return self.filter(published_q("study__"))

    def published(self) -> FindingQuerySet:
        """What the public may see: the study and the condition are both published."""
        return self.of_published_studies().filter(published_q("condition__"))

    def with_level(self) -> FindingQuerySet:
        """Annotate `evidence_level` from the study's design (no extra query)."""
        return self.annotate(evidence_level=evidence_level_expression("study__"))

    def for_api_list(self) -> FindingQuerySet:
        """The API's finding list and detail: study and condition joined."""
        return self.with_level().select_related("study", "condition")


class Finding(models.Model):
    """One study's result for one condition and outcome; nulls are shown like the rest.

    A finding is public when its study and its condition are (it is edited with
    the study and shares its status).
    """

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="findings")
    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, related_name="findings"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, db_index=True
    )
    effect = models.TextField(help_text="What was found, in words, with figures.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FindingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["study_id", "condition_id", "outcome", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "condition", "outcome"],
                name="unique_finding_per_outcome",
                violation_error_message=(
                    "This study already has a finding for this condition and outcome."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} — {self.get_outcome_display()}"

    def get_absolute_url(self) -> str:
        """The study's page, where the finding is listed (reads `self.study`)."""
        return self.study.get_absolute_url()
