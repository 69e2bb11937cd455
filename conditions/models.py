from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from simple_history.models import HistoricalRecords

from ldnsite.addresses import address
from ldnsite.editorial.models import EditorialModel, EditorialQuerySet
from ldnsite.editorial.policy import published_q


class SupportLevel(models.TextChoices):
    PROPOSED = "proposed", "Proposed: no direct evidence cited"
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
    DERMATOLOGICAL = "dermatological", "Dermatological"
    ONCOLOGICAL = "oncological", "Oncological"
    POST_INFECTIOUS = "post_infectious", "Post-infectious"
    OTHER = "other", "Other"


class Outcome(models.TextChoices):
    """What a finding measured; a body of evidence is one condition × one outcome.

    Here, not in `studies`, because a condition names its main outcome and the
    models form a one-way graph (conditions ← studies).
    """

    PAIN = "pain", "Pain"
    FATIGUE = "fatigue", "Fatigue"
    PHYSICAL_FUNCTION = "physical_function", "Physical function"
    QUALITY_OF_LIFE = "quality_of_life", "Quality of life"
    DISEASE_ACTIVITY = "disease_activity", "Disease activity"
    MOOD = "mood", "Mood"
    SLEEP = "sleep", "Sleep"
    ADVERSE_EVENTS = "adverse_events", "Adverse events and tolerability"
    OTHER = "other", "Other"


# Categories whose main outcome is pain unless staff choose another; every
# other category defaults to disease activity.
PAIN_CATEGORIES = frozenset({Category.PAIN_SYNDROME, Category.MUSCULOSKELETAL})


def default_main_outcome(category: str) -> str:
    return Outcome.PAIN if category in PAIN_CATEGORIES else Outcome.DISEASE_ACTIVITY


class MechanismQuerySet(EditorialQuerySet):
    def for_list(self) -> MechanismQuerySet:
        """Mechanisms with `study_count` (published studies) and their
        `published_conditions`, A to Z: two queries."""
        return (
            self.annotate(
                # A subquery, not a join and GROUP BY: the list stays one plain
                # query that search ranking (SQLite's bm25) can run in.
                study_count=Coalesce(
                    Subquery(
                        self.model.studies.through.objects.filter(
                            published_q("study__"), mechanism=OuterRef("pk")
                        )
                        .order_by()
                        .values("mechanism")
                        .annotate(n=Count("study", distinct=True))
                        .values("n")
                    ),
                    0,
                )
            )
            .prefetch_related(
                Prefetch(
                    "conditions",
                    queryset=Condition.objects.published(),
                    to_attr="published_conditions",
                )
            )
            .order_by(*Mechanism._meta.ordering)
        )

    def for_page(self) -> MechanismQuerySet:
        """A mechanism's page: its published conditions and studies."""
        study = Mechanism.studies.rel.related_model  # studies depends on us
        return (
            super()
            .for_page()
            .prefetch_related(
                Prefetch(
                    "conditions",
                    queryset=Condition.objects.published(),
                    to_attr="published_conditions",
                ),
                Prefetch(
                    "studies",
                    queryset=study.objects.published().order_by("-year", "title", "pk"),
                    to_attr="published_studies",
                ),
            )
        )


class Mechanism(EditorialModel):
    """A way LDN is thought to act, with the level at which it is supported."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(max_length=600)
    body = models.TextField(blank=True, help_text="Markdown.")
    support_level = models.CharField(
        "level of support", max_length=10, choices=SupportLevel.choices
    )

    objects = MechanismQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        permissions = [("publish_mechanism", "Can publish mechanisms")]
        constraints = EditorialModel.editorial_constraints("mechanism")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return address("conditions:mechanism-detail", slug=self.slug)


class ConditionQuerySet(EditorialQuerySet):
    def with_evidence(self) -> ConditionQuerySet:
        """Prefetch the stored evidence summaries (one query for every condition).

        `evidence_rows` holds the condition's summaries (one per outcome with a
        finding), in outcome order; `Condition.headline` picks the main one.
        Nothing is graded here: the rows are written when the evidence changes.
        """
        return self.prefetch_related(
            Prefetch("evidence_summaries", to_attr="evidence_rows")
        )

    def for_list(self) -> ConditionQuerySet:
        """Condition lists (home, the list page, the API list): the stored
        summaries of each condition, nothing graded per request."""
        return self.with_evidence()

    def for_page(self) -> ConditionQuerySet:
        """A condition's page and API detail: stored summaries, published
        mechanisms, the reviewer; the findings are counted and read a page at a
        time (`studies.condition_evidence.findings_count`)."""
        return (
            super()
            .for_page()
            .with_evidence()
            .prefetch_related(
                Prefetch(
                    "mechanisms",
                    queryset=Mechanism.objects.published(),
                    to_attr="published_mechanisms",
                ),
            )
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
    main_outcome = models.CharField(
        max_length=20,
        choices=Outcome.choices,
        blank=True,
        help_text=(
            "The outcome whose evidence is this condition's headline. Leave empty "
            "for the default: pain for chronic pain and musculoskeletal "
            "conditions, disease activity for the others."
        ),
    )
    titration_notes = models.TextField(blank=True, help_text="Markdown.")
    mechanisms = models.ManyToManyField(
        Mechanism,
        through="ConditionMechanism",
        related_name="conditions",
        blank=True,
    )

    objects = ConditionQuerySet.as_manager()
    history = HistoricalRecords()
    pending_children = ("mechanism_links",)

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
        return address("conditions:detail", slug=self.slug)

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

    def save(self, **kwargs):
        if not self.main_outcome:
            self.main_outcome = default_main_outcome(self.category)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "main_outcome"}
        super().save(**kwargs)

    @property
    def headline_outcome(self) -> str:
        return self.main_outcome or default_main_outcome(self.category)

    @property
    def summaries(self) -> list:
        """The stored evidence summaries (`studies.models.EvidenceSummary`).

        Reads `evidence_rows` from `with_evidence()`; without it, one query.
        """
        rows = getattr(self, "evidence_rows", None)
        if rows is None:
            rows = self.evidence_rows = list(self.evidence_summaries.all())
        return rows

    def summary_for(self, outcome: str):
        """The stored summary of one outcome, or `None` when no study reports it."""
        return next((row for row in self.summaries if row.outcome == outcome), None)

    @property
    def headline(self):
        """The summary for the main outcome, or `None` when no study reports it."""
        return self.summary_for(self.headline_outcome)


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
    def for_list(self) -> FAQEntryQuerySet:
        """FAQ entries with their condition, when it is public (else `None`)."""
        return self.prefetch_related(
            Prefetch("condition", queryset=Condition.objects.published())
        )

    def for_page(self) -> FAQEntryQuerySet:
        return super().for_page().for_list()


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
        return address("conditions:faq") + f"#{self.slug}"


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
        return address("conditions:glossary") + f"#{self.slug}"


class SearchSynonym(models.Model):
    """Another name people search a condition by ("MS", "fibro", "ME/CFS").

    Site search treats it, the condition's name and its aliases as one word:
    a search for any of them finds text with any other, and puts the condition
    first. Aliases shown on the condition's page live in `Condition.aliases`;
    synonyms are for search only (abbreviations, short forms, misnomers).
    """

    term = models.CharField(
        max_length=100,
        help_text="As people type it, e.g. “MS” or “fibro”. Case and accents do "
        "not matter.",
    )
    condition = models.ForeignKey(
        Condition, on_delete=models.CASCADE, related_name="search_synonyms"
    )

    class Meta:
        ordering = ["term", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("term"),
                "condition",
                name="unique_search_synonym",
                violation_error_message="This condition already has this synonym.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.term} → {self.condition}"

    def clean(self) -> None:
        super().clean()
        from ldnsite.search.query import words

        if not words(self.term or ""):
            raise ValidationError({"term": "A synonym needs at least one letter."})
