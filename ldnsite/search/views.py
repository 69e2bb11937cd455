"""`/search/`: every published type, grouped, with identifiers and suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import F, Func, IntegerField, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString

from ldnsite.cache import remember
from ldnsite.search import suggest
from ldnsite.search.engine import matching, matching_rows, parse_query, snippet
from ldnsite.search.fields import DOCUMENTS, DOCUMENTS_BY_KIND, Document
from ldnsite.search.query import MAX_QUERY_LENGTH, STOP_WORDS, Query, parse, words
from ldnsite.search.text import marked

# Each type's query fetches at most this many rows (its count is exact).
RESULT_LIMIT = 50
# Results per type on the page showing all types; the type filter shows them all.
GROUP_PREVIEW = 5
# Fewer results than this and a misspelt word gets a "did you mean".
FEW_RESULTS = 3
# A named condition's rank is multiplied by this: it comes first.
NAMED_BOOST = 1000.0

PLURALS = {
    "Condition": "Conditions",
    "Glossary": "Glossary",
    "FAQ": "FAQ",
    "Mechanism": "Mechanisms",
    "Study": "Studies",
}
TYPE_PARAM = {document.kind.lower(): document.kind for document in DOCUMENTS}


@dataclass(frozen=True)
class Result:
    kind: str
    url: str
    title_html: SafeString
    snippet_html: SafeString
    rank: float


@dataclass
class Group:
    kind: str
    count: int
    results: list[Result]
    type_param: str

    @property
    def label(self) -> str:
        return PLURALS[self.kind]

    @property
    def best(self) -> float:
        return self.results[0].rank if self.results else 0.0


@dataclass
class Outcome:
    """What a search found: groups by type, best group first."""

    groups: list[Group] = field(default_factory=list)
    # The query that was searched, when it is not the one typed.
    searched: Query | None = None
    suggestion: str = ""
    relaxed: bool = False

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def results(self) -> list[Result]:
        """Every result in page order: groups best first, each best first."""
        return [result for group in self.groups for result in group.results]


def title_coverage(title: str, terms: set[str]) -> float:
    """The share of the title's words the query names, from 0 to 1.

    It lifts the item a query is about above items that mention it among other
    things: for "fibromyalgia pain", the condition "Fibromyalgia" (every title
    word named) above "Centralized pain syndromes" (one word in three). A word
    counts when it and a term share a stem, roughly: one starts with the other
    ("syndromes" and "syndrome").
    """
    title_words = [w for w in words(title) if w not in STOP_WORDS]
    if not title_words or not terms:
        return 0.0
    named = sum(
        1
        for w in title_words
        if any(w.startswith(t) or t.startswith(w) for t in terms if len(t) > 1)
    )
    return named / len(title_words)


def query_words(query: Query) -> set[str]:
    return {w for clause in query.clauses for a in clause.alternatives for w in a}


def rows_for(document: Document, query: Query) -> tuple[list, int]:
    """The best RESULT_LIMIT rows of a type, and how many match in all: one query.

    The total is a subquery rather than a window count over the rows: on
    SQLite, FTS5's ranking and highlighting functions cannot run inside a
    window query.
    """
    model = apps.get_model(document.label)
    published = model.objects.published()
    # COUNT as a plain function, not an aggregate: one row, no GROUP BY (and no
    # LIMIT, under which PostgreSQL would scan the table instead of the index).
    total = Subquery(
        matching_rows(published, query)
        .order_by()
        .values(search_total=Func(F("pk"), function="COUNT")),
        output_field=IntegerField(),
    )
    rows = list(
        matching(published, query, headlines=True)
        .annotate(search_total=total)
        .order_by("-search_rank", "pk")[:RESULT_LIMIT]
    )
    return rows, (rows[0].search_total if rows else 0)


def run(query: Query) -> list[Group]:
    """One query per type; groups ordered by their best result."""
    terms = query_words(query)
    named = query.named_conditions
    groups = []
    for document in DOCUMENTS:
        rows, total = rows_for(document, query)
        if not rows:
            continue
        results = []
        for row in rows:
            title = getattr(row, document.title)
            rank = float(row.search_rank) * (1 + title_coverage(title, terms))
            if document.kind == "Condition" and row.pk in named:
                rank *= NAMED_BOOST
            results.append(
                Result(
                    kind=document.kind,
                    url=row.get_absolute_url(),
                    title_html=marked(row.search_title),
                    snippet_html=marked(snippet(row)),
                    rank=rank,
                )
            )
        results.sort(key=lambda r: -r.rank)
        groups.append(
            Group(
                kind=document.kind,
                count=total,
                results=results,
                type_param=document.kind.lower(),
            )
        )
    order = {document.kind: i for i, document in enumerate(DOCUMENTS)}
    groups.sort(key=lambda g: (-g.best, order[g.kind]))
    return groups


def search(query: Query, *, correct: bool = True) -> Outcome:
    """Search every type; if nothing has every word, correct or relax the query.

    A misspelt word ("fibromyalga") is corrected to the closest known word and
    the corrected query searched (the page says so and offers the original); if
    nothing can be corrected, items with any of the words are shown, saying so.
    With a few results, a correction is only offered.
    """
    outcome = Outcome()
    if not query.searchable:
        return outcome
    outcome.groups = run(query)
    if outcome.total >= FEW_RESULTS:
        return outcome
    corrected = suggest.corrected_text(query, suggest.corrections(query))
    if corrected and correct and not outcome.total:
        better = parse_query(corrected)
        groups = run(better) if better.searchable else []
        if groups:
            outcome.groups, outcome.searched = groups, better
            return outcome
    if corrected:
        outcome.suggestion = corrected
    if not outcome.total and len(query.clauses) > 1:
        outcome.groups = run(query.any_words())
        outcome.relaxed = bool(outcome.groups)
    return outcome


def search_url(text: str, kind: str = "") -> str:
    params = {"q": text} | ({"type": kind} if kind else {})
    return f"{reverse('search')}?{urlencode(params)}"


def search_view(request):
    """`/search/?q=&type=`: published items of every type, grouped, best first.

    A DOI, PubMed id or trial registry id goes straight to its study. Every
    query gives a page: an empty one a prompt, one of stop words or punctuation
    "nothing to search for", a long one is shortened. Only a NUL byte is
    refused (400), before anything reaches the database. `type` shows one type
    in full (an unknown one is ignored); of several `q`, the last counts.
    """
    raw = request.GET.get("q", "")
    query = parse_query(raw)
    kind = TYPE_PARAM.get(request.GET.get("type", "").lower(), "")
    missing_identifier = None
    if query.identifier:
        study_model = apps.get_model("studies", "Study")
        found = list(study_model.objects.published().filter(query.identifier.q())[:2])
        if len(found) == 1:
            return redirect(found[0])
        missing_identifier = query.identifier
        outcome = Outcome()
    else:
        # Ranked once per content change and query (`remember()`).
        correct = not request.GET.get("exact")
        outcome = remember(
            ("search", query.text, correct), lambda: search(query, correct=correct)
        )
    groups = outcome.groups
    if kind:
        shown = [g for g in groups if g.kind == kind]
    else:
        shown = [
            Group(g.kind, g.count, g.results[:GROUP_PREVIEW], g.type_param)
            for g in groups
        ]
    text = query.text
    searched = outcome.searched.text if outcome.searched else text
    return render(
        request,
        "ldnsite/search.html",
        {
            "query": query,
            "outcome": outcome,
            "groups": shown,
            "type_links": [
                {
                    "label": g.label,
                    "count": g.count,
                    "url": search_url(
                        outcome.searched.text if outcome.searched else text,
                        g.type_param,
                    ),
                    "current": g.kind == kind,
                }
                for g in groups
            ],
            "all_url": search_url(searched),
            "kind": kind,
            "kind_label": PLURALS.get(kind, ""),
            "suggestion_url": search_url(outcome.suggestion)
            if outcome.suggestion
            else "",
            "original_url": search_url(text) + "&exact=1" if outcome.searched else "",
            "missing_identifier": missing_identifier,
            "max_length": MAX_QUERY_LENGTH,
        },
        status=400 if query.error else 200,
    )


__all__ = ["search_view", "search", "Outcome", "Result", "parse", "DOCUMENTS_BY_KIND"]
