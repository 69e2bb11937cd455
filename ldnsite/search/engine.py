"""The search engine behind `/search/`, every list page's `q` and the API's `q`.

PostgreSQL: full-text search over the weighted vectors of `fields.DOCUMENTS`
(`ldn_english`: English stemming without accents), backed by GIN indexes, ranked
by `ts_rank`, highlighted by `ts_headline`. SQLite: the FTS5 table of
`ldnsite.search.index` (Porter stemming, accents removed), ranked by `bm25`,
highlighted by `highlight()`/`snippet()`. Both read the same `Query`
(`query.parse`): all words required, a condition's names interchangeable.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from ldnsite.cache import remember
from ldnsite.search.fields import (
    DOCUMENTS_BY_LABEL,
    FTS_TABLE,
    FTS_WEIGHTS,
    PG_CONFIG,
    PG_STORED_COLUMN,
    Document,
    postgresql_vector,
)
from ldnsite.search.query import Query, name_table, parse, words
from ldnsite.search.text import MARK_START, MARK_STOP

PARENTHESIS = re.compile(r"\s*\([^)]*\)")


def condition_names() -> tuple[dict[tuple[str, ...], set[int]], dict[int, set[str]]]:
    """Every published condition's names (name, aliases, synonyms), and the
    words of its name and summary (what describes it), in one query."""
    from conditions.models import Condition, SearchSynonym

    published = Condition.objects.published()
    rows = (
        published.order_by()
        .values_list("pk", "name", "aliases", "summary")
        .union(
            SearchSynonym.objects.filter(condition__in=published.values("pk"))
            .order_by()
            .annotate(none=Value(""), nothing=Value(""))
            .values_list("condition_id", "term", "none", "nothing"),
            all=True,
        )
    )
    pairs = []
    contexts: dict[int, set[str]] = {}
    for pk, name, aliases, summary in rows:
        pairs.append((pk, name))
        # "Chronic pain (general)" is also named by "chronic pain".
        bare = PARENTHESIS.sub(" ", name).strip()
        if bare and bare != name:
            pairs.append((pk, bare))
        pairs.extend((pk, alias) for alias in aliases.split(",") if alias.strip())
        if summary:
            contexts.setdefault(pk, set()).update(words(f"{name} {summary}"))
    return name_table(pairs), contexts


def parse_query(raw: str) -> Query:
    """`query.parse` with the condition names (read once per content change);
    no query for a query of no words."""
    first = parse(raw)
    if first.error or first.identifier or not first.terms:
        return first
    return parse(raw, *remember(("search-condition-names",), condition_names))


def document_of(model) -> Document:
    return DOCUMENTS_BY_LABEL[model._meta.label_lower]


def matching(queryset: QuerySet, query: Query, *, headlines: bool = False) -> QuerySet:
    """The rows of `queryset` that match `query`, annotated with `search_rank`.

    With `headlines`, also `search_title` (the title with every match marked)
    and `search_snippet` (the best passage of the other text), raw: pass them
    through `text.marked()`. Unordered: callers order by `-search_rank`.
    """
    document = document_of(queryset.model)
    if connection.vendor == "postgresql":
        return _postgresql(queryset, document, query, headlines)
    return _sqlite(queryset, document, query, headlines)


def stored_vector(model) -> RawSQL:
    """The row's stored vector (PostgreSQL; see `fields.PG_STORED_COLUMN`).

    Names the model's table: use it in the outer query only, not a subquery.
    """
    return RawSQL(
        f'"{model._meta.db_table}"."{PG_STORED_COLUMN}"',
        [],
        output_field=SearchVectorField(),
    )


def _postgresql(queryset, document, query, headlines):
    tsquery = query.pg_query()
    vector = postgresql_vector(document)
    queryset = (
        queryset.alias(search_document=vector)
        .filter(search_document=tsquery)
        .annotate(search_rank=SearchRank(stored_vector(queryset.model), tsquery))
    )
    if not headlines:
        return queryset
    marks = {"start_sel": MARK_START, "stop_sel": MARK_STOP}
    parts = []
    for name in document.snippet_fields:
        parts += [F(name), Value("\n\n")]
    snippet = (
        Concat(*parts[:-1], output_field=TextField())
        if len(document.snippet_fields) > 1
        else F(document.snippet_fields[0])
    )
    return queryset.annotate(
        search_title=SearchHeadline(
            document.title, tsquery, config=PG_CONFIG, highlight_all=True, **marks
        ),
        search_snippet=SearchHeadline(
            snippet,
            tsquery,
            config=PG_CONFIG,
            max_words=35,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
            **marks,
        ),
    )


def _sqlite(queryset, document, query, headlines):
    model = queryset.model
    table, pk = model._meta.db_table, model._meta.pk.column
    weights = ", ".join(str(w) for w in FTS_WEIGHTS)
    select = {"search_rank": f"-bm25({FTS_TABLE}, {weights})"}
    select_params: list[str] = []
    if headlines:
        select["search_title"] = f"highlight({FTS_TABLE}, 2, %s, %s)"
        # The passage from the B or C text with the most matches (see `snippet`).
        select["search_snippet_b"] = f"snippet({FTS_TABLE}, 4, %s, %s, ' … ', 28)"
        select["search_snippet_c"] = f"snippet({FTS_TABLE}, 5, %s, %s, ' … ', 28)"
        select_params = [MARK_START, MARK_STOP] * 3
    # A join: FTS5 answers the MATCH, each hit finds its row by primary key.
    return queryset.extra(  # noqa: S610 - every value is a parameter
        select=select,
        select_params=select_params,
        tables=[FTS_TABLE],
        where=[
            f"{FTS_TABLE} MATCH %s",
            f"{FTS_TABLE}.kind = %s",
            f'{FTS_TABLE}.object_id = "{table}"."{pk}"',
        ],
        params=[query.fts_match(), document.kind],
    )


def matching_rows(queryset: QuerySet, query: Query) -> QuerySet:
    """The rows of `queryset` that match `query`, unranked: usable as a subquery.

    (`matching()` on SQLite names the model's table in raw SQL, which a
    subquery's table aliases would break.)
    """
    if connection.vendor == "postgresql":
        vector = postgresql_vector(document_of(queryset.model))
        return queryset.alias(search_document=vector).filter(
            search_document=query.pg_query()
        )
    ids = RawSQL(
        f"SELECT object_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
        f"AND {FTS_TABLE}.kind = %s",
        [query.fts_match(), document_of(queryset.model).kind],
    )
    return queryset.filter(pk__in=ids)


def snippet(row) -> str:
    """The raw snippet of a row from `matching(..., headlines=True)`."""
    if hasattr(row, "search_snippet"):
        return row.search_snippet or ""
    b, c = row.search_snippet_b or "", row.search_snippet_c or ""
    if MARK_START in c or not b:
        return c
    return b if MARK_START in b or not c else c


def filter_queryset(
    queryset: QuerySet,
    raw: str | Query,
    *,
    headlines: bool = False,
    ranked: bool = True,
) -> QuerySet:
    """A list's `q`: the rows matching `raw` (text, or a parsed query), best first.

    A DOI, PubMed id or registry id finds its study (and nothing on other
    lists); a query of only punctuation or stop words matches nothing. Not
    `ranked`: the matching rows only, for use in a subquery (see
    `matching_rows`).
    """
    query = parse_query(raw) if isinstance(raw, str) else raw
    if query.identifier:
        if queryset.model is not apps.get_model("studies", "Study"):
            return queryset.none()
        return queryset.filter(query.identifier.q())
    if not query.searchable:
        return queryset.none()
    if not ranked:
        return matching_rows(queryset, query)
    return matching(queryset, query, headlines=headlines).order_by("-search_rank", "pk")
