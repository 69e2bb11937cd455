"""Citation exports of studies: CSV, RIS, BibTeX and CSL-JSON, and their renderers.

`citation()` turns a study into one neutral record; each format writes that record
with a well-kept library (csv, rispy, bibtexparser 2, json) and parses back, with
the same library, into the same citation.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from typing import Any

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field
from rest_framework.renderers import BaseRenderer

from studies.authors import (
    Author,
    authors_line,
    format_initials,
    inverted_name,
    vancouver_name,
)
from studies.models import Study

CSV_COLUMNS = (
    "id",
    "title",
    "authors",
    "journal",
    "year",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "design",
    "evidence_level",
    "source_url",
    "html_url",
)

_SPACE = re.compile(r"\s+")
_PAGE_RANGE = re.compile(r"^\s*(\S+?)\s*[-–—]+\s*(\S+)\s*$")


def _one_line(value: object) -> str:
    """Collapse whitespace: RIS and BibTeX values are single lines here."""
    return _SPACE.sub(" ", str(value or "")).strip()


def citation(study: Study, *, html_url: str = "") -> dict[str, Any]:
    """One study as a flat record, the source of every export format."""
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
        "design": study.design,
        "evidence_level": study.evidence_level,
        "source_url": study.url,
        "html_url": html_url or study.get_absolute_url(),
    }


# --- CSV --------------------------------------------------------------------------


VANCOUVER_MAX_AUTHORS = 6


def plain_citation(c: dict[str, Any]) -> str:
    """A Vancouver/AMA-style one-paragraph citation from `exports.citation()`.

    e.g. "Younger J, Parkitny L, McLain D. The use of low-dose naltrexone (LDN)
    as a novel anti-inflammatory treatment for chronic pain. Clinical
    Rheumatology. 2014;33(4):451-459. doi:10.1007/s10067-014-2517-2"
    """
    parts = []
    authors = c["authors"]
    if authors:
        shown = [vancouver_name(a) for a in authors[:VANCOUVER_MAX_AUTHORS]]
        cut = c["authors_et_al"] or len(authors) > VANCOUVER_MAX_AUTHORS
        parts.append(", ".join(shown) + (", et al." if cut else "."))
    parts.append(c["title"].rstrip(".") + ".")
    source = c["journal"] + "." if c["journal"] else ""
    when = str(c["year"] or "")
    if c["volume"]:
        when += f";{c['volume']}"
        if c["issue"]:
            when += f"({c['issue']})"
    if c["pages"]:
        when += f":{c['pages']}"
    if when:
        source = f"{source} {when}." if source else f"{when}."
    if source:
        parts.append(source)
    if c["doi"]:
        parts.append(f"doi:{c['doi']}")
    if c["pmid"]:
        parts.append(f"PMID: {c['pmid']}.")
    return " ".join(parts)


def to_csv(citations: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for c in citations:
        writer.writerow(
            {
                **{k: "" if c[k] is None else c[k] for k in CSV_COLUMNS},
                "authors": authors_line(c["authors"], c["authors_et_al"]),
            }
        )
    return out.getvalue()


# --- RIS ----------------------------------------------------------------------------


def ris_entry(c: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type_of_reference": "JOUR",
        "id": f"ldn-study-{c['id']}",
        "title": c["title"],
    }
    if c["authors"]:
        entry["authors"] = [inverted_name(a) for a in c["authors"]]
    optional = {
        "journal_name": c["journal"],
        "year": str(c["year"] or ""),
        "volume": c["volume"],
        "number": c["issue"],
        "doi": c["doi"],
        "accession_number": str(c["pmid"] or ""),
    }
    if match := _PAGE_RANGE.match(c["pages"]):
        optional["start_page"], optional["end_page"] = match.groups()
    else:
        optional["start_page"] = c["pages"]
    entry.update({k: v for k, v in optional.items() if v})
    entry["urls"] = [u for u in (c["source_url"], c["html_url"]) if u]
    return entry


def to_ris(citations: Iterable[dict[str, Any]]) -> str:
    return rispy.dumps([ris_entry(c) for c in citations])


# --- BibTeX ------------------------------------------------------------------------


def _bibtex_value(value: object) -> str:
    # Unbalanced braces would end the value early; none of ours need them.
    return _one_line(value).replace("{", "(").replace("}", ")")


def bibtex_entry(c: dict[str, Any]) -> Entry:
    values = {
        "author": " and ".join(
            [inverted_name(a) for a in c["authors"]]
            + (["others"] if c["authors_et_al"] else [])
        ),
        "title": c["title"],
        "journal": c["journal"],
        "year": str(c["year"] or ""),
        "volume": c["volume"],
        "number": c["issue"],
        "pages": c["pages"],
        "doi": c["doi"],
        "pmid": str(c["pmid"] or ""),
        "url": c["source_url"] or c["html_url"],
    }
    fields = [Field(k, _bibtex_value(v)) for k, v in values.items() if v]
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
    }
    item.update({k: v for k, v in optional.items() if v})
    return item


def to_csljson(citations: Iterable[dict[str, Any]]) -> str:
    return json.dumps([csl_item(c) for c in citations], ensure_ascii=False, indent=2)


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
