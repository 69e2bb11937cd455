"""The certainty rule of `studies.evidence`, walked through a table of bodies."""

import pytest

from studies import evidence
from studies.evidence import (
    DESIGN_LEVEL,
    ROLE_OF_DESIGN,
    BodyDirection,
    Certainty,
    Design,
    Direction,
    DowngradeReason,
    Role,
    Vote,
    evidence_level_expression,
    headline,
    plain_statement,
    rate_body,
)
from studies.models import Study
from tests.factories import make_study

B, N, H, M = Direction.BENEFIT, Direction.NO_EFFECT, Direction.HARM, Direction.MIXED
NR = Direction.NOT_REPORTED
RISK, INCONSISTENT, IMPRECISE, SMALL = (
    DowngradeReason.RISK_OF_BIAS,
    DowngradeReason.INCONSISTENCY,
    DowngradeReason.IMPRECISION,
    DowngradeReason.SMALL_STUDY_EFFECTS,
)


def votes(*specs):
    """Votes from (design, direction, participants[, risk of bias]) tuples."""
    return [Vote(i, *spec) for i, spec in enumerate(specs, start=1)]


def rct(direction, n, rob="low"):
    return (Design.RCT, direction, n, rob)


def pilot(direction, n, rob="high"):
    return (Design.OPEN_LABEL, direction, n, rob)


# (votes, direction, certainty, downgrade reasons, why)
CASES = [
    (
        votes(*[pilot(B, 8 + i) for i in range(10)], rct(N, 100), rct(N, 100)),
        BodyDirection.NO_CLEAR_BENEFIT,
        Certainty.LOW,
        [IMPRECISE, SMALL],
        "ten small positive pilots and two larger null trials: the trials decide",
    ),
    (
        votes(rct(B, 250), rct(B, 260)),
        BodyDirection.BENEFIT,
        Certainty.HIGH,
        [],
        "two consistent large trials at low risk of bias",
    ),
    (
        votes(
            (Design.SYSTEMATIC_REVIEW, B, None),
            (Design.CASE_REPORT, B, 1),
            (Design.CASE_REPORT, B, 2),
        ),
        BodyDirection.BENEFIT,
        Certainty.VERY_LOW,
        [IMPRECISE],
        "a review of case reports: the reports decide, very low; the review does "
        "not vote",
    ),
    (
        votes((Design.SYSTEMATIC_REVIEW, B, 500)),
        BodyDirection.NONE,
        Certainty.NOT_RATED,
        [],
        "a review alone is not a body of primary evidence",
    ),
    (
        votes(rct(B, 250), rct(B, 260), (Design.META_ANALYSIS, B, 510)),
        BodyDirection.BENEFIT,
        Certainty.HIGH,
        [],
        "a meta-analysis beside the trials it pools is not counted again",
    ),
    (
        votes(rct(N, 250), rct(N, 260), (Design.META_ANALYSIS, B, 510)),
        BodyDirection.NO_CLEAR_BENEFIT,
        Certainty.HIGH,
        [],
        "a positive review does not change null trials",
    ),
    (
        votes(rct(B, 31), rct(N, 99), rct(N, 58)),
        BodyDirection.NO_CLEAR_BENEFIT,
        Certainty.VERY_LOW,
        [INCONSISTENT, IMPRECISE, SMALL],
        "a small positive crossover, two larger nulls: 157 of 188 weigh null",
    ),
    (
        votes(rct(B, 100), rct(N, 100)),
        BodyDirection.INCONSISTENT,
        Certainty.LOW,
        [INCONSISTENT, IMPRECISE],
        "trials split evenly: inconsistent, no side reaches the agreement share",
    ),
    (
        votes(rct(B, 300, rob="high"), rct(B, 200)),
        BodyDirection.BENEFIT,
        Certainty.MODERATE,
        [RISK],
        "most participants are in a trial at high risk of bias",
    ),
    (
        votes(rct(B, 30)),
        BodyDirection.BENEFIT,
        Certainty.MODERATE,
        [IMPRECISE],
        "a single small trial",
    ),
    (
        votes((Design.COHORT, B, 500), (Design.COHORT, B, 450)),
        BodyDirection.BENEFIT,
        Certainty.LOW,
        [],
        "observational studies only start low",
    ),
    (
        votes((Design.COHORT, B, None), (Design.CROSS_SECTIONAL, B, None)),
        BodyDirection.BENEFIT,
        Certainty.VERY_LOW,
        [IMPRECISE],
        "observational studies that report no numbers are imprecise",
    ),
    (
        votes(rct(H, 250), rct(H, 250)),
        BodyDirection.HARM,
        Certainty.HIGH,
        [],
        "harm is a direction like the others",
    ),
    (
        votes(rct(NR, 400), (Design.NARRATIVE_REVIEW, B, None), pilot(B, 20, "low")),
        BodyDirection.BENEFIT,
        Certainty.VERY_LOW,
        [IMPRECISE],
        "a trial that reports no result does not vote; background never votes",
    ),
    (
        votes((Design.PRECLINICAL, B, None), (Design.SCOPING_REVIEW, B, None)),
        BodyDirection.NONE,
        Certainty.NOT_RATED,
        [],
        "background only: not rated",
    ),
    (
        votes(rct(N, 300), *[rct(B, 260) for _ in range(4)]),
        BodyDirection.INCONSISTENT,
        Certainty.MODERATE,
        [INCONSISTENT],
        "78% of participants saw benefit, but the largest trial did not",
    ),
    (
        votes(rct(B, 300), rct(B, 300), rct(M, 20)),
        BodyDirection.BENEFIT,
        Certainty.MODERATE,
        [INCONSISTENT],
        "a small mixed trial: the agreement share holds, the disagreement counts",
    ),
    (
        votes(rct(B, 200), rct(B, None)),
        BodyDirection.BENEFIT,
        Certainty.MODERATE,
        [IMPRECISE],
        "a trial without a number weighs like the smallest known one",
    ),
    (
        votes(rct(B, 40, "high"), rct(N, 160, "high"), pilot(B, 10)),
        BodyDirection.NO_CLEAR_BENEFIT,
        Certainty.VERY_LOW,
        [RISK, INCONSISTENT, IMPRECISE, SMALL],
        "never below very low, however many reasons",
    ),
]


@pytest.mark.parametrize(
    ("body", "direction", "certainty", "reasons", "why"),
    CASES,
    ids=[case[-1][:40] for case in CASES],
)
def test_certainty_table(body, direction, certainty, reasons, why):
    rated = rate_body(body)
    assert rated.direction == direction, why
    assert rated.certainty == certainty, why
    assert [d.reason for d in rated.downgrades] == reasons, why
    assert all(d.text and d.short for d in rated.downgrades), "every step says why"


def test_reviews_and_background_are_counted_apart_and_participants_once():
    body = rate_body(
        votes(
            rct(B, 250),
            rct(B, 260),
            (Design.META_ANALYSIS, B, 510),
            (Design.NARRATIVE_REVIEW, B, None),
            rct(NR, 80),
        )
    )
    assert (body.studies, body.participants) == (2, 510)
    assert (body.reviews, body.background, body.not_reported) == (1, 1, 1)
    assert (body.randomised_trials, body.randomised_participants) == (2, 510)


def test_the_headline_reads_like_a_sentence_with_its_reasons():
    body = rate_body(votes(rct(B, 31), rct(N, 99), rct(N, 58)))
    assert headline(body, "Pain") == (
        "Randomised trials in 188 people found no clear benefit on pain (very low "
        "certainty: trials disagree, few participants, only small studies report "
        "benefit)."
    )
    observational = rate_body(votes((Design.COHORT, B, None)))
    assert headline(observational, "Pain") == (
        "A non-randomised or observational study found a benefit on pain (very "
        "low certainty: no randomised trial, a single study)."
    )
    assert "No randomised trial" in headline(rate_body([]), "Fatigue")
    partial = rate_body(votes(rct(B, 250), rct(B, None), rct(B, 300)))
    assert "in at least 550 people" in headline(partial, "Pain")


def test_plain_statements_follow_the_certainty():
    assert plain_statement(BodyDirection.BENEFIT, Certainty.LOW, "Pain") == (
        "LDN may improve pain."
    )
    assert plain_statement(
        BodyDirection.NO_CLEAR_BENEFIT, Certainty.MODERATE, "Pain"
    ).startswith("LDN probably makes little or no difference")
    assert "very uncertain" in plain_statement(
        BodyDirection.BENEFIT, Certainty.VERY_LOW, "Pain"
    )


def test_every_design_has_a_level_and_a_role():
    assert set(DESIGN_LEVEL) == set(Design.values) == set(ROLE_OF_DESIGN)
    assert ROLE_OF_DESIGN[Design.META_ANALYSIS] == Role.REVIEW
    assert ROLE_OF_DESIGN[Design.NARRATIVE_REVIEW] == Role.BACKGROUND
    assert ROLE_OF_DESIGN[Design.OTHER] == Role.BACKGROUND
    assert ROLE_OF_DESIGN[Design.CROSS_SECTIONAL] == Role.PRIMARY
    assert DESIGN_LEVEL[Design.RCT] < DESIGN_LEVEL[Design.COHORT]
    assert DESIGN_LEVEL[Design.NON_RANDOMISED] == DESIGN_LEVEL[Design.OPEN_LABEL]
    assert DESIGN_LEVEL[Design.CASE_REPORT] > DESIGN_LEVEL[Design.OPEN_LABEL]


def test_sql_level_matches_the_python_mapping(db):
    for design in Design.values:
        make_study(design=design)
    rows = Study.objects.annotate(level=evidence_level_expression()).values_list(
        "design", "level"
    )
    assert dict(rows) == {d: int(level) for d, level in DESIGN_LEVEL.items()}


def test_the_rule_in_words_states_the_thresholds_the_code_applies():
    text = evidence.RULE_TEXT
    assert f"{evidence.IMPRECISION_MIN_PARTICIPANTS} participants" in text[IMPRECISE]
    assert f"{evidence.DIRECTION_AGREEMENT_PERCENT}%" in text["agreement"]
    assert f"{evidence.SMALL_STUDY_RATIO} times" in text[SMALL]
    assert f"{evidence.HIGH_RISK_SHARE_PERCENT}%" in text[RISK]
