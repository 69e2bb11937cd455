"""What a condition's page shows about its evidence, beyond the stored summaries.

The summaries (`EvidenceSummary`) give the headline and the summary-of-findings
table; this module adds the parts read from the findings themselves, each in
one query whatever their number: the doses studied, the reviews' conclusions
and the "did it replicate?" plot. `digest()` gives the three, kept in the
shared cache until the content changes (`ldnsite.cache.remember`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.template.loader import render_to_string

from conditions.models import Condition, Outcome
from ldnsite.cache import remember
from studies.evidence import (
    CERTAINTY_MEANING,
    DIRECTION_SYMBOLS,
    RANDOMISED_DESIGNS,
    REVIEW_DESIGNS,
    ROLE_OF_DESIGN,
    Certainty,
    Direction,
    EvidenceLevel,
    Role,
    level_for_design,
    plain_statement,
)
from studies.models import EvidenceSummary, Finding, dose_text, study_address

OUTCOME_ORDER = {value: index for index, value in enumerate(Outcome.values)}
PRIMARY_DESIGNS = [d for d, role in ROLE_OF_DESIGN.items() if role == Role.PRIMARY]

REVIEWS_SHOWN = 20
DOSES_SHOWN = 8
MARKS_SHOWN = 150
"""At most this many studies per outcome are drawn (the largest); the list below
the plot names every study."""
# Up to this many studies in a cell, all drawn, the plot's text lists their sizes.
SIZES_LISTED = 12


@dataclass
class SofRow:
    summary: EvidenceSummary
    statement: str
    why_not_higher: list[str]
    meaning: str


def sof_rows(summaries: list[EvidenceSummary]) -> list[SofRow]:
    """The summary-of-findings table: one row per outcome, in `Outcome` order."""
    rows = []
    for summary in sorted(summaries, key=lambda s: OUTCOME_ORDER[s.outcome]):
        why = []
        if summary.certainty not in (Certainty.HIGH, Certainty.NOT_RATED):
            if summary.deciding_level != EvidenceLevel.RANDOMISED:
                why.append(summary.basis)
            why += [d["text"] for d in summary.downgrades]
        rows.append(
            SofRow(
                summary=summary,
                statement=plain_statement(
                    summary.direction, summary.certainty, summary.outcome_label
                ),
                why_not_higher=why,
                meaning=CERTAINTY_MEANING[summary.certainty],
            )
        )
    return rows


EVIDENCE_TEMPLATE = "conditions/includes/condition_evidence.html"


@dataclass
class Digest:
    doses: list[str]
    # The summary-of-findings table, the reviews and the replication plots,
    # rendered (`EVIDENCE_TEMPLATE`).
    evidence_html: str


def public_findings(condition: Condition):
    """The findings a condition's page and API count and list: those of
    published studies."""
    return Finding.objects.of_published_studies().filter(condition=condition)


def findings_count(condition: Condition) -> int:
    """How many `public_findings()`, remembered under the key the page's
    paginator uses for the same count."""
    return remember(
        ("count", *findings_key(condition)),
        lambda: public_findings(condition).count(),
    )


def findings_key(condition: Condition) -> tuple:
    return ("condition-findings", condition.pk)


def digest(condition: Condition) -> Digest:
    """What a condition's page reads from all its findings (the doses, the
    reviews, the replication plots, rendered with its summaries), once per
    content change. `condition` comes with its `summaries` (`for_page()`)."""

    def compute() -> Digest:
        html = render_to_string(
            EVIDENCE_TEMPLATE,
            {
                "condition": condition,
                "sof": sof_rows(condition.summaries),
                "reviews": review_findings(condition),
                "plots": replication(condition),
            },
        )
        return Digest(doses=doses_studied(condition), evidence_html=html)

    return remember(("condition-digest", condition.pk), compute)


def doses_studied(condition: Condition) -> list[str]:
    """ "4.5 mg/day in 3 randomised trials", "1–4.5 mg/day in 2 other studies":
    the daily doses primary studies report for this condition; [] when none."""
    rows = (
        Finding.objects.of_published_studies()
        .filter(condition=condition, study__design__in=PRIMARY_DESIGNS)
        .exclude(dose_min_mg__isnull=True, dose_max_mg__isnull=True)
        .values("dose_min_mg", "dose_max_mg", "study__design")
        .annotate(studies=Count("study", distinct=True))
        .order_by()
    )
    tally: dict[tuple, dict[bool, int]] = defaultdict(lambda: {True: 0, False: 0})
    for row in rows:
        key = (row["dose_min_mg"], row["dose_max_mg"])
        tally[key][row["study__design"] in RANDOMISED_DESIGNS] += row["studies"]
    lines = []
    for (low, high), counts in sorted(
        tally.items(), key=lambda item: (-sum(item[1].values()), item[0][1] or 0)
    ):
        parts = []
        if counts[True]:
            n = counts[True]
            parts.append(f"{n} randomised trial{'s' if n != 1 else ''}")
        if counts[False]:
            n = counts[False]
            parts.append(f"{n} other stud{'ies' if n != 1 else 'y'}")
        lines.append(f"{dose_text(low, high)} in {' and '.join(parts)}")
    return lines[:DOSES_SHOWN]


def review_findings(condition: Condition) -> list[Finding]:
    """The conclusions of systematic reviews and meta-analyses (they never vote)."""
    return list(
        Finding.objects.of_published_studies()
        .filter(condition=condition, study__design__in=REVIEW_DESIGNS)
        .select_related("study")
        .order_by("-study__year", "outcome", "pk")[:REVIEWS_SHOWN]
    )


# --- "Did it replicate?" ---------------------------------------------------------

BANDS = [
    (EvidenceLevel.RANDOMISED, "Randomised trials"),
    (EvidenceLevel.NON_RANDOMISED, "Non-randomised and observational"),
    (EvidenceLevel.DESCRIPTIVE, "Case series and reports"),
]
# The band labels as drawn, in lines that fit LABEL_WIDTH.
BAND_LINES = {
    EvidenceLevel.RANDOMISED: ["Randomised", "trials"],
    EvidenceLevel.NON_RANDOMISED: ["Non-randomised,", "observational"],
    EvidenceLevel.DESCRIPTIVE: ["Case series", "and reports"],
}
COLUMNS = [Direction.BENEFIT, Direction.NO_EFFECT, Direction.MIXED, Direction.HARM]
LABEL_WIDTH = 120
COLUMN_WIDTH = 130
HEADER = 28
GAP = 4
PAD = 8
MIN_R, MAX_R = 6, 40
LINE_HEIGHT = 15


def radius(participants: int | None) -> float:
    """Area grows with participants (radius with the square root); unknown
    sizes get the smallest mark, which still holds its symbol."""
    if not participants:
        return MIN_R
    return round(max(MIN_R, min(MAX_R, 2 + 1.8 * math.sqrt(participants))), 1)


@dataclass
class Mark:
    study_id: int
    title: str
    url: str
    direction: str
    participants: int | None
    r: float
    x: float = 0
    y: float = 0

    @property
    def symbol(self) -> str:
        return DIRECTION_SYMBOLS[self.direction]

    @property
    def label(self) -> str:
        people = (
            f"{self.participants} people" if self.participants else "size not reported"
        )
        return f"{self.title} ({people}): {Direction(self.direction).label.lower()}"


@dataclass
class Band:
    level: int
    label: str
    y: float
    height: float
    marks: list[Mark] = field(default_factory=list)
    # direction → (studies, studies with a size, their participants in all)
    counts: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    @property
    def label_lines(self) -> list[dict]:
        """The label's lines with their baselines, centred on the band."""
        lines = BAND_LINES[self.level]
        top = self.y + self.height / 2 - LINE_HEIGHT * (len(lines) - 1) / 2
        return [
            {"text": text, "y": round(top + LINE_HEIGHT * i, 1)}
            for i, text in enumerate(lines)
        ]

    @property
    def words(self) -> str:
        parts = []
        for direction in COLUMNS:
            studies, known, people = self.counts.get(direction, (0, 0, 0))
            if studies:
                drawn = [m.participants for m in self.marks if m.direction == direction]
                if studies <= SIZES_LISTED and len(drawn) == studies and known:
                    listed = ", ".join(str(n) for n in drawn if n)
                    sizes_text = f"{listed} people"
                elif known:  # the text stays short at any size
                    sizes_text = f"{people} people in all"
                else:
                    sizes_text = "sizes not reported"
                word = Direction(direction).label.lower()
                parts.append(f"{studies} {word} ({sizes_text})")
        return f"{self.label}: " + ("; ".join(parts) if parts else "none")


@dataclass
class Plot:
    outcome: str
    label: str
    bands: list[Band]
    width: int
    height: float
    hidden: int = 0

    @property
    def columns(self) -> list[dict]:
        return [
            {
                "x": LABEL_WIDTH + COLUMN_WIDTH * i + COLUMN_WIDTH / 2,
                "symbol": DIRECTION_SYMBOLS[d],
                "label": Direction(d).label,
                "direction": d,
            }
            for i, d in enumerate(COLUMNS)
        ]

    @property
    def gridlines(self) -> list[float]:
        return [LABEL_WIDTH + COLUMN_WIDTH * i for i in range(len(COLUMNS) + 1)]


def _pack(marks: list[Mark], left: float, top: float) -> float:
    """Place marks left to right in rows inside one column; return the height."""
    x, y, row_height = left + PAD, top + PAD, 0.0
    for mark in marks:
        d = 2 * mark.r
        if x + d > left + COLUMN_WIDTH - PAD and x > left + PAD:
            x, y, row_height = left + PAD, y + row_height + GAP, 0.0
        mark.x, mark.y = x + mark.r, y + mark.r
        x += d + GAP
        row_height = max(row_height, d)
    return y + row_height + PAD - top


def replication(condition: Condition) -> list[Plot]:
    """One plot per outcome: every primary study that reports a result, one mark
    each (the `MARKS_SHOWN` largest), sized by participants, in its level's band
    and its direction's column.

    Two queries whatever the number of findings: the counts per outcome, design
    and direction, and the marks drawn (ranked in SQL).
    """
    findings = (
        Finding.objects.of_published_studies()
        .filter(condition=condition, study__design__in=PRIMARY_DESIGNS)
        .exclude(direction=Direction.NOT_REPORTED)
        .annotate(size=Coalesce("participants", "study__sample_size"))
        .order_by()
    )
    tallies = findings.values_list("outcome", "study__design", "direction").annotate(
        studies=Count("pk"), known=Count("size"), people=Sum("size")
    )
    totals: dict[str, int] = defaultdict(int)
    counts: dict[tuple[str, int, str], list[int]] = {}
    for outcome, design, direction, studies, known, people in tallies:
        totals[outcome] += studies
        cell = counts.setdefault(
            (outcome, level_for_design(design), direction), [0, 0, 0]
        )
        cell[0] += studies
        cell[1] += known
        cell[2] += people or 0
    ranked = (
        findings.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("outcome")],
                order_by=[F("size").desc(nulls_last=True), F("study_id").asc()],
            )
        )
        .filter(rank__lte=MARKS_SHOWN)
        .values_list(
            "outcome",
            "study_id",
            "study__slug",
            "study__title",
            "study__design",
            "direction",
            "size",
            "rank",
        )
    )
    by_outcome: dict[str, list] = defaultdict(list)
    for outcome, sid, slug, title, design, direction, n, _rank in sorted(
        ranked, key=lambda row: (row[0], row[-1])
    ):
        by_outcome[outcome].append((sid, slug, title, design, direction, n))
    plots = []
    for outcome in sorted(totals, key=OUTCOME_ORDER.get):
        studies = by_outcome[outcome]
        hidden = max(0, totals[outcome] - MARKS_SHOWN)
        y = HEADER
        bands = []
        for level, label in BANDS:
            band = Band(level=level, label=label, y=y, height=0)
            band.counts = {
                direction: tuple(cell)
                for (o, lvl, direction), cell in counts.items()
                if o == outcome and lvl == level
            }
            cells: dict[str, list[Mark]] = defaultdict(list)
            for sid, slug, title, design, direction, n in studies:
                if level_for_design(design) != level:
                    continue
                cells[direction].append(
                    Mark(
                        sid,
                        title,
                        study_address(sid, slug),
                        direction,
                        n,
                        radius(n),
                    )
                )
            if not band.counts:
                continue
            height = max(2 * MIN_R, LINE_HEIGHT * 2) + 2 * PAD
            for column, direction in enumerate(COLUMNS):
                marks = cells.get(direction, [])
                if marks:
                    left = LABEL_WIDTH + COLUMN_WIDTH * column
                    height = max(height, _pack(marks, left, y))
                    band.marks += marks
            band.height = height
            bands.append(band)
            y += height
        plots.append(
            Plot(
                outcome=outcome,
                label=Outcome(outcome).label,
                bands=bands,
                width=LABEL_WIDTH + COLUMN_WIDTH * len(COLUMNS),
                height=y + 4,
                hidden=hidden,
            )
        )
    return plots
