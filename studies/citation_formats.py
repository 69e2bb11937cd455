"""Reading citation files: RIS, BibTeX, PubMed/MEDLINE (.nbib), CSL-JSON and our CSV.

Each reader turns a file's text into `ParsedRecord`s holding the neutral citation
keys `studies.exports.citation()` writes (title, authors as person dicts,
authors_et_al, journal, year, volume, issue, pages, doi, pmid, registry_id, url,
abstract, keywords, design, sample_size), plus what the curator needs to judge
the record: its place in the file, field errors in plain words, the fields the
format carried that a study does not keep ("ignored") and notes (e.g. "design not
stated").

Well-kept parsers do the reading (rispy, bibtexparser 2 with pylatexenc, Biopython's
`Bio.Medline`, json, csv); this module maps their output and checks every value
with the Study model's own field rules. A file that cannot be read at all raises
`CitationFileError`; a bad record is returned with its errors, the others still
read. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import unescape
from typing import Any

import bibtexparser
import rispy
from bibtexparser import middlewares
from Bio import Medline
from django.core.exceptions import ValidationError
from pylatexenc.latex2text import LatexNodes2Text

from studies.authors import Author, normalise_author, parse_authors, parse_name
from studies.evidence import Design
from studies.exports import is_study_page, registry_in_note, restore_cell
from studies.models import CITATION_FIELDS, Study, normalise_doi

# A file larger than this is refused before parsing (PubMed's own .nbib export of
# 1,000 records with abstracts is about 2.5 MB).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_RECORDS = 2000

FORMATS = {
    "ris": "RIS",
    "bibtex": "BibTeX",
    "nbib": "PubMed / MEDLINE (.nbib)",
    "csljson": "CSL-JSON",
    "csv": "CSV (this site's export)",
}
EXTENSIONS = {
    ".ris": "ris",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".nbib": "nbib",
    ".medline": "nbib",
    ".json": "csljson",
    ".csv": "csv",
}

# The neutral record keys an import fills, in the order the report shows them.
RECORD_KEYS = CITATION_FIELDS
DESIGN_NOT_STATED = "design not stated: left as “other / not stated”"


class CitationFileError(Exception):
    """The file as a whole cannot be read; the message says why, in plain words."""


@dataclass
class ParsedRecord:
    """One record of a file: its values, and what the curator should know."""

    position: int  # 1-based, across the whole import
    label: str  # where it is in the file, e.g. "record 3 (Younger 2014)"
    values: dict[str, Any] = field(default_factory=lambda: empty_values())
    errors: dict[str, list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


# --- Reading bytes -------------------------------------------------------------


def decode_upload(data: bytes, *, name: str = "the file") -> str:
    """Bytes of an upload → text, or a `CitationFileError` saying what is wrong."""
    if len(data) > MAX_FILE_BYTES:
        raise CitationFileError(
            f"{name} is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files."
        )
    if b"\x00" in data:
        raise CitationFileError(
            f"{name} contains NUL bytes: it looks like a binary file (or UTF-16), "
            "not a citation file saved as UTF-8 text."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CitationFileError(
            f"{name} is not UTF-8 text (byte {exc.start + 1}, line {line}). Save it "
            "as UTF-8 and try again."
        ) from None
    return text


def check_text(text: str, *, name: str = "the text") -> str:
    """Pasted or posted text: the same limits as an upload."""
    if "\x00" in text:
        raise CitationFileError(f"{name} contains NUL characters.")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise CitationFileError(
            f"{name} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB."
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CitationFileError(f"{name} holds characters that are not text.") from None
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


# --- Detecting the format ---------------------------------------------------------

_RIS_TAG = re.compile(r"^TY  - ", re.MULTILINE)
_NBIB_TAG = re.compile(r"^PMID- ?\S", re.MULTILINE)
_BIBTEX_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)


def detect_format(text: str, filename: str = "") -> str:
    """The format of `text`, from its content first and its file extension next."""
    head = text.lstrip("\ufeff \t\n")
    if head[:1] in "[{":
        return "csljson"
    if _RIS_TAG.search(text):
        return "ris"
    if _NBIB_TAG.search(text):
        return "nbib"
    if _BIBTEX_ENTRY.search(text):
        return "bibtex"
    first_line = head.split("\n", 1)[0].lower()
    if "title" in [c.strip().strip('"') for c in first_line.split(",")]:
        return "csv"
    for extension, name in EXTENSIONS.items():
        if filename.lower().endswith(extension):
            return name
    raise CitationFileError(
        "Could not tell the format of this text: it is not RIS (no “TY  - ” line), "
        "PubMed/MEDLINE (no “PMID- ” line), BibTeX (no “@article{”), CSL-JSON or "
        "a CSV with a “title” column. Choose the format explicitly."
    )


# --- Shared value helpers ---------------------------------------------------------

_SPACE = re.compile(r"\s+")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)")
_PMID = re.compile(r"^\s*(?:PMID:?\s*)?(\d{1,9})\s*$", re.IGNORECASE)
_NCT = re.compile(r"\bNCT\d{8}\b", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_PAGE_RANGE = re.compile(r"^\s*([A-Za-z]?)(\d+)\s*[-–—]+\s*([A-Za-z]?)(\d+)\s*$")


def one_line(value: object) -> str:
    return _SPACE.sub(" ", str(value or "")).strip()


def plain_text(value: object) -> str:
    """Markup-free text (Crossref abstracts are JATS XML), paragraphs kept."""
    text = unescape(_TAGS.sub(" ", str(value or "")))
    lines = (one_line(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def expand_pages(pages: str) -> str:
    """ "451-9" → "451-459", "1203-10" → "1203-1210", "e12–e19" → "e12-e19"."""
    pages = one_line(pages)
    match = _PAGE_RANGE.match(pages)
    if not match:
        return pages.replace("–", "-").replace("—", "-")
    prefix, start, end_prefix, end = match.groups()
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return f"{prefix}{start}-{end_prefix or prefix}{end}"


def year_from(value: object, record: ParsedRecord) -> int | None:
    """The year in a date such as "2014", "2014 Apr", "2014/04/01/" or [2014, 4]."""
    text = one_line(value)
    if not text:
        return None
    match = _YEAR.search(text)
    if not match:
        record.error("year", f"“{text[:40]}” holds no year.")
        return None
    return int(match.group(1))


def pmid_from(value: object, record: ParsedRecord) -> int | None:
    text = one_line(value)
    if not text:
        return None
    match = _PMID.match(text)
    if not match or int(match.group(1)) < 1:
        record.error("pmid", f"“{text[:40]}” is not a PubMed ID (a number).")
        return None
    return int(match.group(1))


def int_from(value: object, name: str, record: ParsedRecord) -> int | None:
    text = one_line(value)
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        record.error(name, f"“{text[:40]}” is not a whole number.")
        return None
    return int(text)


def authors_from_names(names: Iterable[str], record: ParsedRecord) -> None:
    """Fill authors / authors_et_al from one name per item ("et al." allowed)."""
    people: list[Author] = []
    et_al = False
    for name in names:
        name = one_line(name)
        if not name:
            continue
        try:
            found, cut = parse_authors(name)
            if len(found) > 1 and "," in name:
                # One name per item: "Family, Given" is one person, not two.
                found = [parse_name(name)]
        except ValidationError as exc:
            record.error("authors", " ".join(exc.messages))
            continue
        people.extend(found)
        et_al = et_al or cut
    record.values["authors"] = [normalise_author(p) for p in people]
    record.values["authors_et_al"] = et_al


def registry_from(texts: Iterable[str]) -> str:
    """The registry id of our own "Trial registration: …" note (any registry), or
    else the first ClinicalTrials.gov id ("NCT01234567") in the texts."""
    texts = [text or "" for text in texts]
    for text in texts:
        if registry_id := registry_in_note(text):
            return registry_id
    for text in texts:
        match = _NCT.search(text)
        if match:
            return match.group(0).upper()
    return ""


def work_url(urls: Iterable[str]) -> str:
    """The first URL of the work itself: not a DOI link (the DOI has its own
    field), nor a study page of this site (which our exports add)."""
    for url in urls:
        url = one_line(url)
        if url and "doi.org/" not in url.lower() and not is_study_page(url):
            return url
    return ""


def split_keywords(text: str) -> list[str]:
    """Keywords held in one text: split on ";" when there is one (a keyword may
    hold a comma, "Pain, Intractable"), else on ","."""
    return re.split(";" if ";" in text else ",", text)


# Words that name a design, most specific first; "as Topic" MeSH headings (about
# the design, not of it) are skipped by `design_from_words`.
DESIGN_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"meta[- ]?analys"), Design.META_ANALYSIS),
    (re.compile(r"systematic (literature )?review"), Design.SYSTEMATIC_REVIEW),
    (re.compile(r"scoping review"), Design.SCOPING_REVIEW),
    (re.compile(r"cross[- ]?over"), Design.CROSSOVER_RCT),
    # Before the randomised trial, whose words "non-randomised" contains.
    (
        re.compile(
            r"non[- ]?randomi[sz]ed|quasi[- ]?experimental|^controlled clinical trial$"
        ),
        Design.NON_RANDOMISED,
    ),
    (re.compile(r"randomi[sz]ed (controlled )?(clinical )?trial|\brct\b"), Design.RCT),
    (
        re.compile(r"cross[- ]sectional|\bregistry\b|pharmacoepidemiolog"),
        Design.CROSS_SECTIONAL,
    ),
    (re.compile(r"\bcohort\b|observational study"), Design.COHORT),
    (re.compile(r"case series"), Design.CASE_SERIES),
    (re.compile(r"case reports?\b"), Design.CASE_REPORT),
    (
        re.compile(r"open[- ]label|pilot (study|trial)|clinical trial(, phase)?"),
        Design.OPEN_LABEL,
    ),
    (re.compile(r"narrative review|^review$|\breview\b"), Design.NARRATIVE_REVIEW),
    (
        re.compile(r"\banimals?\b|in vitro|preclinical|\bmice\b|\brats?\b"),
        Design.PRECLINICAL,
    ),
]
_DESIGN_LABELS = {label.lower(): value for value, label in Design.choices}


def design_from_words(words: Iterable[str], record: ParsedRecord) -> None:
    """Set the design from publication types or keywords; unknown → other + note."""
    texts = [one_line(w).lower() for w in words if one_line(w)]
    texts = [t for t in texts if "as topic" not in t]
    for text in texts:
        if text in Design.values:
            record.values["design"] = text
            return
        if text in _DESIGN_LABELS:
            record.values["design"] = _DESIGN_LABELS[text]
            return
    for pattern, design in DESIGN_WORDS:
        if any(pattern.search(text) for text in texts):
            record.values["design"] = design.value
            return
    record.values["design"] = Design.OTHER.value
    record.notes.append(DESIGN_NOT_STATED)


def finish(record: ParsedRecord) -> ParsedRecord:
    """Fill missing keys, normalise, and check every value with the model's rules."""
    values = record.values
    for key in ("title", "journal", "volume", "issue", "pages", "registry_id", "url"):
        values[key] = one_line(values[key])
    values["title"] = values["title"].rstrip(".").strip() if values["title"] else ""
    values["pages"] = expand_pages(values["pages"])
    values["doi"] = normalise_doi(one_line(values["doi"]))
    values["abstract"] = plain_text(values["abstract"])
    values["keywords"] = list(
        dict.fromkeys(one_line(k)[:200] for k in values["keywords"] if one_line(k))
    )
    if not values["title"]:
        record.error("title", "The record has no title.")
    if not values["design"]:
        values["design"] = Design.OTHER.value
        if DESIGN_NOT_STATED not in record.notes:
            record.notes.append(DESIGN_NOT_STATED)
    study = Study(**values, slug="import-check")
    try:
        # Uniqueness (DOI, PubMed ID) is the duplicate check's job, done per batch.
        study.full_clean(
            exclude=["slug", *record.errors],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                record.error(name, message)
    record.ignored = sorted(set(record.ignored), key=str.lower)
    return record


_EMPTY: dict[str, Callable[[], Any]] = {
    **dict.fromkeys(
        (
            "title",
            "journal",
            "volume",
            "issue",
            "pages",
            "doi",
            "registry_id",
            "url",
            "abstract",
            "design",
        ),
        str,
    ),
    "authors": list,
    "keywords": list,
    "authors_et_al": bool,
    "year": lambda: None,
    "pmid": lambda: None,
    "sample_size": lambda: None,
}


def empty_values() -> dict[str, Any]:
    """A record with every key and nothing in it (design: other / not stated)."""
    return {**{key: _EMPTY[key]() for key in RECORD_KEYS}, "design": "other"}


def _label(number: int, values: dict[str, Any], key: str = "") -> str:
    authors = values.get("authors") or []
    first = ""
    if authors:
        first = authors[0].get("family") or authors[0].get("literal", "")
    who = " ".join(str(x) for x in (first, values.get("year") or "") if x)
    where = f"record {number}"
    if key:
        where += f" “{key}”"
    return f"{where} ({who})" if who else where


# --- RIS -----------------------------------------------------------------------------

RIS_USED = {
    "type_of_reference", "id", "authors", "first_authors", "title", "primary_title",
    "journal_name", "secondary_title", "alternate_title1", "alternate_title2",
    "alternate_title3", "year", "publication_year", "date", "volume", "number",
    "start_page", "end_page", "doi", "accession_number", "abstract", "notes_abstract",
    "keywords", "urls", "type_of_work", "notes", "custom1", "end_of_reference",
}  # fmt: skip
_RIS_START = re.compile(r"^TY  - ", re.MULTILINE)
_RIS_END = re.compile(r"^ER  -", re.MULTILINE)


def read_ris(text: str) -> list[ParsedRecord]:
    starts = [m.start() for m in _RIS_START.finditer(text)]
    if not starts:
        raise CitationFileError("No RIS record found: a record starts with “TY  - ”.")
    # Text before the first TY (some databases write "Provider: …" lines there)
    # belongs to no record and is skipped.
    records = []
    for number, (start, end) in enumerate(
        zip(starts, [*starts[1:], len(text)], strict=True), start=1
    ):
        chunk = text[start:end]
        record = ParsedRecord(number, f"record {number}")
        if not _RIS_END.search(chunk):
            record.error("record", "It has no end line (“ER  - ”).")
            records.append(record)
            continue
        try:
            [entry] = rispy.loads(chunk)
        except Exception as exc:  # rispy raises plain exceptions on odd input
            record.error("record", f"RIS could not be read: {exc}.")
            records.append(record)
            continue
        _ris_record(entry, record)
        record.label = _label(number, record.values, entry.get("id", ""))
        records.append(finish(record))
    return records


def _first(*values: Any) -> str:
    for value in values:
        if isinstance(value, list):
            value = value[0] if value else ""
        if one_line(value):
            return one_line(value)
    return ""


def _ris_record(entry: dict[str, Any], record: ParsedRecord) -> None:
    v = record.values
    v["title"] = _first(entry.get("title"), entry.get("primary_title"))
    authors_from_names(
        [*(entry.get("authors") or []), *(entry.get("first_authors") or [])], record
    )
    v["journal"] = _first(
        entry.get("journal_name"),
        entry.get("secondary_title"),
        entry.get("alternate_title3"),
        entry.get("alternate_title1"),
        entry.get("alternate_title2"),
    )
    v["year"] = year_from(
        _first(entry.get("year"), entry.get("publication_year"), entry.get("date")),
        record,
    )
    v["volume"] = _first(entry.get("volume"))
    v["issue"] = _first(entry.get("number"))
    start, end = _first(entry.get("start_page")), _first(entry.get("end_page"))
    v["pages"] = f"{start}-{end}" if start and end and start != end else start or end
    v["doi"] = _first(entry.get("doi"))
    # AN holds the PubMed ID in PubMed's and most managers' exports, but other
    # databases' numbers too ("WOS:000331…"): only a number is taken as a PMID.
    accession = _first(entry.get("accession_number"))
    if _PMID.match(accession):
        v["pmid"] = pmid_from(accession, record)
    elif accession:
        record.ignored.append("accession number (AN)")
    v["abstract"] = _first(entry.get("abstract"), entry.get("notes_abstract"))
    v["keywords"] = list(entry.get("keywords") or [])
    v["url"] = work_url(entry.get("urls") or [])
    notes = [*(entry.get("notes") or []), _first(entry.get("custom1"))]
    v["registry_id"] = registry_from(notes)
    design_from_words([_first(entry.get("type_of_work")), *v["keywords"]], record)
    record.ignored.extend(
        _ris_tag(key) for key in entry if key not in RIS_USED and entry[key]
    )


_RIS_TAGS = {key: tag for tag, key in rispy.TAG_KEY_MAPPING.items()}


def _ris_tag(key: str) -> str:
    tag = _RIS_TAGS.get(key)
    return f"{key.replace('_', ' ')} ({tag})" if tag else key


# --- BibTeX --------------------------------------------------------------------------

BIBTEX_USED = {
    "author", "title", "journal", "journaltitle", "year", "date", "volume", "number",
    "issue", "pages", "doi", "pmid", "url", "abstract", "keywords", "note", "eprint",
    "eprinttype", "type",
}  # fmt: skip
# bibtexparser logs every block it cannot read; the report lists them instead.
logging.getLogger("bibtexparser").setLevel(logging.ERROR)
_BARE_SPECIALS = re.compile(r"(?<!\\)([&%])")
_LATEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def latex_text(value: str) -> str:
    """LaTeX accents and escapes decoded, protecting braces stripped."""
    # A bare "&" or "%" (common in exported files, though BibTeX wants "\&") is
    # text here, not LaTeX's column separator or comment.
    value = _BARE_SPECIALS.sub(r"\\\1", value)
    try:
        text = _LATEX.latex_to_text(value)
    except Exception:  # pylatexenc is lenient; keep the raw text if it is not
        text = value.replace("{", "").replace("}", "")
    return one_line(text)


def _split_bibtex_names(value: str) -> list[str]:
    """Split an author field on " and " outside braces."""
    names, depth, current = [], 0, []
    tokens = re.split(r"(\s+and\s+|[{}])", value, flags=re.IGNORECASE)
    for token in tokens:
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        if depth == 0 and re.fullmatch(r"\s+and\s+", token or "", re.IGNORECASE):
            names.append("".join(current))
            current = []
        else:
            current.append(token or "")
    names.append("".join(current))
    return [one_line(n) for n in names if one_line(n)]


def _bibtex_person(name: str) -> Author | None:
    """One BibTeX name ("Family, Given", "Given Family", "{Collective}")."""
    if name.lower() == "others":
        return None
    if name.startswith("{") and name.endswith("}") and name.count("{") == 1:
        return {"literal": latex_text(name[1:-1])}
    text = latex_text(name)
    if "," in text:
        family, _, given = text.partition(",")
        person: Author = {"family": one_line(family)}
        if one_line(given):
            person["given"] = one_line(given)
        return normalise_author(person)
    return normalise_author(parse_name(text))


def read_bibtex(text: str) -> list[ParsedRecord]:
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.NormalizeFieldKeys()]
    )
    blocks = sorted(
        [*library.entries, *library.failed_blocks], key=lambda b: b.start_line or 0
    )
    if not blocks:
        raise CitationFileError(
            "No BibTeX entry found: an entry starts with “@article{”."
        )
    records = []
    for number, block in enumerate(blocks, start=1):
        record = ParsedRecord(number, f"record {number}")
        if not isinstance(block, bibtexparser.model.Entry):
            line = (block.start_line or 0) + 1
            error = getattr(block, "error", None)
            reason = getattr(error, "abort_reason", "") or str(error or "")
            reason = one_line(reason.replace("`", "")) or "it could not be read"
            record.label = f"record {number} (line {line})"
            record.error("record", f"Malformed BibTeX at line {line}: {reason}")
            records.append(record)
            continue
        fields = {f.key.lower(): f.value for f in block.fields}
        _bibtex_record(fields, record)
        record.label = _label(number, record.values, block.key)
        records.append(finish(record))
    return records


def _bibtex_record(fields: dict[str, Any], record: ParsedRecord) -> None:
    v = record.values
    get = {k: str(val) for k, val in fields.items()}
    v["title"] = latex_text(get.get("title", ""))
    people, et_al = [], False
    for name in _split_bibtex_names(get.get("author", "")):
        try:
            person = _bibtex_person(name)
        except ValidationError as exc:
            record.error("authors", " ".join(exc.messages))
            continue
        if person is None:
            et_al = True
        else:
            people.append(person)
    v["authors"], v["authors_et_al"] = people, et_al
    v["journal"] = latex_text(get.get("journal") or get.get("journaltitle", ""))
    v["year"] = year_from(get.get("year") or get.get("date", ""), record)
    v["volume"] = latex_text(get.get("volume", ""))
    v["issue"] = latex_text(get.get("number") or get.get("issue", ""))
    v["pages"] = latex_text(get.get("pages", "")).replace("–", "-")
    v["doi"] = get.get("doi", "").replace("\\_", "_")
    pmid = get.get("pmid") or (
        get.get("eprint") if get.get("eprinttype", "").lower() == "pubmed" else ""
    )
    v["pmid"] = pmid_from(pmid, record)
    v["url"] = work_url([get.get("url", "")])
    v["abstract"] = latex_text(get.get("abstract", ""))
    v["keywords"] = [
        latex_text(k) for k in split_keywords(get.get("keywords", "")) if k.strip()
    ]
    v["registry_id"] = registry_from([get.get("note", "")])
    design_from_words([get.get("type", ""), *v["keywords"]], record)
    record.ignored.extend(k for k in fields if k not in BIBTEX_USED)


# --- PubMed / MEDLINE -------------------------------------------------------------

NBIB_USED = {
    "PMID", "TI", "FAU", "AU", "CN", "JT", "TA", "DP", "VI", "IP", "PG", "AB", "OT",
    "MH", "PT", "AID", "LID", "SI",
}  # fmt: skip
# Bookkeeping tags of PubMed's own, not bibliographic data: not worth a mention.
NBIB_BOOKKEEPING = {
    "OWN", "STAT", "DCOM", "LR", "EDAT", "MHDA", "CRDT", "PHST", "PST", "SO", "JID",
    "OTO", "DEP", "DA", "IR", "FIR", "AUID", "MID", "PMC", "PMCR",
}  # fmt: skip
NBIB_NAMES = {
    "LA": "language (LA)", "IS": "ISSN (IS)", "PL": "place of publication (PL)",
    "GR": "grant (GR)", "AD": "affiliation (AD)", "RN": "substance (RN)",
    "CI": "copyright (CI)", "COIS": "conflict of interest (COIS)",
}  # fmt: skip


def read_nbib(text: str) -> list[ParsedRecord]:
    if not _NBIB_TAG.search(text):
        raise CitationFileError(
            "No PubMed record found: a record starts with “PMID- ”."
        )
    try:
        entries = list(Medline.parse(io.StringIO(text)))
    except Exception as exc:
        raise CitationFileError(f"The MEDLINE file could not be read: {exc}.") from None
    records = []
    for number, entry in enumerate(entries, start=1):
        record = ParsedRecord(number, f"record {number}")
        _nbib_record(entry, record)
        record.label = _label(number, record.values, "PMID " + entry.get("PMID", "?"))
        records.append(finish(record))
    return records


def _listed(entry: dict, tag: str) -> list[str]:
    value = entry.get(tag, [])
    return [value] if isinstance(value, str) else list(value)


def _tagged(values: list[str], kind: str) -> str:
    suffix = f"[{kind}]"
    for value in values:
        if value.strip().endswith(suffix):
            return value.strip()[: -len(suffix)].strip()
    return ""


def _nbib_record(entry: dict, record: ParsedRecord) -> None:
    v = record.values
    if not entry.get("PMID"):
        record.error("pmid", "The record has no PMID line.")
    v["title"] = one_line(entry.get("TI", "")).strip("[]")
    names = _listed(entry, "FAU") or _listed(entry, "AU")
    authors_from_names(names, record)
    v["authors"].extend({"literal": one_line(c)} for c in _listed(entry, "CN"))
    v["journal"] = one_line(entry.get("JT") or entry.get("TA", ""))
    v["year"] = year_from(entry.get("DP", ""), record)
    v["volume"] = entry.get("VI", "")
    v["issue"] = entry.get("IP", "")
    v["pages"] = entry.get("PG", "")
    ids = [*_listed(entry, "AID"), *_listed(entry, "LID")]
    v["doi"] = _tagged(ids, "doi")
    v["pmid"] = pmid_from(entry.get("PMID", ""), record)
    v["abstract"] = entry.get("AB", "")
    # Author keywords, or else the MeSH headings marked as major topics ("*").
    v["keywords"] = _listed(entry, "OT") or [
        m.split("/")[0].lstrip("*") for m in _listed(entry, "MH") if "*" in m
    ]
    v["registry_id"] = registry_from(_listed(entry, "SI"))
    design_from_words(_listed(entry, "PT"), record)
    record.ignored.extend(
        NBIB_NAMES.get(tag, tag)
        for tag in entry
        if tag not in NBIB_USED and tag not in NBIB_BOOKKEEPING
    )


# --- CSL-JSON --------------------------------------------------------------------

CSL_USED = {
    "id", "type", "title", "author", "container-title", "container-title-short",
    "journalAbbreviation", "issued", "volume", "issue", "page", "DOI", "PMID", "URL",
    "abstract", "keyword", "genre", "note", "citation-key", "custom",
}  # fmt: skip
# Crossref's bookkeeping in its CSL output: not bibliographic data.
CSL_BOOKKEEPING = {
    "indexed", "reference-count", "content-domain", "short-container-title",
    "published-print", "published-online", "published", "created", "deposited",
    "is-referenced-by-count", "score", "resource", "member", "prefix", "source",
    "references-count", "relation", "link", "license", "journal-issue", "subject",
    "update-policy", "assertion", "funder", "alternative-id", "reference",
    "issn-type", "page-first", "original-title", "short-title", "subtitle",
    "accessed", "update-to", "article-number", "clinical-trial-number",
}  # fmt: skip


def read_csljson(text: str) -> list[ParsedRecord]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CitationFileError(
            f"The CSL-JSON is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg})."
        ) from None
    if isinstance(data, dict) and isinstance(data.get("message"), dict):
        data = data["message"]  # Crossref's works JSON wraps the item
    items = data if isinstance(data, list) else [data]
    if not items:
        raise CitationFileError("The CSL-JSON list is empty.")
    records = []
    for number, item in enumerate(items, start=1):
        record = ParsedRecord(number, f"record {number}")
        if not isinstance(item, dict):
            record.error("record", "A CSL-JSON item must be an object.")
            records.append(record)
            continue
        _csl_record(item, record)
        record.label = _label(number, record.values, str(item.get("id", ""))[:40])
        records.append(finish(record))
    return records


def _csl_person(name: object, record: ParsedRecord) -> Author | None:
    if not isinstance(name, dict):
        record.error("authors", "An author is not a CSL name object.")
        return None
    if one_line(name.get("literal")):
        literal = one_line(name["literal"])
        if literal.lower().rstrip(".") in {"et al", "others"}:
            record.values["authors_et_al"] = True
            return None
        return {"literal": literal}
    family = " ".join(
        one_line(name.get(k)) for k in ("non-dropping-particle", "family")
    ).strip()
    given = " ".join(
        one_line(name.get(k)) for k in ("given", "dropping-particle")
    ).strip()
    if not family:
        if given:
            return {"literal": given} if len(given.split()) > 2 else parse_name(given)
        record.error("authors", "An author has neither a family name nor a literal.")
        return None
    person: Author = {"family": family}
    if given:
        person["given"] = given
    return normalise_author(person)


def _csl_year(item: dict, record: ParsedRecord) -> int | None:
    for key in ("issued", "published-print", "published-online", "published"):
        date = item.get(key)
        if not isinstance(date, dict):
            continue
        parts = date.get("date-parts")
        if (
            isinstance(parts, list)
            and parts
            and isinstance(parts[0], list)
            and parts[0]
            and parts[0][0] is not None
        ):
            return year_from(parts[0][0], record)
        if date.get("raw") or date.get("literal"):
            return year_from(date.get("raw") or date.get("literal"), record)
    return None


def _csl_text(value: object) -> str:
    """Crossref's works JSON gives lists of one string; CSL gives a string."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return one_line(value) if isinstance(value, str | int) else ""


def _csl_record(item: dict, record: ParsedRecord) -> None:
    v = record.values
    v["authors_et_al"] = False
    v["title"] = plain_text(_csl_text(item.get("title")))
    people = []
    authors = item.get("author", [])
    for name in authors if isinstance(authors, list) else [authors]:
        person = _csl_person(name, record)
        if person:
            people.append(person)
    v["authors"] = people
    # CSL has no field for a truncated list: our export keeps it in `custom`.
    custom = item.get("custom")
    if isinstance(custom, dict) and custom.get("authors_et_al") is True:
        v["authors_et_al"] = True
    v["journal"] = _csl_text(item.get("container-title")) or _csl_text(
        item.get("journalAbbreviation")
    )
    v["year"] = _csl_year(item, record)
    v["volume"] = _csl_text(item.get("volume"))
    v["issue"] = _csl_text(item.get("issue"))
    v["pages"] = _csl_text(item.get("page"))
    v["doi"] = _csl_text(item.get("DOI"))
    v["pmid"] = pmid_from(_csl_text(item.get("PMID")), record)
    v["url"] = work_url([_csl_text(item.get("URL"))])
    v["abstract"] = _csl_text(item.get("abstract"))
    keywords = item.get("keyword", "")
    v["keywords"] = (
        split_keywords(keywords)
        if isinstance(keywords, str)
        else [str(k) for k in keywords if isinstance(k, str)]
    )
    v["registry_id"] = registry_from([_csl_text(item.get("note"))])
    design_from_words([_csl_text(item.get("genre")), *v["keywords"]], record)
    record.ignored.extend(
        k for k in item if k not in CSL_USED and k not in CSL_BOOKKEEPING and item[k]
    )


# --- CSV (this site's export) -----------------------------------------------------

CSV_USED = {*RECORD_KEYS, "source_url"}
# Columns the export writes that an import derives again (or must not take).
CSV_DERIVED = {"id", "evidence_level", "html_url", "level"}


def read_csv(text: str) -> list[ParsedRecord]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise CitationFileError(f"The CSV could not be read: {exc}.") from None
    if "title" not in header:
        raise CitationFileError(
            "The CSV has no “title” column: its first line must name the columns "
            "(title, authors, journal, year, …), as this site's CSV export does."
        )
    reader.fieldnames = header
    records = []
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise CitationFileError(f"The CSV could not be read: {exc}.") from None
    for number, row in enumerate(rows, start=1):
        record = ParsedRecord(number, f"row {number + 1}")
        if None in row:
            record.error(
                "record", "The row has more cells than the header has columns."
            )
            records.append(record)
            continue
        cells = {k: restore_cell((val or "").strip()) for k, val in row.items()}
        _csv_record(cells, record)
        record.label = _label(number + 1, record.values).replace("record", "row", 1)
        records.append(finish(record))
    return records


def _csv_record(cells: dict[str, str], record: ParsedRecord) -> None:
    v = record.values
    for key in ("title", "journal", "volume", "issue", "pages", "doi", "registry_id",
                "abstract"):  # fmt: skip
        v[key] = cells.get(key, "")
    v["url"] = cells.get("source_url") or cells.get("url", "")
    try:
        v["authors"], v["authors_et_al"] = parse_authors(cells.get("authors", ""))
    except ValidationError as exc:
        record.error("authors", " ".join(exc.messages))
    if cells.get("authors_et_al", "").lower() in {"true", "1", "yes"}:
        v["authors_et_al"] = True
    v["year"] = int_from(cells.get("year"), "year", record)
    v["pmid"] = pmid_from(cells.get("pmid"), record)
    v["sample_size"] = int_from(cells.get("sample_size"), "sample_size", record)
    v["keywords"] = list(re.split(r"[;\n]", cells.get("keywords", "")))
    design_from_words([cells.get("design", "")], record)
    record.ignored.extend(
        k for k, val in cells.items() if k not in CSV_USED | CSV_DERIVED and val
    )


# --- Entry point -----------------------------------------------------------------

READERS: dict[str, Callable[[str], list[ParsedRecord]]] = {
    "ris": read_ris,
    "bibtex": read_bibtex,
    "nbib": read_nbib,
    "csljson": read_csljson,
    "csv": read_csv,
}


def parse_citations(
    text: str, *, format: str | None = None, filename: str = ""
) -> tuple[str, list[ParsedRecord]]:
    """(format, records) of a citation text; `format` None means detect it."""
    text = check_text(text)
    if not text.strip():
        raise CitationFileError("The file is empty.")
    if format is None or format == "":
        format = detect_format(text, filename)
    if format not in READERS:
        raise CitationFileError(
            f"Unknown format “{format}”: choose one of {', '.join(FORMATS)}."
        )
    records = READERS[format](text)
    if len(records) > MAX_RECORDS:
        raise CitationFileError(
            f"The file holds {len(records)} records; the limit is {MAX_RECORDS} per "
            "import. Split it into smaller files."
        )
    return format, records
