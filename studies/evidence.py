"""Evidence levels and condition grades: the one place the grading rule lives.

A study's **evidence level** follows from its design alone (`DESIGN_LEVEL`).

A condition's **grade** is computed from the findings of its published studies:

1. Each study counts once. Its direction for the condition is the direction all
   its findings on that condition share, or "mixed" when they differ.
2. Clinical studies are those at levels 1-4; level 5 (narrative and scoping
   reviews, preclinical work, design not stated) is background only.
3. The first rule that matches gives the grade (`GRADE_RULES` holds the same
   rules as text, built from the thresholds `grade_results` applies):

   ===  =====================  =====================================================
   A    Strong                 at least 2 studies at level 1-2, at least 75% of all
                               studies report benefit, and none reports harm
   B    Moderate               at least 1 study at level 1-2 and at least 60% of
                               all studies report benefit
   C    Preliminary            at least 1 clinical study reports benefit and at
                               least 50% of all studies report benefit
   D    Conflicting/negative   at least 1 clinical study, but none of A-C holds
                               (under half report benefit, or no clinical study
                               reports benefit)
   I    Insufficient           no clinical study (none at all, or background only)
   ===  =====================  =====================================================

Null and negative findings always count: they lower the share that reports
benefit, and they are shown beside positive ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models


class Design(models.TextChoices):
    META_ANALYSIS = "meta_analysis", "Meta-analysis"
    SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
    RCT = "rct", "Randomised controlled trial"
    CROSSOVER_RCT = "crossover_rct", "Crossover randomised controlled trial"
    OPEN_LABEL = "open_label", "Open-label pilot trial"
    COHORT = "cohort", "Cohort study"
    CASE_SERIES = "case_series", "Case series"
    CASE_REPORT = "case_report", "Case report"
    SCOPING_REVIEW = "scoping_review", "Scoping review"
    NARRATIVE_REVIEW = "narrative_review", "Narrative review"
    PRECLINICAL = "preclinical", "Preclinical (cell or animal) study"
    OTHER = "other", "Other or not stated"


class EvidenceLevel(models.IntegerChoices):
    SYNTHESIS = 1, "Level 1: systematic review or meta-analysis"
    RANDOMISED = 2, "Level 2: randomised controlled trial"
    NON_RANDOMISED = 3, "Level 3: non-randomised trial or cohort study"
    DESCRIPTIVE = 4, "Level 4: case series or case report"
    BACKGROUND = 5, "Level 5: narrative or scoping review, preclinical, not stated"


DESIGN_LEVEL: dict[str, int] = {
    Design.META_ANALYSIS: EvidenceLevel.SYNTHESIS,
    Design.SYSTEMATIC_REVIEW: EvidenceLevel.SYNTHESIS,
    Design.RCT: EvidenceLevel.RANDOMISED,
    Design.CROSSOVER_RCT: EvidenceLevel.RANDOMISED,
    Design.OPEN_LABEL: EvidenceLevel.NON_RANDOMISED,
    Design.COHORT: EvidenceLevel.NON_RANDOMISED,
    Design.CASE_SERIES: EvidenceLevel.DESCRIPTIVE,
    Design.CASE_REPORT: EvidenceLevel.DESCRIPTIVE,
    Design.SCOPING_REVIEW: EvidenceLevel.BACKGROUND,
    Design.NARRATIVE_REVIEW: EvidenceLevel.BACKGROUND,
    Design.PRECLINICAL: EvidenceLevel.BACKGROUND,
    Design.OTHER: EvidenceLevel.BACKGROUND,
}
assert set(DESIGN_LEVEL) == set(Design.values), "every design needs a level"

HIGH_LEVELS = {EvidenceLevel.SYNTHESIS, EvidenceLevel.RANDOMISED}
CLINICAL_LEVELS = HIGH_LEVELS | {
    EvidenceLevel.NON_RANDOMISED,
    EvidenceLevel.DESCRIPTIVE,
}


def level_for_design(design: str) -> int:
    return DESIGN_LEVEL[design]


def evidence_level_expression(prefix: str = "") -> models.Case:
    """`DESIGN_LEVEL` as SQL, to filter and sort by level in the database.

    `prefix` reaches the study through a relation, e.g. `"study__"` from a finding.
    """
    return models.Case(
        *(
            models.When(**{f"{prefix}design": design}, then=models.Value(int(level)))
            for design, level in DESIGN_LEVEL.items()
        ),
        default=models.Value(int(EvidenceLevel.BACKGROUND)),
        output_field=models.PositiveSmallIntegerField(),
    )


class Direction(models.TextChoices):
    BENEFIT = "benefit", "Benefit"
    NO_EFFECT = "no_effect", "No effect"
    HARM = "harm", "Harm"
    MIXED = "mixed", "Mixed"


# One symbol per direction, always shown beside its word (never alone, and
# never colour alone): pages, the evidence map and its legend all use these.
DIRECTION_SYMBOLS: dict[str, str] = {
    Direction.BENEFIT: "✓",
    Direction.NO_EFFECT: "○",
    Direction.HARM: "✗",
    Direction.MIXED: "±",
}


class Grade(models.TextChoices):
    STRONG = "A", "Strong"
    MODERATE = "B", "Moderate"
    PRELIMINARY = "C", "Preliminary"
    CONFLICTING = "D", "Conflicting or negative"
    INSUFFICIENT = "I", "Insufficient"


# The thresholds of the grading rule: `grade_results` applies them and
# `GRADE_RULES` states them, so the rule shown to readers is the rule applied.
STRONG_MIN_HIGH = 2
STRONG_MIN_SHARE = 75
MODERATE_MIN_HIGH = 1
MODERATE_MIN_SHARE = 60
PRELIMINARY_MIN_SHARE = 50


def _levels(levels) -> str:
    """{1, 2} → "1-2" (the level sets are contiguous runs)."""
    values = sorted(int(level) for level in levels)
    return f"{values[0]}-{values[-1]}" if len(values) > 1 else str(values[0])


_HIGH = _levels(HIGH_LEVELS)

GRADE_RULES: dict[str, str] = {
    Grade.STRONG: (
        f"at least {STRONG_MIN_HIGH} studies at level {_HIGH}, at least "
        f"{STRONG_MIN_SHARE}% of all studies report benefit, and none reports harm"
    ),
    Grade.MODERATE: (
        f"at least {MODERATE_MIN_HIGH} study at level {_HIGH} and at least "
        f"{MODERATE_MIN_SHARE}% of all studies report benefit"
    ),
    Grade.PRELIMINARY: (
        f"at least 1 clinical study reports benefit and at least "
        f"{PRELIMINARY_MIN_SHARE}% of all studies report benefit"
    ),
    Grade.CONFLICTING: (
        "at least 1 clinical study, but none of A-C holds (under half report "
        "benefit, or no clinical study reports benefit)"
    ),
    Grade.INSUFFICIENT: "no clinical study (none at all, or background only)",
}
"""Each grade's condition in words, checked from the top down."""


@dataclass(frozen=True)
class StudyResult:
    """One study's contribution to one condition's grade."""

    study_id: int
    level: int
    direction: str


@dataclass(frozen=True)
class ConditionEvidence:
    grade: str
    studies: int
    findings: int
    by_level: dict[int, int] = field(default_factory=dict)
    by_direction: dict[str, int] = field(default_factory=dict)
    reason: str = ""

    @property
    def grade_label(self) -> str:
        return Grade(self.grade).label

    @property
    def benefit_share(self) -> float:
        return (
            self.by_direction.get(Direction.BENEFIT, 0) / self.studies
            if self.studies
            else 0.0
        )


def study_results(findings: Iterable[tuple[int, int, str]]) -> list[StudyResult]:
    """Collapse (study id, level, direction) finding rows to one result per study."""
    levels: dict[int, int] = {}
    directions: dict[int, set[str]] = {}
    for study_id, level, direction in findings:
        levels[study_id] = level
        directions.setdefault(study_id, set()).add(direction)
    return [
        StudyResult(
            study_id=sid,
            level=levels[sid],
            direction=dirs.pop() if len(dirs) == 1 else Direction.MIXED,
        )
        for sid, dirs in directions.items()
    ]


def grade_results(results: list[StudyResult], *, findings: int) -> ConditionEvidence:
    """Apply the grading rule (the module docstring, `GRADE_RULES`)."""
    n = len(results)
    by_level = Counter(r.level for r in results)
    by_direction = Counter(r.direction for r in results)
    high = sum(by_level[level] for level in HIGH_LEVELS)
    clinical = [r for r in results if r.level in CLINICAL_LEVELS]
    benefit = by_direction[Direction.BENEFIT]
    # Integer arithmetic, so that exactly 75 % or 60 % never falls on the wrong side.
    share_at_least = lambda percent: benefit * 100 >= percent * n  # noqa: E731

    no_harm = by_direction[Direction.HARM] == 0
    clinical_benefit = any(r.direction == Direction.BENEFIT for r in clinical)
    if high >= STRONG_MIN_HIGH and share_at_least(STRONG_MIN_SHARE) and no_harm:
        grade = Grade.STRONG
    elif high >= MODERATE_MIN_HIGH and share_at_least(MODERATE_MIN_SHARE):
        grade = Grade.MODERATE
    elif clinical_benefit and share_at_least(PRELIMINARY_MIN_SHARE):
        grade = Grade.PRELIMINARY
    elif clinical:
        grade = Grade.CONFLICTING
    else:
        grade = Grade.INSUFFICIENT

    return ConditionEvidence(
        grade=grade,
        studies=n,
        findings=findings,
        by_level=dict(sorted(by_level.items())),
        by_direction={d: by_direction[d] for d in Direction.values if by_direction[d]},
        reason=_reason(grade, n, high, len(clinical), by_direction),
    )


def grade_findings(findings: Iterable[tuple[int, int, str]]) -> ConditionEvidence:
    """Grade a condition from its published findings as (study id, level, direction)."""
    rows = list(findings)
    return grade_results(study_results(rows), findings=len(rows))


def _reason(grade: str, n: int, high: int, clinical: int, by_direction: Counter) -> str:
    if n == 0:
        return "No published study reports a finding for this condition yet."
    plural = "study" if n == 1 else "studies"
    parts = [
        f"{n} {plural}: {high} systematic review or randomised trial level, "
        f"{clinical} clinical in all."
    ]
    counts = ", ".join(
        f"{by_direction[d]} {Direction(d).label.lower()}"
        for d in Direction.values
        if by_direction[d]
    )
    benefit = by_direction[Direction.BENEFIT]
    parts.append(f"Directions: {counts} ({round(100 * benefit / n)}% report benefit).")
    if grade == Grade.INSUFFICIENT:
        parts.append("No clinical study yet: reviews and preclinical work only.")
    return " ".join(parts)
