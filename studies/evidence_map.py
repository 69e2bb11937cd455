"""The evidence map: published conditions × outcomes, from the stored summaries.

Each cell is one body of evidence: its direction and its certainty, written as
symbols *and* words (never colour alone), linking to the condition page's row
for that outcome, where the findings behind it are listed.

`evidence_map()` runs two queries whatever the size (the conditions, then their
summaries). `evidence_map_from_conditions()` runs none: it reads the summaries
`Condition.objects.with_evidence()` already prefetched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conditions.models import Condition, Outcome
from studies.evidence import (
    BODY_DIRECTION_SYMBOLS,
    CERTAINTY_SYMBOLS,
    DIRECTION_SYMBOLS,
    BodyDirection,
    Certainty,
    Direction,
)
from studies.models import EvidenceSummary

SYMBOLS = DIRECTION_SYMBOLS
assert set(SYMBOLS) == set(Direction.values), "every direction needs a symbol"


@dataclass(frozen=True)
class DirectionCount:
    """A count of findings with one direction (study lists and pages)."""

    direction: str
    count: int

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.direction]

    @property
    def label(self) -> str:
        return Direction(self.direction).label

    @property
    def words(self) -> str:
        return f"{self.count} {self.label.lower()}"


def direction_counts(counts) -> list[DirectionCount]:
    """The non-zero counts, in `Direction` order."""
    return [
        DirectionCount(direction, counts[direction])
        for direction in Direction.values
        if counts.get(direction)
    ]


@dataclass(frozen=True)
class Cell:
    """One body of evidence (a stored summary), or an empty cell (`row` None)."""

    outcome: str
    summary: EvidenceSummary | None
    url: str = ""

    @property
    def symbol(self) -> str:
        return BODY_DIRECTION_SYMBOLS[self.summary.direction] if self.summary else "—"

    @property
    def certainty_symbol(self) -> str:
        return CERTAINTY_SYMBOLS[self.summary.certainty] if self.summary else ""

    @property
    def words(self) -> str:
        """ "No clear benefit, low certainty (3 studies)", or "no studies"."""
        row = self.summary
        if row is None:
            return "no studies"
        if row.direction == BodyDirection.NONE:
            return "no primary study (reviews or background only)"
        studies = f"{row.studies} stud{'y' if row.studies == 1 else 'ies'}"
        return (
            f"{row.direction_label}, {row.certainty_label.lower()} certainty "
            f"({studies})"
        )


@dataclass(frozen=True)
class Row:
    condition: Condition
    cells: list[Cell]


@dataclass(frozen=True)
class EvidenceMap:
    """Rows of conditions, columns of outcomes (`(value, label)` pairs)."""

    outcomes: list[tuple[str, str]]
    rows: list[Row]

    @property
    def legend(self) -> list[tuple[str, str]]:
        """(symbol, direction label) for every direction of a body."""
        return [
            (BODY_DIRECTION_SYMBOLS[v], label) for v, label in BodyDirection.choices
        ]

    @property
    def certainty_legend(self) -> list[tuple[str, str]]:
        return [
            (CERTAINTY_SYMBOLS[v], label)
            for v, label in Certainty.choices
            if v != Certainty.NOT_RATED
        ]


def build_map(
    conditions: Sequence[Condition],
    summaries: Iterable[EvidenceSummary],
    *,
    hide_empty_outcomes: bool = True,
) -> EvidenceMap:
    """Lay the stored summaries out as a map.

    Every condition gets a row, in the order given, even one with no finding
    (that absence is information too). Outcome columns follow `Outcome`; a column
    with no summary anywhere is left out when `hide_empty_outcomes` is set.
    """
    by_key = {(row.condition_id, row.outcome): row for row in summaries}
    used = {outcome for _, outcome in by_key}
    outcomes = [
        (value, label)
        for value, label in Outcome.choices
        if value in used or not hide_empty_outcomes
    ]
    rows = []
    for condition in conditions:
        url = condition.get_absolute_url()
        cells = []
        for value, _ in outcomes:
            summary = by_key.get((condition.pk, value))
            cells.append(
                Cell(value, summary, f"{url}#outcome-{value}" if summary else "")
            )
        rows.append(Row(condition=condition, cells=cells))
    return EvidenceMap(outcomes=outcomes, rows=rows)


def evidence_map(*, hide_empty_outcomes: bool = True) -> EvidenceMap:
    """The map of every published condition: two queries."""
    conditions = list(Condition.objects.published().only("pk", "name", "slug"))
    summaries = EvidenceSummary.objects.filter(condition__in=[c.pk for c in conditions])
    return build_map(conditions, summaries, hide_empty_outcomes=hide_empty_outcomes)


def evidence_map_from_conditions(
    conditions: Iterable[Condition], *, hide_empty_outcomes: bool = True
) -> EvidenceMap:
    """The map from conditions of `Condition.objects.published().with_evidence()`."""
    conditions = list(conditions)
    summaries = [row for condition in conditions for row in condition.summaries]
    return build_map(conditions, summaries, hide_empty_outcomes=hide_empty_outcomes)
