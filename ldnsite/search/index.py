"""The SQLite full-text index (FTS5), kept in step with the content.

One FTS5 table holds a row per searchable item (drafts included: searches join
it to the item's published rows), with the item's text by weight as
`fields.DOCUMENTS` defines it. Every save and delete of an item rewrites its row
(signals, connected in `LdnsiteConfig.ready`); writes that bypass `save()`
(bulk imports) call `index_objects()` themselves; `rebuild()` (the command
`rebuild_search_index`, and the migration that creates the table) rewrites all.
On PostgreSQL nothing here runs: its GIN indexes are over the columns themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections

from ldnsite.search.fields import (
    DOCUMENTS,
    DOCUMENTS_BY_LABEL,
    FTS_COLUMNS,
    FTS_TABLE,
    FTS_TOKENIZE,
    KIND_POSITION,
    KINDS,
    Document,
)
from ldnsite.search.text import plain_text

CREATE_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "kind UNINDEXED, object_id UNINDEXED, title, a, b, c, "
    f"tokenize = '{FTS_TOKENIZE}')"
)
DROP_SQL = f"DROP TABLE IF EXISTS {FTS_TABLE}"
_INSERT = (
    f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) "
    f"VALUES (%s, {', '.join(['%s'] * len(FTS_COLUMNS))})"
)
_DELETE = f"DELETE FROM {FTS_TABLE} WHERE rowid = %s"
BATCH = 500


def uses_fts(using: str = "default") -> bool:
    return connections[using].vendor == "sqlite"


def document_for(model) -> Document | None:
    return DOCUMENTS_BY_LABEL.get(model._meta.label_lower)


def rowid(document: Document, pk: int) -> int:
    return pk * KINDS + KIND_POSITION[document.kind]


def _text(obj, names: Iterable[str]) -> str:
    return "\n".join(plain_text(getattr(obj, name)) for name in names)


def row(document: Document, obj) -> tuple:
    """The FTS5 row of `obj`: rowid, kind, id, title, then its text by weight."""
    weighted = document.weighted
    title_rest = [n for n in weighted.get("A", ()) if n != document.title]
    return (
        rowid(document, obj.pk),
        document.kind,
        obj.pk,
        plain_text(getattr(obj, document.title)),
        _text(obj, title_rest),
        _text(obj, weighted.get("B", ())),
        _text(obj, weighted.get("C", ())),
    )


def index_objects(model, objects: Iterable, *, using: str = "default") -> None:
    """Write (or rewrite) the rows of `objects`, instances of `model`."""
    document = document_for(model)
    if document is None or not uses_fts(using):
        return
    rows = [row(document, obj) for obj in objects]
    if rows:
        with connections[using].cursor() as cursor:
            cursor.executemany(_INSERT, rows)


def remove_objects(model, pks: Iterable[int], *, using: str = "default") -> None:
    document = document_for(model)
    if document is None or not uses_fts(using):
        return
    with connections[using].cursor() as cursor:
        cursor.executemany(_DELETE, [(rowid(document, pk),) for pk in pks])


def rebuild(apps=None, *, using: str = "default") -> int:
    """Recreate the table and index every item; returns the number of rows.

    `apps` is the app registry (a migration passes its historical one).
    """
    if not uses_fts(using):
        return 0
    if apps is None:
        from django.apps import apps
    with connections[using].cursor() as cursor:
        cursor.execute(DROP_SQL)
        cursor.execute(CREATE_SQL)
    total = 0
    for document in DOCUMENTS:
        model = apps.get_model(document.label)
        fields = {"pk", document.title, *document.fields}
        rows = (
            model._base_manager.using(using)
            .only(*fields - {"pk"})
            .iterator(chunk_size=BATCH)
        )
        batch = []
        for obj in rows:
            batch.append(row(document, obj))
            if len(batch) >= BATCH:
                total += _insert(batch, using)
                batch = []
        total += _insert(batch, using)
    return total


def _insert(rows: list[tuple], using: str) -> int:
    if rows:
        with connections[using].cursor() as cursor:
            cursor.executemany(_INSERT, rows)
    return len(rows)


# --- Signals --------------------------------------------------------------------


def item_saved(sender, instance, raw=False, using="default", **kwargs) -> None:
    index_objects(sender, [instance], using=using)


def item_deleted(sender, instance, using="default", **kwargs) -> None:
    remove_objects(sender, [instance.pk], using=using)


def connect_signals() -> None:
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save

    for document in DOCUMENTS:
        model = apps.get_model(document.label)
        post_save.connect(item_saved, sender=model, dispatch_uid=f"search-{model}")
        post_delete.connect(item_deleted, sender=model, dispatch_uid=f"search-{model}")
