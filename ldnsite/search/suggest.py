"""“Did you mean …?”: the closest known words to the ones a query misspelt.

The vocabulary is every word of the published titles and names (conditions
with their aliases and synonyms, glossary terms, FAQ questions, mechanisms,
study titles) and the authors' surnames. PostgreSQL compares with `pg_trgm`
(trigram similarity, in one query); SQLite reads the vocabulary in one query
and compares with rapidfuzz.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection
from django.db.models import QuerySet, TextField, Value
from django.db.models.functions import Concat
from rapidfuzz import fuzz, process

from ldnsite.search.fields import DOCUMENTS
from ldnsite.search.query import STOP_WORDS, Query, is_year, words

# Shorter words are left alone: too many near neighbours.
MIN_LENGTH = 4
PG_MIN_SIMILARITY = 0.35
FUZZY_MIN_SCORE = 75


def vocabulary_texts() -> QuerySet:
    """One text per published item (its vocabulary fields), plus synonyms."""
    parts = []
    for document in DOCUMENTS:
        model = apps.get_model(document.label)
        pieces = []
        for name in document.vocabulary:
            pieces += [name, Value(" ")]
        parts.append(
            model.objects.published()
            .annotate(words=Concat(*pieces, output_field=TextField()))
            .values_list("words")
            .order_by()
        )
    synonym = apps.get_model("conditions", "SearchSynonym")
    parts.append(
        synonym.objects.annotate(
            words=Concat("term", Value(" "), output_field=TextField())
        )
        .values_list("words")
        .order_by()
    )
    return parts[0].union(*parts[1:], all=True).order_by()


def unknown_words(query: Query) -> list[str]:
    """The words worth correcting: long enough, not numbers, not stop words."""
    return [
        w
        for w in query.terms
        if len(w) >= MIN_LENGTH
        and not w.replace(".", "").isdigit()
        and not is_year(w)
        and w not in STOP_WORDS
    ]


def corrections(query: Query) -> dict[str, str]:
    """{misspelt word: closest known word}, for words not in the vocabulary."""
    candidates = unknown_words(query)
    if not candidates:
        return {}
    if connection.vendor == "postgresql":
        return _postgresql(candidates)
    return _fuzzy(candidates)


def _fuzzy(candidates: list[str]) -> dict[str, str]:
    known: set[str] = set()
    for (text,) in vocabulary_texts():
        known.update(w for w in words(text or "") if len(w) >= 3)
    found = {}
    choices = sorted(known)
    for word in candidates:
        if word in known:
            continue
        best = process.extractOne(
            word, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE
        )
        if best:
            found[word] = best[0]
    return found


def _postgresql(candidates: list[str]) -> dict[str, str]:
    texts = vocabulary_texts()
    sql, params = texts.query.get_compiler(connection=connection).as_sql()
    # Words as `query.words` makes them: accents and in-word apostrophes removed.
    statement = f"""
        WITH vocabulary AS (
            SELECT DISTINCT word FROM ({sql}) AS texts(words),
            regexp_split_to_table(
                lower(unaccent(regexp_replace(
                    texts.words, '(\\w)[''’](\\w)', '\\1\\2', 'g'
                ))),
                '[^[:alnum:]]+'
            ) AS word
            WHERE length(word) >= 3
        )
        SELECT DISTINCT ON (typed) typed, word
        FROM unnest(%s::text[]) AS typed
        LEFT JOIN vocabulary ON similarity(word, typed) >= %s
        ORDER BY typed, similarity(word, typed) DESC, word
    """
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, candidates, PG_MIN_SIMILARITY])
        rows = cursor.fetchall()
    return {typed: word for typed, word in rows if word and word != typed}


def corrected_text(query: Query, found: dict[str, str]) -> str:
    """The query's words with the misspelt ones replaced ("" if none was)."""
    if not found:
        return ""
    return " ".join(found.get(w, w) for w in words(query.text))
