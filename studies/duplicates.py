"""When two citations are the same work: the one rule import and the admin share.

Two citations are the same work when any of these holds, checked in this order:

1. **same DOI** (bare, lower-case, as `normalise_doi` stores it);
2. **same PubMed ID**;
3. **same title and first author**: the first authors' family names (or
   collective names) are equal once accents, case and punctuation are set aside,
   and the normalised titles (casefolded, accents and punctuation stripped)
   score at least `TITLE_SCORE` with rapidfuzz's `token_sort_ratio` when the
   years are at most one apart (online and print years often differ by one),
   or at least `SAME_TITLE_SCORE` (the same title, give or take a word) when a
   year is missing or they are further apart (a year typed wrongly). A citation
   without authors or title never matches on this rule.

`DuplicateIndex` holds the existing studies in memory, loaded with one query
(`DuplicateIndex.from_database()`), so a batch of any size is matched without a
query per record; `add()` puts a file's own records in, so a later record of the
same file is found as a duplicate of an earlier one. `possible_duplicates()` runs
the same rule over the studies already in the database, comparing only pairs
that share a DOI, a PubMed ID or a first author (blocking), never all pairs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from studies.models import Study, normalise_doi

TITLE_SCORE = 90
SAME_TITLE_SCORE = 97
YEAR_SLACK = 1

_APOSTROPHES = re.compile(r"['’‘`´]")
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Casefolded, accents and punctuation stripped: "Crohn’s Disease." → "crohns
    disease"."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHES.sub("", text.casefold())
    return " ".join(_NOT_WORD.sub(" ", text).split())


def first_author_key(authors: list[dict[str, str]]) -> str:
    """The first author's family (or collective) name, folded, spaces removed."""
    if not authors:
        return ""
    first = authors[0]
    return fold(first.get("family") or first.get("literal", "")).replace(" ", "")


@dataclass(frozen=True)
class Work:
    """What the rule compares: a study or a record, reduced to its keys."""

    ref: Any  # the study's pk, or the record's position in the file
    title: str
    year: int | None
    author: str
    doi: str
    pmid: int | None
    label: str = ""

    @classmethod
    def of(cls, ref: Any, values: dict[str, Any], label: str = "") -> Work:
        return cls(
            ref=ref,
            title=fold(values.get("title", "")),
            year=values.get("year"),
            author=first_author_key(values.get("authors") or []),
            doi=normalise_doi(values.get("doi") or ""),
            pmid=values.get("pmid") or None,
            label=label or values.get("title", ""),
        )


@dataclass(frozen=True)
class Match:
    """Why `ref` is the same work: the reason in words, and the title score."""

    ref: Any
    label: str
    reason: str
    score: int | None = None


def compare(a: Work, b: Work) -> Match | None:
    """`b` as a match of `a` under the rule, or None."""
    if a.doi and a.doi == b.doi:
        return Match(b.ref, b.label, "same DOI")
    if a.pmid and a.pmid == b.pmid:
        return Match(b.ref, b.label, "same PubMed ID")
    if not (a.author and a.title and a.author == b.author and b.title):
        return None
    exact = fuzz.token_sort_ratio(a.title, b.title)
    score = int(exact)  # shown rounded down, so "100%" means the same words
    close = a.year is not None and b.year is not None
    close = close and abs(a.year - b.year) <= YEAR_SLACK
    if close and exact >= TITLE_SCORE:
        return Match(
            b.ref, b.label, f"same title, year and first author (title {score}%)", score
        )
    if exact >= SAME_TITLE_SCORE:
        years = (
            f"years {a.year} and {b.year}" if a.year and b.year else "a year missing"
        )
        return Match(
            b.ref,
            b.label,
            f"same title and first author, {years} (title {score}%)",
            score,
        )
    return None


@dataclass
class DuplicateIndex:
    """Works by DOI, PubMed ID and first author, for matching in memory."""

    by_doi: dict[str, Work] = field(default_factory=dict)
    by_pmid: dict[int, Work] = field(default_factory=dict)
    by_author: dict[str, list[Work]] = field(default_factory=lambda: defaultdict(list))

    def add(self, work: Work) -> None:
        if work.doi:
            self.by_doi.setdefault(work.doi, work)
        if work.pmid:
            self.by_pmid.setdefault(work.pmid, work)
        if work.author and work.title:
            self.by_author[work.author].append(work)

    def find(self, work: Work) -> Match | None:
        """The work this one duplicates (DOI, then PMID, then the best title).

        `work` itself must not be in the index yet.
        """
        for found in (self.by_doi.get(work.doi), self.by_pmid.get(work.pmid)):
            if found is not None:
                return compare(work, found)
        best = None
        for other in self.by_author.get(work.author, ()):
            match = compare(work, other)
            if match and (best is None or (match.score or 0) > (best.score or 0)):
                best = match
        return best

    @classmethod
    def from_database(cls) -> DuplicateIndex:
        """Every study (archived ones too), in one query."""
        index = cls()
        for work in study_works(Study.objects.all()):
            index.add(work)
        return index


def study_works(queryset) -> Iterable[Work]:
    """The studies of `queryset` as `Work`s (one query, only the columns needed)."""
    rows = queryset.order_by("pk").values_list(
        "pk", "title", "year", "authors", "doi", "pmid"
    )
    for pk, title, year, authors, doi, pmid in rows:
        values = {"title": title, "year": year, "authors": authors}
        yield Work.of(
            pk,
            {**values, "doi": doi, "pmid": pmid},
            label=f"{title} ({year})" if year else title,
        )


@dataclass(frozen=True)
class DuplicatePair:
    first: int
    second: int
    reason: str
    score: int | None


def possible_duplicates(queryset=None) -> list[DuplicatePair]:
    """Pairs of existing studies that are the same work, each pair once (one query).

    Only studies that share a DOI, a PubMed ID or a first author are compared.
    """
    works = list(study_works(queryset if queryset is not None else Study.objects))
    blocks: dict[tuple[str, object], list[Work]] = defaultdict(list)
    for work in works:
        if work.doi:
            blocks["doi", work.doi].append(work)
        if work.pmid:
            blocks["pmid", work.pmid].append(work)
        if work.author and work.title:
            blocks["author", work.author].append(work)
    pairs: dict[tuple[int, int], DuplicatePair] = {}
    for block in blocks.values():
        for i, a in enumerate(block):
            for b in block[i + 1 :]:
                key = (min(a.ref, b.ref), max(a.ref, b.ref))
                if key in pairs:
                    continue
                match = compare(a, b)
                if match:
                    pairs[key] = DuplicatePair(*key, match.reason, match.score)
    return sorted(pairs.values(), key=lambda p: (p.first, p.second))
