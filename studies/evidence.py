"""Evidence levels and the certainty of a body of evidence: the rule lives here.

A study's **evidence level** follows from its design alone (`DESIGN_LEVEL`).

What is rated is a **body of evidence**: the findings of published studies for
one condition and one outcome (fibromyalgia × pain), as GRADE and Cochrane do.
`rate_body()` applies the rule below; `RULE_TEXT` states it with the same
constants, for the public "How we grade" page.

1. **Who votes** (`ROLE_OF_DESIGN`). Primary studies vote: randomised trials,
   non-randomised and open-label trials, cohort, cross-sectional and registry
   studies, case series and case reports. Systematic reviews and meta-analyses
   do not vote beside the trials they pool: their conclusions are shown in
   their own panel. Narrative and scoping reviews, preclinical work and
   designs not stated are background and never vote. A finding whose result is
   "not reported" does not vote. Each study counts once (one finding per study,
   condition and outcome).
2. **Direction** comes from the highest level that has voters (randomised
   trials if there are any; else non-randomised and observational studies;
   else case series and reports), each study weighted by its participants (a
   study whose number is not recorded weighs as much as the smallest recorded
   study at that level, or 1 when none is recorded). A direction that holds at
   least `DIRECTION_AGREEMENT_PERCENT` % of that weight, and that the largest
   study at that level shares, decides: benefit, no clear benefit (a "no
   effect" result), harm, or inconsistent (a "mixed" result). Otherwise the body
   is inconsistent: smaller studies cannot outvote the largest one.
3. **Certainty starts** high with randomised trials, low with non-randomised
   or observational studies only, very low with case series and reports only.
4. **Certainty goes down one level** (never below very low) for each of these,
   and each step is recorded with its reason:
   - *risk of bias*: more than half of the participants at the deciding level
     are in studies judged at high risk of bias;
   - *inconsistency*: studies at the deciding level point in different
     directions;
   - *imprecision*: fewer than `IMPRECISION_MIN_PARTICIPANTS` participants at
     the deciding level, or a single study;
   - *small-study effects*: some voting studies report benefit and others do
     not, and the largest study that does not report benefit has at least
     `SMALL_STUDY_RATIO` times as many participants as the largest that does.
5. A body without a voting study is **not rated**: its reviews and background
   are still shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models


class Design(models.TextChoices):
    META_ANALYSIS = "meta_analysis", "Meta-analysis"
    SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
    RCT = "rct", "Randomised controlled trial"
    CROSSOVER_RCT = "crossover_rct", "Crossover randomised controlled trial"
    NON_RANDOMISED = (
        "non_randomised",
        "Non-randomised controlled trial (quasi-experimental)",
    )
    OPEN_LABEL = "open_label", "Open-label pilot trial"
    COHORT = "cohort", "Cohort study"
    CROSS_SECTIONAL = "cross_sectional", "Cross-sectional or registry study"
    CASE_SERIES = "case_series", "Case series"
    CASE_REPORT = "case_report", "Case report"
    SCOPING_REVIEW = "scoping_review", "Scoping review"
    NARRATIVE_REVIEW = "narrative_review", "Narrative review"
    PRECLINICAL = "preclinical", "Preclinical (cell or animal) study"
    OTHER = "other", "Other or not stated"


class EvidenceLevel(models.IntegerChoices):
    SYNTHESIS = 1, "Level 1: systematic review or meta-analysis"
    RANDOMISED = 2, "Level 2: randomised controlled trial"
    NON_RANDOMISED = (
        3,
        "Level 3: non-randomised or open-label trial, cohort, cross-sectional study",
    )
    DESCRIPTIVE = 4, "Level 4: case series or case report"
    BACKGROUND = 5, "Level 5: narrative or scoping review, preclinical, not stated"


DESIGN_LEVEL: dict[str, int] = {
    Design.META_ANALYSIS: EvidenceLevel.SYNTHESIS,
    Design.SYSTEMATIC_REVIEW: EvidenceLevel.SYNTHESIS,
    Design.RCT: EvidenceLevel.RANDOMISED,
    Design.CROSSOVER_RCT: EvidenceLevel.RANDOMISED,
    Design.NON_RANDOMISED: EvidenceLevel.NON_RANDOMISED,
    Design.OPEN_LABEL: EvidenceLevel.NON_RANDOMISED,
    Design.COHORT: EvidenceLevel.NON_RANDOMISED,
    Design.CROSS_SECTIONAL: EvidenceLevel.NON_RANDOMISED,
    Design.CASE_SERIES: EvidenceLevel.DESCRIPTIVE,
    Design.CASE_REPORT: EvidenceLevel.DESCRIPTIVE,
    Design.SCOPING_REVIEW: EvidenceLevel.BACKGROUND,
    Design.NARRATIVE_REVIEW: EvidenceLevel.BACKGROUND,
    Design.PRECLINICAL: EvidenceLevel.BACKGROUND,
    Design.OTHER: EvidenceLevel.BACKGROUND,
}
assert set(DESIGN_LEVEL) == set(Design.values), "every design needs a level"


class Direction(models.TextChoices):
    BENEFIT = "benefit", "Benefit"
    NO_EFFECT = "no_effect", "No effect"
    HARM = "harm", "Harm"
    MIXED = "mixed", "Mixed"
    NOT_REPORTED = "not_reported", "Not reported"


# One symbol per direction, always shown beside its word (never alone, and
# never colour alone): pages, the evidence map and its legend all use these.
DIRECTION_SYMBOLS: dict[str, str] = {
    Direction.BENEFIT: "✓",
    Direction.NO_EFFECT: "○",
    Direction.HARM: "✗",
    Direction.MIXED: "±",
    Direction.NOT_REPORTED: "?",
}


HIGH_LEVELS = {EvidenceLevel.SYNTHESIS, EvidenceLevel.RANDOMISED}
CLINICAL_LEVELS = HIGH_LEVELS | {
    EvidenceLevel.NON_RANDOMISED,
    EvidenceLevel.DESCRIPTIVE,
}


def level_for_design(design: str) -> int:
    return DESIGN_LEVEL[design]


class LevelOfDesign(models.Func):
    """`DESIGN_LEVEL` as SQL: `CASE design WHEN 'rct' THEN 2 ... END`.

    Compiled directly rather than as `Case(When(...))`, whose every branch runs
    Django's lookup machinery again on each query (about 1 ms per query).
    """

    arity = 1
    output_field = models.PositiveSmallIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return f"CASE {column} {_LEVEL_BRANCHES} ELSE %s END", (
            *params,
            *_LEVEL_PARAMS,
        )


_LEVEL_BRANCHES = " ".join(["WHEN %s THEN %s"] * len(DESIGN_LEVEL))
_LEVEL_PARAMS = (
    *(v for design, level in DESIGN_LEVEL.items() for v in (str(design), int(level))),
    int(EvidenceLevel.BACKGROUND),
)


def evidence_level_expression(prefix: str = "") -> LevelOfDesign:
    """`DESIGN_LEVEL` as SQL, to filter and sort by level in the database.

    `prefix` reaches the study through a relation, e.g. `"study__"` from a finding.
    """
    return LevelOfDesign(models.F(f"{prefix}design"))


# --- Who votes ------------------------------------------------------------------


class Role(models.TextChoices):
    PRIMARY = "primary", "Primary study: votes"
    REVIEW = "review", "Review of studies: shown apart, never votes"
    BACKGROUND = "background", "Background: never votes"


ROLE_OF_DESIGN: dict[str, str] = {
    Design.META_ANALYSIS: Role.REVIEW,
    Design.SYSTEMATIC_REVIEW: Role.REVIEW,
    Design.RCT: Role.PRIMARY,
    Design.CROSSOVER_RCT: Role.PRIMARY,
    Design.NON_RANDOMISED: Role.PRIMARY,
    Design.OPEN_LABEL: Role.PRIMARY,
    Design.COHORT: Role.PRIMARY,
    Design.CROSS_SECTIONAL: Role.PRIMARY,
    Design.CASE_SERIES: Role.PRIMARY,
    Design.CASE_REPORT: Role.PRIMARY,
    Design.SCOPING_REVIEW: Role.BACKGROUND,
    Design.NARRATIVE_REVIEW: Role.BACKGROUND,
    Design.PRECLINICAL: Role.BACKGROUND,
    Design.OTHER: Role.BACKGROUND,
}
assert set(ROLE_OF_DESIGN) == set(Design.values), "every design needs a role"

REVIEW_DESIGNS = [d for d, role in ROLE_OF_DESIGN.items() if role == Role.REVIEW]
RANDOMISED_DESIGNS = [
    d for d, level in DESIGN_LEVEL.items() if level == EvidenceLevel.RANDOMISED
]


# --- The rule's outputs -----------------------------------------------------------


class Certainty(models.TextChoices):
    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"
    VERY_LOW = "very_low", "Very low"
    NOT_RATED = "not_rated", "Not rated"


# Highest first; a step down moves one place along, never past "very low".
CERTAINTY_STEPS = [
    Certainty.HIGH,
    Certainty.MODERATE,
    Certainty.LOW,
    Certainty.VERY_LOW,
]
CERTAINTY_RANK: dict[str, int] = {
    Certainty.HIGH: 4,
    Certainty.MODERATE: 3,
    Certainty.LOW: 2,
    Certainty.VERY_LOW: 1,
    Certainty.NOT_RATED: 0,
}
"""For sorting in SQL: the higher, the more certain."""

# What each certainty lets a reader say (GRADE's plain-language wording).
CERTAINTY_MEANING: dict[str, str] = {
    Certainty.HIGH: "we are confident",
    Certainty.MODERATE: "probably",
    Certainty.LOW: "may",
    Certainty.VERY_LOW: "we are very uncertain",
    Certainty.NOT_RATED: "no primary study to rate",
}

CERTAINTY_SYMBOLS: dict[str, str] = {
    Certainty.HIGH: "●●●●",
    Certainty.MODERATE: "●●●○",
    Certainty.LOW: "●●○○",
    Certainty.VERY_LOW: "●○○○",
    Certainty.NOT_RATED: "○○○○",
}


class BodyDirection(models.TextChoices):
    BENEFIT = "benefit", "Benefit"
    NO_CLEAR_BENEFIT = "no_clear_benefit", "No clear benefit"
    HARM = "harm", "Harm"
    INCONSISTENT = "inconsistent", "Inconsistent"
    NONE = "none", "No primary study"


BODY_DIRECTION_SYMBOLS: dict[str, str] = {
    BodyDirection.BENEFIT: DIRECTION_SYMBOLS[Direction.BENEFIT],
    BodyDirection.NO_CLEAR_BENEFIT: DIRECTION_SYMBOLS[Direction.NO_EFFECT],
    BodyDirection.HARM: DIRECTION_SYMBOLS[Direction.HARM],
    BodyDirection.INCONSISTENT: DIRECTION_SYMBOLS[Direction.MIXED],
    BodyDirection.NONE: "—",
}

# A finding's direction, as the direction of a body it decides alone.
BODY_DIRECTION_OF: dict[str, str] = {
    Direction.BENEFIT: BodyDirection.BENEFIT,
    Direction.NO_EFFECT: BodyDirection.NO_CLEAR_BENEFIT,
    Direction.HARM: BodyDirection.HARM,
    Direction.MIXED: BodyDirection.INCONSISTENT,
}


class DowngradeReason(models.TextChoices):
    RISK_OF_BIAS = "risk_of_bias", "Risk of bias"
    INCONSISTENCY = "inconsistency", "Inconsistency"
    IMPRECISION = "imprecision", "Imprecision"
    SMALL_STUDY_EFFECTS = "small_study_effects", "Small-study effects"


# --- The thresholds (the rule applies them; RULE_TEXT states them) ----------------

DIRECTION_AGREEMENT_PERCENT = 75
IMPRECISION_MIN_PARTICIPANTS = 400
SMALL_STUDY_RATIO = 2
HIGH_RISK_SHARE_PERCENT = 50


@dataclass(frozen=True)
class Vote:
    """One study's finding in a body of evidence (one condition × one outcome)."""

    study_id: int
    design: str
    direction: str
    participants: int | None = None
    risk_of_bias: str = "not_assessed"

    @property
    def level(self) -> int:
        return DESIGN_LEVEL[self.design]

    @property
    def role(self) -> str:
        return ROLE_OF_DESIGN[self.design]


@dataclass(frozen=True)
class Downgrade:
    reason: str
    short: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"reason": self.reason, "short": self.short, "text": self.text}


@dataclass(frozen=True)
class Body:
    """The rating of one body of evidence, with everything needed to explain it."""

    direction: str
    certainty: str
    start: str
    basis: str
    downgrades: tuple[Downgrade, ...] = ()
    studies: int = 0
    participants: int = 0
    participants_complete: bool = True
    randomised_trials: int = 0
    randomised_participants: int = 0
    deciding_level: int | None = None
    tier_studies: int = 0
    tier_participants: int = 0
    tier_complete: bool = True
    reviews: int = 0
    background: int = 0
    not_reported: int = 0
    weights: dict[str, int] = field(default_factory=dict)


LEVEL_START = {
    EvidenceLevel.RANDOMISED: Certainty.HIGH,
    EvidenceLevel.NON_RANDOMISED: Certainty.LOW,
    EvidenceLevel.DESCRIPTIVE: Certainty.VERY_LOW,
}
LEVEL_BASIS = {
    EvidenceLevel.RANDOMISED: "randomised trials: rating starts high",
    EvidenceLevel.NON_RANDOMISED: (
        "no randomised trial, only non-randomised or observational studies: "
        "rating starts low"
    ),
    EvidenceLevel.DESCRIPTIVE: (
        "only case series and case reports: rating starts very low"
    ),
}
LEVEL_SHORT = {
    EvidenceLevel.RANDOMISED: "",
    EvidenceLevel.NON_RANDOMISED: "no randomised trial",
    EvidenceLevel.DESCRIPTIVE: "case reports only",
}


def _weights(votes: list[Vote]) -> list[tuple[Vote, int]]:
    known = [v.participants for v in votes if v.participants]
    fallback = min(known) if known else 1
    return [(v, v.participants or fallback) for v in votes]


def rate_body(votes: Iterable[Vote]) -> Body:
    """Apply the rule (this module's docstring) to the findings of one body."""
    votes = list(votes)
    reviews = sum(1 for v in votes if v.role == Role.REVIEW)
    background = sum(1 for v in votes if v.role == Role.BACKGROUND)
    primary = [v for v in votes if v.role == Role.PRIMARY]
    not_reported = sum(1 for v in primary if v.direction == Direction.NOT_REPORTED)
    voters = [v for v in primary if v.direction != Direction.NOT_REPORTED]
    counts = {
        "reviews": reviews,
        "background": background,
        "not_reported": not_reported,
    }
    if not voters:
        return Body(
            direction=BodyDirection.NONE,
            certainty=Certainty.NOT_RATED,
            start=Certainty.NOT_RATED,
            basis="no primary study reports a result: not rated",
            **counts,
        )

    randomised = [v for v in voters if v.level == EvidenceLevel.RANDOMISED]
    level = min(v.level for v in voters)
    tier = [v for v in voters if v.level == level]
    weighted = _weights(tier)
    total = sum(w for _, w in weighted)
    by_direction: dict[str, int] = {}
    for vote, weight in weighted:
        by_direction[vote.direction] = by_direction.get(vote.direction, 0) + weight
    leader, lead = max(by_direction.items(), key=lambda item: item[1])
    biggest = max(w for _, w in weighted)
    largest_agree = all(v.direction == leader for v, w in weighted if w == biggest)
    if lead * 100 >= DIRECTION_AGREEMENT_PERCENT * total and largest_agree:
        direction = BODY_DIRECTION_OF[leader]
    else:
        direction = BodyDirection.INCONSISTENT

    is_trials = level == EvidenceLevel.RANDOMISED
    noun = "trials" if is_trials else "studies"
    tier_known = sum(v.participants or 0 for v in tier)
    downgrades: list[Downgrade] = []

    high_risk = sum(w for v, w in weighted if v.risk_of_bias == "high")
    if high_risk * 100 > HIGH_RISK_SHARE_PERCENT * total:
        downgrades.append(
            Downgrade(
                DowngradeReason.RISK_OF_BIAS,
                "risk of bias",
                f"most participants ({high_risk} of {total}) are in {noun} judged "
                "at high risk of bias",
            )
        )
    if len(by_direction) > 1:
        found = ", ".join(
            f"{sum(1 for v in tier if v.direction == d)} {Direction(d).label.lower()}"
            for d in Direction.values
            if d in by_direction
        )
        downgrades.append(
            Downgrade(
                DowngradeReason.INCONSISTENCY,
                f"{noun} disagree",
                f"the {noun} point in different directions ({found})",
            )
        )
    if len(tier) == 1:
        single = "a single trial" if is_trials else "a single study"
        downgrades.append(
            Downgrade(
                DowngradeReason.IMPRECISION,
                single,
                f"{single}, with "
                + (
                    f"{tier_known} participants"
                    if tier_known
                    else "participants not reported"
                ),
            )
        )
    elif tier_known < IMPRECISION_MIN_PARTICIPANTS:
        downgrades.append(
            Downgrade(
                DowngradeReason.IMPRECISION,
                "few participants" if tier_known else "participants not reported",
                (
                    f"{tier_known} participants in the {noun}, fewer than "
                    f"{IMPRECISION_MIN_PARTICIPANTS}"
                    if tier_known
                    else f"the {noun} do not report their numbers of participants"
                ),
            )
        )
    benefit_sizes = [
        v.participants
        for v in voters
        if v.direction == Direction.BENEFIT and v.participants
    ]
    other_sizes = [
        v.participants
        for v in voters
        if v.direction != Direction.BENEFIT and v.participants
    ]
    if (
        benefit_sizes
        and other_sizes
        and max(other_sizes) >= SMALL_STUDY_RATIO * max(benefit_sizes)
    ):
        downgrades.append(
            Downgrade(
                DowngradeReason.SMALL_STUDY_EFFECTS,
                "only small studies report benefit",
                f"the largest study reporting benefit had {max(benefit_sizes)} "
                f"participants; a study of {max(other_sizes)} did not find one",
            )
        )

    start = LEVEL_START[level]
    index = min(
        CERTAINTY_STEPS.index(start) + len(downgrades), len(CERTAINTY_STEPS) - 1
    )
    return Body(
        direction=direction,
        certainty=CERTAINTY_STEPS[index],
        start=start,
        basis=LEVEL_BASIS[level],
        downgrades=tuple(downgrades),
        studies=len(voters),
        participants=sum(v.participants or 0 for v in voters),
        participants_complete=all(v.participants for v in voters),
        randomised_trials=len(randomised),
        randomised_participants=sum(v.participants or 0 for v in randomised),
        deciding_level=int(level),
        tier_studies=len(tier),
        tier_participants=tier_known,
        tier_complete=all(v.participants for v in tier),
        weights=by_direction,
        **counts,
    )


# --- Words for readers -------------------------------------------------------------

TIER_NOUN = {
    EvidenceLevel.RANDOMISED: ("A randomised trial", "Randomised trials"),
    EvidenceLevel.NON_RANDOMISED: (
        "A non-randomised or observational study",
        "Non-randomised and observational studies",
    ),
    EvidenceLevel.DESCRIPTIVE: ("A case report or series", "Case reports and series"),
}
DIRECTION_PHRASE = {
    BodyDirection.BENEFIT: "a benefit",
    BodyDirection.NO_CLEAR_BENEFIT: "no clear benefit",
    BodyDirection.HARM: "harm",
    BodyDirection.INCONSISTENT: "inconsistent results",
}


def headline(body: Body, outcome_label: str) -> str:
    """The body in one sentence a patient reads, e.g. "Randomised trials in 188
    people found no clear benefit on pain (low certainty: trials disagree, few
    participants)."."""
    outcome = outcome_label.lower()
    if body.direction == BodyDirection.NONE:
        return (
            f"No randomised trial or other primary study has reported on {outcome} yet."
        )
    level = body.deciding_level
    single, plural = TIER_NOUN[level]
    subject = single if body.tier_studies == 1 else plural
    people = body.tier_participants
    if people:
        at_least = "" if body.tier_complete else "at least "
        subject += f" in {at_least}{people} {'person' if people == 1 else 'people'}"
    reasons = [LEVEL_SHORT[level]] if LEVEL_SHORT[level] else []
    reasons += [d.short for d in body.downgrades]
    certainty = Certainty(body.certainty).label.lower()
    why = f": {', '.join(dict.fromkeys(reasons))}" if reasons else ""
    found = DIRECTION_PHRASE[body.direction]
    return f"{subject} found {found} on {outcome} ({certainty} certainty{why})."


def summary_fields(body: Body, outcome_label: str) -> dict[str, object]:
    """The body as the stored summary's fields (`studies.models.EvidenceSummary`)."""
    return {
        "direction": body.direction,
        "certainty": body.certainty,
        "certainty_rank": CERTAINTY_RANK[body.certainty],
        "studies": body.studies,
        "participants": body.participants,
        "participants_complete": body.participants_complete,
        "randomised_trials": body.randomised_trials,
        "randomised_participants": body.randomised_participants,
        "deciding_level": body.deciding_level,
        "reviews": body.reviews,
        "background": body.background,
        "not_reported": body.not_reported,
        "basis": body.basis,
        "downgrades": [d.as_dict() for d in body.downgrades],
        "headline": headline(body, outcome_label),
    }


# GRADE's plain-language statements, by direction and certainty.
_STATEMENTS = {
    BodyDirection.BENEFIT: {
        Certainty.HIGH: "LDN improves {o}",
        Certainty.MODERATE: "LDN probably improves {o}",
        Certainty.LOW: "LDN may improve {o}",
        Certainty.VERY_LOW: "We are very uncertain whether LDN improves {o}",
    },
    BodyDirection.NO_CLEAR_BENEFIT: {
        Certainty.HIGH: "LDN makes little or no difference to {o}",
        Certainty.MODERATE: "LDN probably makes little or no difference to {o}",
        Certainty.LOW: "LDN may make little or no difference to {o}",
        Certainty.VERY_LOW: "We are very uncertain whether LDN changes {o}",
    },
    BodyDirection.HARM: {
        Certainty.HIGH: "LDN worsens {o}",
        Certainty.MODERATE: "LDN probably worsens {o}",
        Certainty.LOW: "LDN may worsen {o}",
        Certainty.VERY_LOW: "We are very uncertain whether LDN worsens {o}",
    },
}


def plain_statement(direction: str, certainty: str, outcome_label: str) -> str:
    """What a reader may conclude, worded by certainty as GRADE suggests."""
    outcome = outcome_label.lower()
    if direction == BodyDirection.NONE:
        return f"No primary study has reported on {outcome}."
    if direction == BodyDirection.INCONSISTENT:
        return f"The studies disagree on whether LDN changes {outcome}."
    return _STATEMENTS[direction][certainty].format(o=outcome) + "."


RULE_TEXT: dict[str, str] = {
    "agreement": (
        f"a direction decides when studies holding at least "
        f"{DIRECTION_AGREEMENT_PERCENT}% of the participants at the deciding level, "
        "including the largest study there, share it; otherwise the evidence is "
        "inconsistent"
    ),
    DowngradeReason.RISK_OF_BIAS: (
        f"more than {HIGH_RISK_SHARE_PERCENT}% of the participants at the deciding "
        "level are in studies judged at high risk of bias"
    ),
    DowngradeReason.INCONSISTENCY: (
        "the studies at the deciding level point in different directions"
    ),
    DowngradeReason.IMPRECISION: (
        f"fewer than {IMPRECISION_MIN_PARTICIPANTS} participants at the deciding "
        "level, or a single study"
    ),
    DowngradeReason.SMALL_STUDY_EFFECTS: (
        "some studies report benefit and others do not, and the largest study that "
        f"does not report benefit is at least {SMALL_STUDY_RATIO} times as large as "
        "the largest that does"
    ),
}
"""The rule in words, built from the thresholds `rate_body` applies."""
