"""The reader's query: cleaned, split into words, identifiers and condition names.

A query is a list of clauses that must all match (AND); a clause is one word, or
a condition named by one of its names or synonyms, which matches any of them
(OR). The same `Query` is written as a PostgreSQL tsquery (`pg_query`) and as an
FTS5 MATCH expression (`fts_match`), so both databases answer the same question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from operator import and_, or_

from django.db.models import Q

MAX_QUERY_LENGTH = 200
# A query's clauses are bounded: each is a term of the SQL query.
MAX_CLAUSES = 12

# PostgreSQL's `english` stop-word list, plus the words of a question ("how much
# ldn for fibromyalgia") that would otherwise be required and match nothing.
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
    much many could would might may also really please tell know want need get
    """.split()
)

# Apostrophes and look-alikes: "Crohn's", "Crohn’s" and "crohns" are one word.
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼ‘`´](?=\w)")
# A word, or a number with its decimals ("4.5").
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|\w+")
_SPACES = re.compile(r"\s+")
_YEAR = re.compile(r"^(19[6-9]\d|20\d\d|2100)$")


def fold(text: str) -> str:
    """Case-folded, accents removed, apostrophes inside words dropped."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _APOSTROPHES.sub("", text.casefold())


def words(text: str) -> list[str]:
    """The words of `text` as search compares them (see `fold`)."""
    return [w.replace(",", ".") for w in _TOKEN.findall(fold(text))]


# --- Identifiers ------------------------------------------------------------------

_DOI = re.compile(
    r"^(?:https?://(?:dx\.)?doi\.org/|doi\.org/|doi:?\s*)?(10\.\d{4,9}/\S+?)[.,;]?$",
    re.IGNORECASE,
)
_PMID = re.compile(
    r"^(?:(?:pmid|pubmed)(?:\s*id)?:?\s*(\d{1,9})"
    r"|https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)"
    r"/(\d{1,9})/?|(\d{5,9}))$",
    re.IGNORECASE,
)
_REGISTRY = re.compile(
    r"^(?:(?:eudract(?:\s*(?:number|no\.?))?:?\s*)?(\d{4}-\d{6}-\d{2})"
    r"|(NCT\d{8}|ISRCTN\d{8}|ACTRN\d{14}|DRKS\d{8}|ChiCTR[-\w]{6,20}"
    r"|CTRI/\d{4}/\d{2,3}/\d{6}|EUCTR\d{4}-\d{6}-\d{2}(?:-[A-Z]{2})?))$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Identifier:
    """A DOI, PubMed id or trial registry id typed as the whole query."""

    kind: str  # "doi", "pmid" or "registry"
    value: str

    def q(self) -> Q:
        """The studies with this identifier."""
        if self.kind == "doi":
            return Q(doi=self.value)
        if self.kind == "pmid":
            return Q(pmid=int(self.value))
        return Q(registry_id__icontains=self.value)

    @property
    def label(self) -> str:
        return {"doi": "DOI", "pmid": "PubMed id", "registry": "trial registry id"}[
            self.kind
        ]


def parse_identifier(text: str) -> Identifier | None:
    text = text.strip()
    if found := _DOI.match(text):
        return Identifier("doi", found.group(1).lower())
    if found := _PMID.match(text):
        value = next(g for g in found.groups() if g)
        if 0 < int(value) <= 999_999_999:
            return Identifier("pmid", str(int(value)))
        return None
    if found := _REGISTRY.match(text):
        value = next(g for g in found.groups() if g)
        return Identifier("registry", value.upper())
    return None


# --- Condition names ------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    """A name of a condition (its name, an alias or a staff synonym), as words."""

    words: tuple[str, ...]
    condition_id: int


def name_table(rows) -> dict[tuple[str, ...], set[int]]:
    """{words of a name: condition ids} from (condition id, name text) rows."""
    table: dict[tuple[str, ...], set[int]] = {}
    for condition_id, text in rows:
        key = tuple(words(text))
        if key:
            table.setdefault(key, set()).add(condition_id)
    return table


# --- The query ------------------------------------------------------------------


# A typed word of this many letters also matches the words it begins ("cyto"
# finds "cytokine"); shorter ones (abbreviations such as "MS") match whole words.
PREFIX_LENGTH = 4


@dataclass(frozen=True)
class Clause:
    """Words that must match: any one of `alternatives` (each all of its words)."""

    alternatives: tuple[tuple[str, ...], ...]
    typed: str
    conditions: frozenset[int] = frozenset()
    # A word that describes a condition the query names ("pain" in "fibromyalgia
    # pain"): it ranks, but an item about the condition need not contain it.
    optional: bool = False

    @property
    def prefix(self) -> bool:
        """A single typed word (not a condition's name): it may begin a word."""
        word = self.alternatives[0][0]
        return (
            not self.conditions
            and len(self.alternatives) == 1
            and len(self.alternatives[0]) == 1
            and len(word) >= PREFIX_LENGTH
            and word.isalpha()
        )


@dataclass(frozen=True)
class Query:
    """The reader's query, cleaned: `text` is searched and shown back in the box."""

    text: str = ""
    clauses: tuple[Clause, ...] = ()
    identifier: Identifier | None = None
    error: str = ""
    notices: tuple[str, ...] = ()
    # Every word typed that is not a stop word (for highlighting and suggestions).
    terms: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.text

    @property
    def searchable(self) -> bool:
        return not self.error and bool(self.clauses)

    @property
    def named_conditions(self) -> frozenset[int]:
        """Conditions the query names (by name, alias or synonym)."""
        return frozenset().union(*(c.conditions for c in self.clauses))

    def any_words(self) -> Query:
        """The same query with its clauses joined by OR (a fallback)."""
        if len(self.clauses) < 2:
            return self
        merged = Clause(
            alternatives=tuple(a for c in self.clauses for a in c.alternatives),
            typed=self.text,
            conditions=self.named_conditions,
        )
        return Query(text=self.text, clauses=(merged,), terms=self.terms)

    # PostgreSQL -------------------------------------------------------------------

    def pg_query(self):
        """The tsquery: clauses joined by `&`, alternatives by `|`.

        Optional clauses only rank: `required & (optional | required)`.
        """
        from django.contrib.postgres.search import SearchQuery

        from ldnsite.search.fields import PG_CONFIG

        def one_clause(clause):
            if clause.prefix:
                # `word:*` after stemming; the word holds letters only.
                return SearchQuery(
                    f"'{clause.alternatives[0][0]}':*",
                    config=PG_CONFIG,
                    search_type="raw",
                )
            either = None
            for phrase in clause.alternatives:
                # A name's words are all required, not as a phrase: "Crohn’s
                # disease" leaves a stop word ("s") between its two words.
                one = SearchQuery(" ".join(phrase), config=PG_CONFIG)
                either = one if either is None else either | one
            return either

        def joined(clauses, both):
            combined = None
            for clause in clauses:
                one = one_clause(clause)
                combined = one if combined is None else both(combined, one)
            return combined

        required = joined([c for c in self.clauses if not c.optional], and_)
        optional = [c for c in self.clauses if c.optional]
        if not optional:
            return required
        return required & (joined(optional, or_) | required)

    # SQLite FTS5 ------------------------------------------------------------------

    def fts_match(self) -> str:
        """The FTS5 MATCH expression: every word quoted, so nothing typed is syntax.

        (`"word"*` is a prefix query, see `Clause.prefix`.)

            Words hold only letters, digits and `.` (see `words`), and each is
            written as a quoted string: `"`, `*`, `NEAR`, `-`, `:`, `^` typed by the
            reader never reach FTS5 as operators.
        """

        def one_clause(clause) -> str:
            if clause.prefix:
                return f'"{clause.alternatives[0][0]}"*'
            options = []
            for phrase in clause.alternatives:
                kept = [w for w in phrase if w not in STOP_WORDS] or phrase
                quoted = ['"' + w.replace('"', '""') + '"' for w in kept]
                options.append(
                    quoted[0] if len(quoted) == 1 else f"({' AND '.join(quoted)})"
                )
            either = " OR ".join(options)
            return options[0] if len(options) == 1 else f"({either})"

        required = " AND ".join(one_clause(c) for c in self.clauses if not c.optional)
        optional = [one_clause(c) for c in self.clauses if c.optional]
        if not optional:
            return required
        return f"{required} AND ({' OR '.join(optional)} OR ({required}))"


def clean_text(raw: str) -> tuple[str, list[str], bool]:
    """(text, notices, refused): NFKC, control characters to spaces, shortened."""
    notices = []
    refused = "\x00" in raw
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
    return text, notices, refused


NUL_ERROR = (
    "Your search contained a null character, which cannot be searched. "
    "Please type your search again."
)


def parse(
    raw: str,
    names: dict[tuple[str, ...], set[int]] | None = None,
    contexts: dict[int, set[str]] | None = None,
) -> Query:
    """Clean `raw` and split it into clauses.

    `names` ({words: condition ids}, see `name_table`) turns a condition's name,
    alias or synonym into one clause that matches any name of that condition;
    the longest name found at each position wins. Other words are clauses of
    their own, stop words left out. A whole query that is a DOI, PubMed id or
    registry id is an `identifier`.
    """
    text, notices, refused = clean_text(raw)
    if refused:
        return Query(text=text, error=NUL_ERROR)
    identifier = parse_identifier(text)
    if identifier:
        return Query(text=text, identifier=identifier, notices=tuple(notices))
    names = names or {}
    by_condition: dict[int, list[tuple[str, ...]]] = {}
    for key, ids in names.items():
        for condition_id in ids:
            by_condition.setdefault(condition_id, []).append(key)
    longest = max((len(key) for key in names), default=0)
    tokens = words(text)
    clauses: list[Clause] = []
    seen: set = set()
    position = 0
    while position < len(tokens) and len(clauses) < MAX_CLAUSES:
        for size in range(min(longest, len(tokens) - position), 0, -1):
            key = tuple(tokens[position : position + size])
            ids = names.get(key)
            if ids and any(w not in STOP_WORDS for w in key):
                alternatives = {key}
                for condition_id in ids:
                    alternatives.update(by_condition[condition_id])
                clause = Clause(
                    alternatives=_shortest(alternatives),
                    typed=" ".join(key),
                    conditions=frozenset(ids),
                )
                position += size
                break
        else:
            word = tokens[position]
            position += 1
            if word in STOP_WORDS:
                continue
            clause = Clause(alternatives=((word,),), typed=word)
        if clause.alternatives not in seen:
            seen.add(clause.alternatives)
            clauses.append(clause)
    named = set().union(*(c.conditions for c in clauses))
    context = set().union(*((contexts or {}).get(pk, set()) for pk in named))
    if context:
        clauses = [
            replace(c, optional=True)
            if not c.conditions and _describes(c.alternatives[0][0], context)
            else c
            for c in clauses
        ]
    terms = tuple(dict.fromkeys(w for w in tokens if w not in STOP_WORDS))
    return Query(text=text, clauses=tuple(clauses), notices=tuple(notices), terms=terms)


def _shortest(alternatives: set[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """The alternatives without those that hold all the words of a shorter one.

    "fibromyalgia syndrome" adds nothing to "fibromyalgia" but would have
    "syndrome" highlighted wherever it occurs.
    """
    kept: list[tuple[str, ...]] = []
    for phrase in sorted(alternatives, key=lambda a: (len(a), a)):
        content = {w for w in phrase if w not in STOP_WORDS} or set(phrase)
        if not any(
            ({w for w in k if w not in STOP_WORDS} or set(k)) <= content for k in kept
        ):
            kept.append(phrase)
    return tuple(kept)


def _describes(word: str, context: set[str]) -> bool:
    """`word` (or its plural or singular) is among a named condition's words."""
    return bool({word, word + "s", word.removesuffix("s")} & context)


def is_year(word: str) -> bool:
    return bool(_YEAR.match(word))
