"""The evidence map: published conditions × outcomes, counting public findings.

Each cell counts the findings one condition has for one outcome and splits them
by direction. Directions are written as symbols *and* words (`SYMBOLS`,
`Cell.words`), so the map reads the same without colour.

`evidence_map()` runs two queries whatever the size (the conditions, then the
finding counts grouped in SQL). `evidence_map_from_conditions()` runs none: it
reads the findings `Condition.objects.with_evidence()` already prefetched, for
pages that list the conditions anyway.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count

from conditions.models import Condition
from studies.evidence import DIRECTION_SYMBOLS, Direction
from studies.models import Finding, Outcome

SYMBOLS = DIRECTION_SYMBOLS
assert set(SYMBOLS) == set(Direction.values), "every direction needs a symbol"


def direction_words(direction: str, count: int) -> str:
    """ "2 benefit", "1 no effect": a count with the direction in lower case."""
    return f"{count} {Direction(direction).label.lower()}"


@dataclass(frozen=True)
class DirectionCount:
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
        return direction_words(self.direction, self.count)


def direction_counts(counts: Counter | dict[str, int]) -> list[DirectionCount]:
    """The non-zero counts, in `Direction` order."""
    return [
        DirectionCount(direction, counts[direction])
        for direction in Direction.values
        if counts.get(direction)
    ]


@dataclass(frozen=True)
class Cell:
    """The findings of one condition for one outcome, by direction."""

    outcome: str
    directions: list[DirectionCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(d.count for d in self.directions)

    @property
    def symbols(self) -> str:
        """ "✓1 ○1" (empty for an empty cell)."""
        return " ".join(f"{d.symbol}{d.count}" for d in self.directions)

    @property
    def text(self) -> str:
        """ "2: ✓1 ○1", or "—" when there is no finding."""
        return f"{self.total}: {self.symbols}" if self.total else "—"

    @property
    def words(self) -> str:
        """ "2 findings: 1 benefit, 1 no effect", or "no findings"."""
        if not self.total:
            return "no findings"
        noun = "finding" if self.total == 1 else "findings"
        return f"{self.total} {noun}: " + ", ".join(d.words for d in self.directions)


@dataclass(frozen=True)
class Row:
    condition: Condition
    cells: list[Cell]

    @property
    def total(self) -> int:
        return sum(cell.total for cell in self.cells)


@dataclass(frozen=True)
class EvidenceMap:
    """Rows of conditions, columns of outcomes (`(value, label)` pairs)."""

    outcomes: list[tuple[str, str]]
    rows: list[Row]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)

    @property
    def legend(self) -> list[tuple[str, str]]:
        """(symbol, direction label) for every direction."""
        return [(SYMBOLS[value], label) for value, label in Direction.choices]


def build_map(
    conditions: Sequence[Condition],
    counts: Iterable[tuple[int, str, str, int]],
    *,
    hide_empty_outcomes: bool = True,
) -> EvidenceMap:
    """Lay (condition id, outcome, direction, count) rows out as a map.

    Every condition gets a row, in the order given, even one with no finding
    (that absence is information too). Outcome columns follow `Outcome`; a column
    with no finding anywhere is left out when `hide_empty_outcomes` is set.
    """
    tally: dict[tuple[int, str], Counter] = {}
    for condition_id, outcome, direction, count in counts:
        tally.setdefault((condition_id, outcome), Counter())[direction] += count
    used = {outcome for _, outcome in tally}
    outcomes = [
        (value, label)
        for value, label in Outcome.choices
        if value in used or not hide_empty_outcomes
    ]
    rows = [
        Row(
            condition=condition,
            cells=[
                Cell(
                    outcome=value,
                    directions=direction_counts(tally.get((condition.pk, value), {})),
                )
                for value, _ in outcomes
            ],
        )
        for condition in conditions
    ]
    return EvidenceMap(outcomes=outcomes, rows=rows)


def evidence_map(*, hide_empty_outcomes: bool = True) -> EvidenceMap:
    """The map of every published condition, from public findings: two queries."""
    conditions = list(Condition.objects.published().only("pk", "name", "slug"))
    counts = (
        Finding.objects.published()
        .order_by()
        .values_list("condition_id", "outcome", "direction")
        .annotate(n=Count("pk"))
    )
    return build_map(conditions, counts, hide_empty_outcomes=hide_empty_outcomes)


def evidence_map_from_conditions(
    conditions: Iterable[Condition], *, hide_empty_outcomes: bool = True
) -> EvidenceMap:
    """The map from conditions of `Condition.objects.published().with_evidence()`.

    Reads their prefetched `published_findings` (findings of published studies;
    the conditions are published), so it runs no query of its own.
    """
    conditions = list(conditions)
    counts = (
        (condition.pk, finding.outcome, finding.direction, 1)
        for condition in conditions
        for finding in condition.published_findings
    )
    return build_map(conditions, counts, hide_empty_outcomes=hide_empty_outcomes)
