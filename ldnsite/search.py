"""Site search over the published conditions, mechanisms, studies, FAQ and glossary.

On PostgreSQL: full-text search (weighted search vectors, `websearch_to_tsquery`,
`ts_rank`, `ts_headline`), backed by GIN expression indexes created by the
migrations `conditions/0002_search_indexes` and `studies/0003_search_index`. The
vectors below and the indexed expressions there must stay identical, or the
planner cannot use the indexes (`tests/test_search.py` checks that it can).

On SQLite: every word must occur (`icontains`) in one of the fields; the score
counts a match in the title far above one in the body.

Either way the page runs one query per type whatever the number of rows, and every
snippet is built from staff text: it is sanitised so that only `<mark>` reaches
the page.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import reduce
from operator import add, and_, or_

import nh3
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.functions import Concat
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe

from conditions.models import Condition, FAQEntry, GlossaryTerm, Mechanism
from studies.models import Study

MAX_QUERY_LENGTH = 200
# The best results across all types; each type's query fetches as many, so the
# merged list is exactly the best RESULT_LIMIT.
RESULT_LIMIT = 50
# The SQLite fallback builds a condition per word and field: keep it bounded.
MAX_TERMS = 12
SEARCH_CONFIG = "english"

# Weights as PostgreSQL's ts_rank reads them by default; the SQLite score uses
# the same scale (with a title match above any sum of the others).
SQLITE_WEIGHTS = {"A": 16.0, "B": 4.0, "C": 1.0}

# PostgreSQL's `english` stop-word list: words that alone give nothing to search.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been
    before being below between both but by can did do does doing don down during
    each few for from further had has have having he her here hers herself him
    himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own s
    same she should so some such t than that the their theirs them themselves
    then there these they this those through to too under until up very was we
    were what when where which while who whom why will with you your yours
    yourself yourselves
    """.split()
)

_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Source:
    """One searchable type: its fields by weight, and what the page shows of it."""

    kind: str
    model: type
    title: str
    weighted: dict[str, tuple[str, ...]]
    snippet_fields: tuple[str, ...]
    url_fields: tuple[str, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for names in self.weighted.values() for name in names)

    def queryset(self) -> QuerySet:
        return self.model.objects.published()


SOURCES = (
    Source(
        kind="Condition",
        model=Condition,
        title="name",
        weighted={"A": ("name",), "B": ("aliases", "summary"), "C": ("body",)},
        snippet_fields=("summary", "body", "aliases"),
        url_fields=("slug",),
    ),
    Source(
        kind="Mechanism",
        model=Mechanism,
        title="name",
        weighted={"A": ("name",), "B": ("summary",), "C": ("body",)},
        snippet_fields=("summary", "body"),
        url_fields=("slug",),
    ),
    Source(
        kind="Study",
        model=Study,
        title="title",
        weighted={
            "A": ("title",),
            "B": ("authors_text", "journal", "key_finding"),
            "C": ("summary",),
        },
        snippet_fields=("key_finding", "summary", "authors_text", "journal"),
        url_fields=("slug",),
    ),
    Source(
        kind="FAQ",
        model=FAQEntry,
        title="question",
        weighted={"A": ("question",), "C": ("answer",)},
        snippet_fields=("answer",),
        url_fields=("slug",),
    ),
    Source(
        kind="Glossary",
        model=GlossaryTerm,
        title="term",
        weighted={"A": ("term",), "C": ("definition",)},
        snippet_fields=("definition",),
        url_fields=("slug",),
    ),
)

SOURCES_BY_KIND = {source.kind: source for source in SOURCES}


# --- The query as typed -----------------------------------------------------------


@dataclass(frozen=True)
class ParsedQuery:
    """The reader's query, cleaned: `text` is searched and shown back in the box."""

    text: str = ""
    terms: tuple[str, ...] = ()
    error: str = ""
    notices: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.text

    @property
    def searchable(self) -> bool:
        return not self.error and bool(self.terms)


def parse_query(raw: str) -> ParsedQuery:
    """Clean `raw`: NUL bytes refuse it; over MAX_QUERY_LENGTH it is shortened.

    Unicode is normalised (NFKC, so a ligature finds the plain letters), control
    characters become spaces. `terms` are the words without stop words.
    """
    notices = []
    refused = "\x00" in raw
    # Bound the work on a huge parameter before normalising it.
    text = unicodedata.normalize("NFKC", raw[: MAX_QUERY_LENGTH * 4])
    text = "".join(
        " " if unicodedata.category(char) in {"Cc", "Cs"} else char for char in text
    )
    text = _SPACES.sub(" ", text).strip()
    if len(text) > MAX_QUERY_LENGTH or len(raw) > MAX_QUERY_LENGTH * 4:
        text = text[:MAX_QUERY_LENGTH].rstrip()
        notices.append(
            f"Your search was longer than {MAX_QUERY_LENGTH} characters: "
            "only its beginning was used."
        )
    if refused:
        return ParsedQuery(
            text=text,
            error=(
                "Your search contained a null character, which cannot be searched. "
                "Please type your search again."
            ),
        )
    words = []
    for word in _WORD.findall(text.casefold()):
        if word not in STOP_WORDS and word not in words:
            words.append(word)
    return ParsedQuery(text=text, terms=tuple(words), notices=tuple(notices))


# --- Results ----------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    kind: str
    url: str
    title_html: SafeString
    snippet_html: SafeString
    rank: float


@dataclass
class Outcome:
    """The merged results, best first, and how many matched in all."""

    results: list[Result] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def is_capped(self) -> bool:
        return self.total > len(self.results)

    @property
    def count_by_kind(self) -> list[tuple[str, int]]:
        return [(s.kind, self.counts[s.kind]) for s in SOURCES if self.counts[s.kind]]


def search(query: ParsedQuery) -> Outcome:
    """Search every type: one query per type, results merged by rank."""
    outcome = Outcome()
    if not query.searchable:
        return outcome
    on_postgresql = connection.vendor == "postgresql"
    order = {source.kind: index for index, source in enumerate(SOURCES)}
    for source in SOURCES:
        if on_postgresql:
            rows = postgresql_rows(source, query.text)
        else:
            rows = sqlite_rows(source, query.terms[:MAX_TERMS])
        for row in rows:
            outcome.counts[source.kind] = row.total_matches
            outcome.results.append(result_from_row(source, row, query.terms))
    outcome.results.sort(
        key=lambda r: (-r.rank, order[r.kind], r.title_html.casefold())
    )
    del outcome.results[RESULT_LIMIT:]
    return outcome


def result_from_row(source: Source, row, terms: tuple[str, ...]) -> Result:
    if hasattr(row, "title_headline"):
        title_html = clean_headline(row.title_headline)
        snippet_html = clean_headline(row.snippet_headline)
    else:
        title_html = highlight(getattr(row, source.title), terms, whole=True)
        snippet_html = highlight(snippet_source(source, row), terms)
    title = getattr(row, source.title)
    return Result(
        kind=source.kind,
        url=row.get_absolute_url(),
        title_html=title_html,
        snippet_html=snippet_html,
        rank=float(row.rank) * (1 + title_coverage(title, terms)),
    )


def title_coverage(title: str, terms: tuple[str, ...]) -> float:
    """The share of the title's words the query names, from 0 to 1.

    It lifts the item a query is about above items that mention it among other
    things: for "fibromyalgia pain", the condition "Fibromyalgia" (every title
    word named) above "Centralized pain syndromes" (one word in three), however
    often the latter's text repeats both words. A word counts when it and a
    term share a stem, roughly: one starts with the other ("syndromes" and
    "syndrome").
    """
    words = [w for w in _WORD.findall(title.casefold()) if w not in STOP_WORDS]
    if not words or not terms:
        return 0.0
    named = sum(
        1 for w in words if any(w.startswith(t) or t.startswith(w) for t in terms)
    )
    return named / len(words)


def search_view(request):
    """`/search/?q=`: published items of every type, best match first.

    Every query gives a page: an empty one a prompt, one of stop words or
    punctuation "nothing to search for", a long one is shortened. Only a NUL
    byte is refused (400), before anything reaches the database. Unknown
    parameters are ignored; of several `q`, the last counts (as in Django forms).
    """
    query = parse_query(request.GET.get("q", ""))
    return render(
        request,
        "ldnsite/search.html",
        {
            "query": query,
            "outcome": search(query),
            "max_length": MAX_QUERY_LENGTH,
        },
        status=400 if query.error else 200,
    )


# --- PostgreSQL -------------------------------------------------------------------


def search_vector(source: Source):
    """The weighted document of `source`, as indexed by the migrations."""
    vectors = [
        SearchVector(*names, config=SEARCH_CONFIG, weight=weight)
        for weight, names in source.weighted.items()
    ]
    return reduce(add, vectors)


# Around each match in a headline; `clean_headline` makes them `<mark>`.
HEADLINE_START, HEADLINE_STOP = "\ue000", "\ue001"
_MARKED = re.compile(
    f"{HEADLINE_START}([^{HEADLINE_START}{HEADLINE_STOP}]*){HEADLINE_STOP}"
)


def postgresql_queryset(source: Source, text: str) -> QuerySet:
    """Published items of `source` matching `text`, ranked, with headlines."""
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    vector = search_vector(source)
    marks = {"start_sel": HEADLINE_START, "stop_sel": HEADLINE_STOP}
    snippet_parts = []
    for name in source.snippet_fields:
        snippet_parts += [F(name), Value("\n\n")]
    snippet_text = (
        Concat(*snippet_parts[:-1], output_field=TextField())
        if len(source.snippet_fields) > 1
        else F(source.snippet_fields[0])
    )
    return (
        source.queryset()
        .alias(document=vector)
        .filter(document=query)
        .only(source.title, *source.url_fields)
        .annotate(
            rank=SearchRank(vector, query),
            total_matches=Window(Count("pk")),
            title_headline=SearchHeadline(
                source.title,
                query,
                config=SEARCH_CONFIG,
                highlight_all=True,
                **marks,
            ),
            snippet_headline=SearchHeadline(
                snippet_text,
                query,
                config=SEARCH_CONFIG,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
                **marks,
            ),
        )
        .order_by("-rank", "pk")
    )


def postgresql_rows(source: Source, text: str) -> list:
    return list(postgresql_queryset(source, text)[:RESULT_LIMIT])


# Markdown punctuation that reads as noise in a one-line snippet.
# A headline may cut a link before its closing parenthesis.
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*\)?")
_MD_EMPHASIS = re.compile(r"\*\*|__|`+")
_MD_STAR = re.compile(r"\*(?=\S)([^*\n]+?)(?<=\S)\*")
_MD_LINE_START = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+\.\s+)", re.MULTILINE)


def tidy_markdown(text: str) -> str:
    """Drop Markdown syntax (links keep their text) and fold the lines into one."""
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_LINE_START.sub("", text)
    text = _MD_EMPHASIS.sub("", text)
    text = _MD_STAR.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def clean_headline(headline: str | None) -> SafeString:
    """A `ts_headline` of staff text, made safe: escaped text and our `<mark>`s.

    The headline marks matches with two private-use characters (HEADLINE_START,
    HEADLINE_STOP), not with `<mark>`: nh3 then removes all markup staff typed
    (with the content of script and style) and escapes the text, and only then
    are balanced pairs of those characters turned into `<mark>`. So a `<mark>`
    typed by staff, an unclosed `<svg>` or a cut-off tag cannot add or hide one.
    """
    text = nh3.clean(tidy_markdown(headline or ""), tags=set(), strip_comments=True)
    text = _MARKED.sub(r"<mark>\1</mark>", text)
    text = text.replace(HEADLINE_START, "").replace(HEADLINE_STOP, "")
    return mark_safe(_SPACES.sub(" ", text).strip())  # noqa: S308 - escaped by nh3


# --- SQLite -----------------------------------------------------------------------


def sqlite_queryset(source: Source, terms: tuple[str, ...]) -> QuerySet:
    """Published items of `source` with every term in one of the fields, scored."""
    matches_all = reduce(
        and_,
        (
            reduce(or_, (Q(**{f"{name}__icontains": term}) for name in source.fields))
            for term in terms
        ),
    )
    score = reduce(
        add,
        (
            Case(
                When(Q(**{f"{name}__icontains": term}), then=Value(SQLITE_WEIGHTS[w])),
                default=Value(0.0),
                output_field=FloatField(),
            )
            for term in terms
            for w, names in source.weighted.items()
            for name in names
        ),
    )
    return (
        source.queryset()
        .filter(matches_all)
        .only(source.title, *source.url_fields, *source.snippet_fields)
        .annotate(rank=score, total_matches=Window(Count("pk")))
        .order_by("-rank", "pk")
    )


def sqlite_rows(source: Source, terms: tuple[str, ...]) -> list:
    return list(sqlite_queryset(source, terms)[:RESULT_LIMIT])


def plain_text(text: str) -> str:
    """Staff Markdown as plain text: tags (and script content) removed."""
    return html.unescape(nh3.clean(tidy_markdown(text), tags=set()))


def snippet_source(source: Source, row) -> str:
    return "\n\n".join(getattr(row, name) for name in source.snippet_fields)


SNIPPET_CHARS = 240


def highlight(text: str, terms: tuple[str, ...], *, whole: bool = False) -> SafeString:
    """Escape `text`, then wrap each word containing a term in `<mark>`.

    Unless `whole`, keep about SNIPPET_CHARS characters around the first match.
    """
    text = plain_text(text)
    pattern = re.compile(
        r"\w*(?:" + "|".join(re.escape(t) for t in terms) + r")\w*", re.IGNORECASE
    )
    if not whole and len(text) > SNIPPET_CHARS:
        found = pattern.search(text)
        start = max(0, (found.start() if found else 0) - SNIPPET_CHARS // 3)
        if start:
            start = text.find(" ", start) + 1 or start
        end = start + SNIPPET_CHARS
        cut = text.rfind(" ", start, end) if end < len(text) else -1
        end = cut if cut > start else end
        text = (
            ("… " if start else "")
            + text[start:end]
            + (" …" if end < len(text) else "")
        )
    parts = []
    position = 0
    for found in pattern.finditer(text):
        if not found.group():
            continue
        parts.append(html.escape(text[position : found.start()]))
        parts.append(f"<mark>{html.escape(found.group())}</mark>")
        position = found.end()
    parts.append(html.escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above
