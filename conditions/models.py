from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ldnsite.editorial import EditorialModel, EditorialQuerySet
from studies.evidence import ConditionEvidence, grade_findings


class SupportLevel(models.TextChoices):
    CELL = "cell", "Cell studies"
    ANIMAL = "animal", "Animal studies"
    HUMAN = "human", "Human studies"


class Category(models.TextChoices):
    PAIN_SYNDROME = "pain_syndrome", "Chronic pain syndrome"
    AUTOIMMUNE = "autoimmune", "Autoimmune"
    INFLAMMATORY = "inflammatory", "Inflammatory"
    MUSCULOSKELETAL = "musculoskeletal", "Musculoskeletal"
    NEUROLOGICAL = "neurological", "Neurological"
    GASTROINTESTINAL = "gastrointestinal", "Gastrointestinal"
    GYNAECOLOGICAL = "gynaecological", "Gynaecological"
    MENTAL_HEALTH = "mental_health", "Mental health"


class Mechanism(EditorialModel):
    """A way LDN is thought to act, with the level at which it is supported."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(max_length=600)
    body = models.TextField(blank=True, help_text="Markdown.")
    support_level = models.CharField(
        "level of support", max_length=10, choices=SupportLevel.choices
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        permissions = [("publish_mechanism", "Can publish mechanisms")]
        constraints = EditorialModel.editorial_constraints("mechanism")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("conditions:mechanism-detail", kwargs={"slug": self.slug})


class ConditionQuerySet(EditorialQuerySet):
    def with_evidence(self) -> ConditionQuerySet:
        """Prefetch the findings `Condition.evidence` grades: published studies only."""
        from studies.models import Finding

        return self.prefetch_related(
            Prefetch(
                "findings",
                queryset=Finding.objects.of_published_studies()
                .with_level()
                .order_by("pk"),
                to_attr="published_findings",
            )
        )

    def for_api_list(self) -> ConditionQuerySet:
        """The API's condition list: the grade of each (one query for all findings)."""
        return self.with_evidence()

    def for_api_detail(self) -> ConditionQuerySet:
        """A condition's page and API detail: grade, findings with their study,
        mechanisms.

        `published_findings` holds the findings of published studies with the
        study joined, strongest level first and newest study first within a
        level; `Condition.evidence` reads it. `published_mechanisms` holds the
        published mechanisms.
        """
        from studies.models import Finding

        return self.prefetch_related(
            Prefetch(
                "findings",
                queryset=Finding.objects.of_published_studies()
                .with_level()
                .select_related("study")
                .order_by(
                    "evidence_level",
                    F("study__year").desc(nulls_last=True),
                    "study__title",
                    "pk",
                ),
                to_attr="published_findings",
            ),
            Prefetch(
                "mechanisms",
                queryset=Mechanism.objects.published(),
                to_attr="published_mechanisms",
            ),
        )


DOSE_FIELD = {
    "max_digits": 4,
    "decimal_places": 2,
    "null": True,
    "blank": True,
    "validators": [
        MinValueValidator(Decimal("0.01")),
        MaxValueValidator(Decimal("50")),
    ],
}


class Condition(EditorialModel):
    """A condition for which LDN is used or studied."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    aliases = models.CharField(
        max_length=500, blank=True, help_text="Other names, separated by commas."
    )
    category = models.CharField(max_length=20, choices=Category.choices, db_index=True)
    summary = models.TextField(max_length=600)
    body = models.TextField(blank=True, help_text="Markdown.")
    dose_min_mg = models.DecimalField("lowest daily dose (mg)", **DOSE_FIELD)
    dose_max_mg = models.DecimalField("highest daily dose (mg)", **DOSE_FIELD)
    titration_notes = models.TextField(blank=True, help_text="Markdown.")
    mechanisms = models.ManyToManyField(
        Mechanism,
        through="ConditionMechanism",
        related_name="conditions",
        blank=True,
    )

    objects = ConditionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        permissions = [("publish_condition", "Can publish conditions")]
        constraints = [
            *EditorialModel.editorial_constraints("condition"),
            models.CheckConstraint(
                condition=Q(dose_min_mg__isnull=True)
                | Q(dose_max_mg__isnull=True)
                | Q(dose_min_mg__lte=F("dose_max_mg")),
                name="condition_dose_min_lte_max",
                violation_error_message=(
                    "The lowest dose cannot be above the highest dose."
                ),
            ),
            models.CheckConstraint(
                condition=Q(dose_min_mg__isnull=True) | Q(dose_min_mg__gt=0),
                name="condition_dose_min_positive",
            ),
            models.CheckConstraint(
                condition=Q(dose_max_mg__isnull=True) | Q(dose_max_mg__gt=0),
                name="condition_dose_max_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("conditions:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        super().clean()
        low, high = self.dose_min_mg, self.dose_max_mg
        if low is not None and high is not None and low > high:
            raise ValidationError(
                {"dose_max_mg": "The highest dose must be at least the lowest dose."}
            )

    @property
    def dose_range(self) -> str:
        """e.g. "0.5–4.5 mg", without trailing zeros; "" when no dose is recorded."""
        low, high = self.dose_min_mg, self.dose_max_mg
        if low is None and high is None:
            return ""
        if low is None or high is None or low == high:
            return f"{_plain(low if high is None else high)} mg"
        return f"{_plain(low)}–{_plain(high)} mg"

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.split(",") if a.strip()]

    @property
    def evidence(self) -> ConditionEvidence:
        """The grade from the findings of published studies.

        Uses `published_findings` from `with_evidence()`; without it, this runs a
        query for each condition (an N+1 on lists).
        """
        findings = getattr(self, "published_findings", None)
        if findings is None:
            from studies.models import Finding

            findings = (
                Finding.objects.of_published_studies()
                .with_level()
                .filter(condition=self)
            )
        return grade_findings(
            (f.study_id, f.evidence_level, f.direction) for f in findings
        )


def _plain(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


class ConditionMechanism(models.Model):
    """Links a condition to a mechanism; a linked mechanism cannot be deleted."""

    condition = models.ForeignKey(
        Condition, on_delete=models.CASCADE, related_name="mechanism_links"
    )
    mechanism = models.ForeignKey(
        Mechanism, on_delete=models.PROTECT, related_name="condition_links"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = "condition mechanism"
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "mechanism"], name="unique_condition_mechanism"
            )
        ]

    def __str__(self) -> str:
        return f"{self.condition} ↔ {self.mechanism}"


class FAQEntryQuerySet(EditorialQuerySet):
    def for_api_list(self) -> FAQEntryQuerySet:
        """FAQ entries with their condition, when it is public (else `None`)."""
        return self.prefetch_related(
            Prefetch("condition", queryset=Condition.objects.published())
        )


class FAQEntry(EditorialModel):
    question = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    answer = models.TextField(help_text="Markdown.")
    order = models.PositiveIntegerField(default=100)
    condition = models.ForeignKey(
        Condition,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="faq_entries",
        help_text="Optional: show this entry on the condition's page too.",
    )

    objects = FAQEntryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"
        permissions = [("publish_faqentry", "Can publish FAQ entries")]
        constraints = EditorialModel.editorial_constraints("faqentry")

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("conditions:faq") + f"#{self.slug}"


class GlossaryTerm(EditorialModel):
    term = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    definition = models.TextField(help_text="Markdown.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["term", "pk"]
        permissions = [("publish_glossaryterm", "Can publish glossary terms")]
        constraints = EditorialModel.editorial_constraints("glossaryterm")

    def __str__(self) -> str:
        return self.term

    def get_absolute_url(self) -> str:
        return reverse("conditions:glossary") + f"#{self.slug}"
