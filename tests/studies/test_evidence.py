import pytest

from studies.evidence import (
    DESIGN_LEVEL,
    Design,
    Direction,
    Grade,
    evidence_level_expression,
    grade_findings,
)
from studies.models import Study
from tests.factories import make_study

B, N, H, M = Direction.BENEFIT, Direction.NO_EFFECT, Direction.HARM, Direction.MIXED

# (findings as (study id, level, direction), expected grade, why)
GRADE_CASES = [
    ([], Grade.INSUFFICIENT, "nothing published"),
    ([(1, 5, B), (2, 5, B)], Grade.INSUFFICIENT, "narrative reviews only"),
    ([(1, 1, B), (2, 2, B)], Grade.STRONG, "two high-level studies, all benefit"),
    ([(1, 1, B), (2, 2, B), (3, 3, B), (4, 3, N)], Grade.STRONG, "exactly 75% benefit"),
    ([(1, 1, B), (2, 2, B), (3, 3, H), (4, 3, B)], Grade.MODERATE, "harm blocks A"),
    ([(1, 2, B), (2, 2, B), (3, 3, N)], Grade.MODERATE, "67% benefit is below 75%"),
    ([(1, 2, B), (2, 4, B), (3, 3, N), (4, 3, N), (5, 3, B)], Grade.MODERATE, "60%"),
    ([(1, 2, B), (2, 3, N)], Grade.PRELIMINARY, "50% benefit"),
    ([(1, 3, B)], Grade.PRELIMINARY, "one cohort with benefit"),
    ([(1, 4, B), (2, 5, N)], Grade.PRELIMINARY, "case series benefit, review null"),
    ([(1, 2, N), (2, 2, N), (3, 3, B)], Grade.CONFLICTING, "nulls outweigh benefit"),
    ([(1, 2, N)], Grade.CONFLICTING, "one null RCT"),
    ([(1, 3, N), (2, 5, B), (3, 5, B)], Grade.CONFLICTING, "benefit only in reviews"),
    ([(1, 2, H)], Grade.CONFLICTING, "harm"),
    # One study, two outcomes that disagree: it counts once, as mixed.
    ([(1, 2, B), (1, 2, N)], Grade.CONFLICTING, "one mixed RCT"),
    ([(1, 2, B), (1, 2, B), (2, 1, B)], Grade.STRONG, "a study counts once"),
]


@pytest.mark.parametrize(("findings", "expected", "why"), GRADE_CASES)
def test_grade_table(findings, expected, why):
    assert grade_findings(findings).grade == expected, why


def test_counts_and_reason_are_reported_with_nulls():
    evidence = grade_findings([(1, 2, B), (2, 2, N), (3, 3, N), (3, 3, B)])
    assert evidence.studies == 3
    assert evidence.findings == 4
    assert evidence.by_level == {2: 2, 3: 1}
    assert evidence.by_direction == {B: 1, N: 1, M: 1}
    assert "1 no effect" in evidence.reason
    assert "1 mixed" in evidence.reason
    assert "33% report benefit" in evidence.reason


def test_every_design_has_a_level_and_reviews_rank_as_the_product_says():
    assert set(DESIGN_LEVEL) == set(Design.values)
    assert (
        DESIGN_LEVEL[Design.META_ANALYSIS]
        == DESIGN_LEVEL[Design.SYSTEMATIC_REVIEW]
        == 1
    )
    assert DESIGN_LEVEL[Design.RCT] < DESIGN_LEVEL[Design.COHORT]
    assert DESIGN_LEVEL[Design.CASE_REPORT] > DESIGN_LEVEL[Design.OPEN_LABEL]
    assert DESIGN_LEVEL[Design.PRECLINICAL] == max(DESIGN_LEVEL.values())


def test_sql_level_matches_the_python_mapping(db):
    for design in Design.values:
        make_study(design=design)
    rows = Study.objects.annotate(level=evidence_level_expression()).values_list(
        "design", "level"
    )
    assert dict(rows) == {d: int(level) for d, level in DESIGN_LEVEL.items()}


def test_the_rule_in_words_states_the_thresholds_the_code_applies():
    from studies import evidence

    assert f"at least {evidence.STRONG_MIN_HIGH} studies" in evidence.GRADE_RULES["A"]
    assert f"{evidence.STRONG_MIN_SHARE}%" in evidence.GRADE_RULES["A"]
    assert f"{evidence.MODERATE_MIN_SHARE}%" in evidence.GRADE_RULES["B"]
    assert f"{evidence.PRELIMINARY_MIN_SHARE}%" in evidence.GRADE_RULES["C"]
    assert "level 1-2" in evidence.GRADE_RULES["A"]
    assert list(evidence.GRADE_RULES) == list(evidence.Grade.values)
