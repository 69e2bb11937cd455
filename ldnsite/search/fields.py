"""What site search indexes: each type's fields by weight, defined once.

Plain data (model labels, field names), so that migrations can import it: the
PostgreSQL GIN indexes (`ldnsite/migrations/0004_search_engine`) are built from
`DOCUMENTS` by `postgresql_vector()`, and the SQLite FTS5 rows by
`ldnsite.search.index`. Changing a field or weight here needs a migration that
recreates the indexes (and, on SQLite, `manage.py rebuild_search_index`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import add

# PostgreSQL: the `english` configuration (stemming, stop words) with accents
# removed first (`unaccent`), created by the migration.
PG_CONFIG = "ldn_english"

# SQLite: the FTS5 table and its tokenizer (Porter stemming over unicode61,
# accents removed). Columns: kind, object id, then title and the weights A, B, C.
FTS_TABLE = "search_index"
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"
FTS_COLUMNS = ("kind", "object_id", "title", "a", "b", "c")
# bm25() weights per column, in the proportions of PostgreSQL's ts_rank defaults
# (A 1.0, B 0.4, C 0.2).
FTS_WEIGHTS = (0.0, 0.0, 10.0, 10.0, 4.0, 2.0)


@dataclass(frozen=True)
class Document:
    """One searchable type: its model, title field and fields by weight."""

    kind: str
    label: str  # "app_label.ModelName"
    title: str
    weighted: dict[str, tuple[str, ...]]
    snippet_fields: tuple[str, ...]
    # Fields whose words make the "did you mean" vocabulary.
    vocabulary: tuple[str, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for names in self.weighted.values() for name in names)


DOCUMENTS = (
    Document(
        kind="Condition",
        label="conditions.Condition",
        title="name",
        weighted={
            "A": ("name", "aliases"),
            "B": ("summary",),
            "C": ("body", "titration_notes"),
        },
        snippet_fields=("summary", "body", "aliases"),
        vocabulary=("name", "aliases"),
    ),
    Document(
        kind="Glossary",
        label="conditions.GlossaryTerm",
        title="term",
        weighted={"A": ("term",), "C": ("definition",)},
        snippet_fields=("definition",),
        vocabulary=("term",),
    ),
    Document(
        kind="FAQ",
        label="conditions.FAQEntry",
        title="question",
        weighted={"A": ("question",), "C": ("answer",)},
        snippet_fields=("answer",),
        vocabulary=("question",),
    ),
    Document(
        kind="Mechanism",
        label="conditions.Mechanism",
        title="name",
        weighted={"A": ("name",), "B": ("summary",), "C": ("body",)},
        snippet_fields=("summary", "body"),
        vocabulary=("name",),
    ),
    Document(
        kind="Study",
        label="studies.Study",
        title="title",
        weighted={
            "A": ("title",),
            "B": ("authors_text", "journal", "key_finding", "year"),
            "C": ("summary", "abstract"),
        },
        snippet_fields=("key_finding", "summary", "abstract"),
        vocabulary=("title", "authors_text"),
    ),
)

DOCUMENTS_BY_KIND = {document.kind: document for document in DOCUMENTS}
DOCUMENTS_BY_LABEL = {document.label.lower(): document for document in DOCUMENTS}
# A row's FTS5 rowid is `pk * KINDS + position`: one row per item, found by rowid.
KINDS = 8
KIND_POSITION = {document.kind: position for position, document in enumerate(DOCUMENTS)}


def postgresql_vector(document: Document):
    """The weighted tsvector of `document`, as its GIN index is built."""
    from django.contrib.postgres.search import SearchVector

    vectors = [
        SearchVector(*names, config=PG_CONFIG, weight=weight)
        for weight, names in document.weighted.items()
    ]
    return reduce(add, vectors)


# PostgreSQL: each table also stores its vector (a generated column, outside the
# model state) for ranking: `ts_rank` would otherwise rebuild every matching
# row's vector from its columns (about 70 µs a row, most of a search's time).
PG_STORED_COLUMN = "search_vector"


def postgresql_vector_sql(document: Document, columns: dict[str, str]) -> str:
    """`postgresql_vector(document)` as SQL over the row's own columns (for the
    generated column); `columns` maps field names to column names."""
    parts = []
    for weight, names in document.weighted.items():
        text = " || ' ' || ".join(
            f"coalesce({columns[name]}::text, '')" for name in names
        )
        parts.append(
            f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, {text}), '{weight}')"
        )
    return " || ".join(parts)


def gin_index_name(document: Document) -> str:
    return f"{document.label.split('.')[1].lower()}_search_gin"
