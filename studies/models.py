from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from conditions.models import DOSE_FIELD, Condition, Mechanism, Outcome
from ldnsite.addresses import address
from ldnsite.editorial.models import EditorialModel, EditorialQuerySet
from ldnsite.editorial.policy import Status, published_q
from studies.authors import authors_line, validate_authors
from studies.evidence import (
    BodyDirection,
    Certainty,
    Design,
    Direction,
    Vote,
    evidence_level_expression,
    level_for_design,
    rate_body,
    summary_fields,
)

__all__ = ["Outcome"]  # Re-exported: findings and filters name it from here too.

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


# A study's citation, as import and export formats carry it (the content of a
# citation record; `studies.exports.citation()` adds what only exports show).
CITATION_FIELDS = (
    "title",
    "authors",
    "authors_et_al",
    "journal",
    "year",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "registry_id",
    "url",
    "abstract",
    "keywords",
    "design",
    "sample_size",
)


class Comparator(models.TextChoices):
    PLACEBO = "placebo", "Placebo"
    ACTIVE = "active", "Active treatment"
    USUAL_CARE = "usual_care", "Usual care"
    NONE = "none", "None (no comparison group)"


class RiskOfBias(models.TextChoices):
    LOW = "low", "Low"
    SOME_CONCERNS = "some_concerns", "Some concerns"
    HIGH = "high", "High"
    NOT_ASSESSED = "not_assessed", "Not assessed"


RISK_OF_BIAS_HELP = (
    "Judge the study as a whole, as Cochrane's RoB 2 and ROBINS-I tools do. "
    "Low: randomised with concealed allocation, participants and assessors "
    "blinded, few drop-outs, all planned outcomes reported. Some concerns: one "
    "of these is unclear or slightly lacking. High: not randomised or not "
    "blinded on a subjective outcome such as pain, many drop-outs or uneven "
    "ones, selective reporting, or no comparison group. Not assessed: not yet "
    "judged (counts as not high). More than half of the participants in studies "
    "at high risk lowers the certainty of a body of evidence."
)

# A change to any of these can change the evidence summaries of the study's
# conditions (what is public, what level, how many people, how trustworthy).
STUDY_EVIDENCE_FIELDS = (
    "status",
    "published_at",
    "unpublish_at",
    "design",
    "sample_size",
    "comparator",
    "risk_of_bias",
)


class StudyQuerySet(EditorialQuerySet):
    def update(self, **kwargs):
        """Update, then recompute the summaries the change may affect."""
        if not set(kwargs) & set(STUDY_EVIDENCE_FIELDS):
            return super().update(**kwargs)
        with transaction.atomic():
            ids = list(self.values_list("pk", flat=True))
            done = super().update(**kwargs)
            EvidenceSummary.objects.recompute(
                Finding.objects.filter(study_id__in=ids).values_list(
                    "condition_id", flat=True
                )
            )
        return done

    def with_level(self) -> StudyQuerySet:
        """Annotate `evidence_level_value`, to filter or sort by level in SQL."""
        return self.annotate(evidence_level_value=evidence_level_expression())

    def for_list(self) -> StudyQuerySet:
        """Study lists (the page, the API): the level, and each study's public
        findings (`public_findings`, condition joined): two queries."""
        return self.with_level().prefetch_related(
            models.Prefetch(
                "findings",
                queryset=Finding.objects.published()
                .select_related("condition")
                .only("study_id", "direction", "condition__name", "condition__slug")
                .order_by("condition__name", "outcome", "pk"),
                to_attr="public_findings",
            )
        )

    def for_page(self) -> StudyQuerySet:
        """A study's page and API detail: level, reviewer, its findings for
        public conditions (`public_findings`, condition joined) and its
        published mechanisms."""
        return (
            super()
            .for_page()
            .with_level()
            .prefetch_related(
                models.Prefetch(
                    "findings",
                    queryset=Finding.objects.filter(published_q("condition__"))
                    .select_related("condition")
                    .order_by("condition__name", "condition_id", "outcome", "pk"),
                    to_attr="public_findings",
                ),
                models.Prefetch(
                    "mechanisms",
                    queryset=Mechanism.objects.published(),
                    to_attr="published_mechanisms",
                ),
            )
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
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="People enrolled. A finding's own number analysed overrides it.",
    )
    comparator = models.CharField(
        max_length=20,
        choices=Comparator.choices,
        blank=True,
        help_text="What LDN was compared with; leave empty when not stated.",
    )
    risk_of_bias = models.CharField(
        max_length=20,
        choices=RiskOfBias.choices,
        default=RiskOfBias.NOT_ASSESSED,
        help_text=RISK_OF_BIAS_HELP,
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
    pending_children = ("findings", "mechanism_links")

    class Meta:
        ordering = ["-year", "title", "pk"]
        verbose_name_plural = "studies"
        permissions = [("publish_study", "Can publish studies")]
        indexes = [
            # The API list's order: a page read without sorting every study. The
            # list page's order (undated last) has its own index on PostgreSQL
            # (migration 0009; SQLite cannot index NULLS LAST), as has the order
            # of a condition's findings, by level first (migration 0012).
            models.Index(fields=["-year", "title", "id"], name="study_newest_first"),
            # The latest published studies (home page, feed).
            models.Index(fields=["-published_at", "-id"], name="study_latest_first"),
            # What is public, read without the rows: counts and joins on the
            # published studies scan this instead of the table (an index-only
            # scan on PostgreSQL, a quarter of the time at 100,000 studies).
            models.Index(
                fields=["id", "published_at", "unpublish_at"],
                condition=Q(status=Status.PUBLISHED),
                name="study_public",
            ),
            # The sitemap's latest change: PostgreSQL reads the maximum of an
            # indexed column from the index's end, not from every study.
            models.Index(fields=["updated_at"], name="study_updated_at"),
            models.Index(fields=["last_reviewed"], name="study_last_reviewed"),
        ]
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
        """`studies:detail`, from its address reversed once (lists and the
        sitemap ask for thousands)."""
        return study_address(self.pk, self.slug)

    def save(self, **kwargs):
        """Save; if a field the evidence depends on changed, recompute the
        summaries of the study's conditions in the same transaction."""
        with transaction.atomic():
            changed = self.pk is not None and self._evidence_fields_changed()
            super().save(**kwargs)
            if changed:
                EvidenceSummary.objects.recompute(
                    self.findings.values_list("condition_id", flat=True)
                )

    def _evidence_fields_changed(self) -> bool:
        saved = (
            type(self)
            ._default_manager.filter(pk=self.pk)
            .values_list(*STUDY_EVIDENCE_FIELDS)
            .first()
        )
        if saved is None:
            return False
        current = tuple(getattr(self, name) for name in STUDY_EVIDENCE_FIELDS)
        return saved != current

    @property
    def evidence_level(self) -> int:
        return level_for_design(self.design)

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""


def study_address(pk: int, slug: str) -> str:
    """A study page's address (`studies:detail`)."""
    return address("studies:detail", pk=pk, slug=slug)


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


class EffectMeasure(models.TextChoices):
    MEAN_DIFFERENCE = "mean_difference", "Mean difference"
    SMD = "smd", "Standardised mean difference"
    RISK_RATIO = "risk_ratio", "Risk ratio"
    ODDS_RATIO = "odds_ratio", "Odds ratio"
    RESPONDER_PERCENT = "responder_percent", "Responders (%)"
    PERCENT_CHANGE = "percent_change", "Change from baseline (%)"
    OTHER = "other", "Other"


EFFECT_FIELD = {"max_digits": 10, "decimal_places": 3, "null": True, "blank": True}


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

    def for_list(self) -> FindingQuerySet:
        """Finding lists and details (the API): study and condition joined."""
        return self.with_level().select_related("study", "condition")

    def for_page(self) -> FindingQuerySet:
        return self.for_list()

    def for_condition_page(self) -> FindingQuerySet:
        """A condition's findings with their study, as its page lists them a page
        at a time: strongest level first, newest study first within a level,
        undated last."""
        return self.for_list().order_by(
            "evidence_level",
            F("study__year").desc(nulls_last=True),
            "study__title",
            "pk",
        )

    def delete(self):
        """Delete, then recompute the summaries of the conditions concerned."""
        with transaction.atomic():
            ids = set(self.values_list("condition_id", flat=True))
            done = super().delete()
            EvidenceSummary.objects.recompute(ids)
        return done

    def update(self, **kwargs):
        """Update, then recompute the summaries of the conditions concerned."""
        with transaction.atomic():
            ids = set(self.values_list("condition_id", flat=True))
            done = super().update(**kwargs)
            ids |= set(self.values_list("condition_id", flat=True))
            EvidenceSummary.objects.recompute(ids)
        return done


class FindingManager(models.Manager.from_queryset(FindingQuerySet)):
    def bulk_create(self, objs, *args, **kwargs):
        """Insert, then recompute the summaries of the conditions concerned."""
        with transaction.atomic():
            created = super().bulk_create(objs, *args, **kwargs)
            EvidenceSummary.objects.recompute(f.condition_id for f in created)
        return created


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
        max_length=20,
        choices=Direction.choices,
        db_index=True,
        help_text="“Not reported” when the source gives no result for this outcome.",
    )
    effect = models.TextField(help_text="What was found, in words, with figures.")
    participants = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="People analysed for this result; empty: the study's sample size.",
    )
    dose_min_mg = models.DecimalField("lowest daily dose (mg)", **DOSE_FIELD)
    dose_max_mg = models.DecimalField(
        "highest daily dose (mg)",
        **DOSE_FIELD,
        help_text="The daily dose studied for this result; one value for a fixed dose.",
    )
    follow_up_weeks = models.PositiveSmallIntegerField(
        "follow-up (weeks)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    effect_measure = models.CharField(
        max_length=20,
        choices=EffectMeasure.choices,
        blank=True,
        help_text="Only when the study reports an effect estimate.",
    )
    effect_value = models.DecimalField("estimate", **EFFECT_FIELD)
    effect_ci_low = models.DecimalField("95% CI low", **EFFECT_FIELD)
    effect_ci_high = models.DecimalField("95% CI high", **EFFECT_FIELD)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FindingManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["study_id", "condition_id", "outcome", "pk"]
        indexes = [
            # A condition's latest edited finding (the sitemap's last change).
            models.Index(
                fields=["condition", "-updated_at"], name="finding_latest_edit"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "condition", "outcome"],
                name="unique_finding_per_outcome",
                violation_error_message=(
                    "This study already has a finding for this condition and outcome."
                ),
            ),
            models.CheckConstraint(
                condition=Q(dose_min_mg__isnull=True)
                | Q(dose_max_mg__isnull=True)
                | Q(dose_min_mg__lte=F("dose_max_mg")),
                name="finding_dose_min_lte_max",
                violation_error_message=(
                    "The lowest dose cannot be above the highest dose."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(effect_value__isnull=True)
                    & Q(effect_ci_low__isnull=True)
                    & Q(effect_ci_high__isnull=True)
                )
                | (~Q(effect_measure="") & Q(effect_value__isnull=False)),
                name="finding_estimate_has_measure_and_value",
                violation_error_message=(
                    "An effect estimate needs its measure and its value."
                ),
            ),
            models.CheckConstraint(
                condition=Q(effect_ci_low__isnull=True, effect_ci_high__isnull=True)
                | Q(
                    effect_ci_low__isnull=False,
                    effect_ci_high__isnull=False,
                    effect_ci_low__lte=F("effect_value"),
                    effect_value__lte=F("effect_ci_high"),
                ),
                name="finding_ci_around_value",
                violation_error_message=(
                    "A confidence interval needs both ends, with low ≤ estimate ≤ high."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} — {self.get_outcome_display()}"

    def save(self, **kwargs):
        """Save and recompute the summaries of its condition (and of the one it
        left), in the same transaction."""
        with transaction.atomic():
            before = (
                Finding.objects.filter(pk=self.pk)
                .values_list("condition_id", flat=True)
                .first()
                if self.pk
                else None
            )
            super().save(**kwargs)
            EvidenceSummary.objects.recompute({self.condition_id, before})

    def get_absolute_url(self) -> str:
        """The study's page, where the finding is listed (reads `self.study`)."""
        return self.study.get_absolute_url()

    def delete(self, **kwargs):
        with transaction.atomic():
            condition_id = self.condition_id
            done = super().delete(**kwargs)
            EvidenceSummary.objects.recompute({condition_id})
        return done

    def clean(self) -> None:
        super().clean()
        errors = {}
        low, high = self.dose_min_mg, self.dose_max_mg
        if low is not None and high is not None and low > high:
            errors["dose_max_mg"] = "The highest dose must be at least the lowest dose."
        value, ci_low, ci_high = (
            self.effect_value,
            self.effect_ci_low,
            self.effect_ci_high,
        )
        has_estimate = any(v is not None for v in (value, ci_low, ci_high))
        if has_estimate and not self.effect_measure:
            errors["effect_measure"] = "Say what the estimate measures."
        if self.effect_measure and value is None:
            errors["effect_value"] = "Give the estimate, or leave the measure empty."
        if (ci_low is None) != (ci_high is None):
            errors["effect_ci_high" if ci_high is None else "effect_ci_low"] = (
                "Give both ends of the confidence interval, or neither."
            )
        elif (
            ci_low is not None
            and value is not None
            and not (ci_low <= value <= ci_high)
        ):
            errors["effect_value"] = (
                "The estimate must lie within its confidence interval (low ≤ "
                "estimate ≤ high)."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def counted_participants(self) -> int | None:
        """Participants analysed, else the study's sample size (reads `self.study`)."""
        return self.participants or self.study.sample_size

    @property
    def dose_text(self) -> str:
        """e.g. "4.5 mg/day", "1–4.5 mg/day"; "" when no dose is recorded."""
        return dose_text(self.dose_min_mg, self.dose_max_mg)

    @property
    def has_estimate(self) -> bool:
        return self.effect_value is not None

    @property
    def estimate_text(self) -> str:
        """e.g. "Mean difference −1.2 (95% CI −2.0 to −0.4)"; "" without one."""
        if self.effect_value is None:
            return ""
        text = f"{self.get_effect_measure_display()} {_number(self.effect_value)}"
        if self.effect_ci_low is not None:
            text += (
                f" (95% CI {_number(self.effect_ci_low)} to "
                f"{_number(self.effect_ci_high)})"
            )
        return text


def _number(value: Decimal) -> str:
    text = f"{Decimal(value).normalize():f}"
    return text.replace("-", "−")


def dose_text(low: Decimal | None, high: Decimal | None) -> str:
    """A daily dose range as readers write it: "4.5 mg/day", "1–4.5 mg/day"."""
    if low is None and high is None:
        return ""
    if low is None or high is None or low == high:
        return f"{_number(low if high is None else high)} mg/day"
    return f"{_number(low)}–{_number(high)} mg/day"


class EvidenceSummaryManager(models.Manager):
    def recompute(self, condition_ids: Iterable[int | None]) -> int:
        """Rate every body of evidence of these conditions again and store it.

        The one write path of the summaries: finding and study saves and
        deletes, queryset updates, bulk inserts, the content loader and the
        `recompute_evidence` command all call it, inside their own transaction.
        It counts studies public *now*; a study scheduled to appear or
        disappear later is counted (or dropped) when `recompute_evidence --due`
        runs after its time (see `due_condition_ids`).
        Three queries: the findings, the delete, the insert.
        """
        ids = {int(i) for i in condition_ids if i is not None}
        if not ids:
            return 0
        rows = (
            Finding.objects.filter(published_q("study__"), condition_id__in=ids)
            .order_by()
            .values_list(
                "condition_id",
                "outcome",
                "study_id",
                "study__design",
                "direction",
                "participants",
                "study__sample_size",
                "study__risk_of_bias",
            )
        )
        bodies: dict[tuple[int, str], list[Vote]] = defaultdict(list)
        for condition_id, outcome, study_id, design, direction, n, size, rob in rows:
            bodies[(condition_id, outcome)].append(
                Vote(study_id, design, direction, n or size, rob)
            )
        now = timezone.now()
        summaries = [
            self.model(
                condition_id=condition_id,
                outcome=outcome,
                computed_at=now,
                **summary_fields(rate_body(votes), Outcome(outcome).label),
            )
            for (condition_id, outcome), votes in sorted(bodies.items())
        ]
        with transaction.atomic():
            self.filter(condition_id__in=ids).delete()
            self.bulk_create(summaries)
        return len(summaries)

    def recompute_all(self) -> int:
        with transaction.atomic():
            ids = list(Condition.objects.values_list("pk", flat=True))
            self.exclude(condition_id__in=ids).delete()
            return self.recompute(ids)

    def recompute_due(self, now=None) -> tuple[int, int]:
        """Rate again the conditions `due_condition_ids()` names: (conditions,
        summaries stored). `recompute_evidence --due` and the page cache, when
        a scheduled moment passes, run it."""
        ids = self.due_condition_ids(now)
        return len(ids), self.recompute(ids)

    def due_condition_ids(self, now=None) -> set[int]:
        """Conditions with a study that became public, or stopped being public,
        after their summaries were computed: a scheduled publication or
        unpublication (`SCHEDULE_FIELDS`) whose time has come. Two queries."""
        now = now or timezone.now()
        computed = dict(
            self.order_by()
            .values("condition_id")
            .annotate(at=models.Min("computed_at"))
            .values_list("condition_id", "at")
        )
        due = set()
        moments = (
            Finding.objects.filter(
                study__status=Status.PUBLISHED, study__published_at__isnull=False
            )
            .order_by()
            .values("condition_id")
            .annotate(
                appeared=models.Max(
                    "study__published_at", filter=published_q("study__", now)
                ),
                disappeared=models.Max(
                    "study__unpublish_at", filter=Q(study__unpublish_at__lte=now)
                ),
            )
            .values_list("condition_id", "appeared", "disappeared")
        )
        for condition_id, appeared, disappeared in moments:
            at = computed.get(condition_id)
            if appeared is not None and (at is None or appeared > at):
                due.add(condition_id)
            if disappeared is not None and at is not None and disappeared > at:
                due.add(condition_id)
        return due


class EvidenceSummary(models.Model):
    """The stored rating of one body of evidence: one condition × one outcome.

    Derived data, written only by `EvidenceSummary.objects.recompute()` whenever
    a finding, a study or the clock (scheduled publication or unpublication,
    through `recompute_evidence --due`) changes it; pages, the API, filters and sorts
    read these rows instead of grading per request.
    """

    condition = models.ForeignKey(
        Condition, on_delete=models.CASCADE, related_name="evidence_summaries"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    direction = models.CharField(max_length=20, choices=BodyDirection.choices)
    certainty = models.CharField(max_length=10, choices=Certainty.choices)
    certainty_rank = models.PositiveSmallIntegerField(
        help_text="4 high … 1 very low, 0 not rated: for sorting."
    )
    studies = models.PositiveIntegerField(help_text="Primary studies that vote.")
    participants = models.PositiveIntegerField(
        help_text="Participants in the voting studies (those recorded)."
    )
    participants_complete = models.BooleanField(default=True)
    randomised_trials = models.PositiveIntegerField(default=0)
    randomised_participants = models.PositiveIntegerField(default=0)
    deciding_level = models.PositiveSmallIntegerField(null=True, blank=True)
    reviews = models.PositiveIntegerField(default=0)
    background = models.PositiveIntegerField(default=0)
    not_reported = models.PositiveIntegerField(default=0)
    basis = models.CharField(max_length=200)
    downgrades = models.JSONField(default=list)
    headline = models.CharField(max_length=300)
    computed_at = models.DateTimeField()

    objects = EvidenceSummaryManager()

    class Meta:
        ordering = ["condition_id", "outcome"]
        verbose_name_plural = "evidence summaries"
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "outcome"], name="unique_summary_per_outcome"
            )
        ]
        indexes = [models.Index(fields=["outcome", "certainty_rank"])]

    def __str__(self) -> str:
        return f"{self.condition_id} × {self.outcome}: {self.certainty}"

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label

    @property
    def certainty_label(self) -> str:
        return Certainty(self.certainty).label

    @property
    def direction_label(self) -> str:
        return BodyDirection(self.direction).label
