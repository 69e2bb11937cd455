"""Fetching citations by DOI (Crossref) and PubMed ID (PubMed E-utilities).

A small client with short timeouts: `citations_lookup()` takes the identifiers a
curator pasted, fetches Crossref's CSL-JSON for each DOI and PubMed's MEDLINE
text for the PubMed IDs (one request), and hands back `CitationDocument`s for the
same preview and import as an uploaded file. Base URLs, timeout and the on/off
switch come from settings (`CROSSREF_API_URL`, `PUBMED_EUTILS_URL`,
`CITATION_LOOKUP_TIMEOUT`, `CITATION_LOOKUP_ENABLED`), so tests point them at a
local server.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx
from django.conf import settings

from studies.imports import CitationDocument
from studies.models import DOI_SHAPE, normalise_doi

MAX_IDENTIFIERS = 50
USER_AGENT = "ldnsite/1 (LDN evidence site; citation import)"
_PMID = re.compile(r"^(?:pmid:?)?(\d{1,9})\.?$", re.IGNORECASE)
_PUBMED_URL = re.compile(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d{1,9})", re.IGNORECASE)
_LABELS = {"doi", "doi:", "pmid", "pmid:", "and"}
_FOUND_PMID = re.compile(r"^PMID- *(\d+)", re.MULTILINE)


class LookupFailed(Exception):
    """A service could not be reached or answered oddly; nothing was imported."""


@dataclass
class LookupResult:
    documents: list[CitationDocument] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # e.g. "no record of …"


def lookup_enabled() -> bool:
    return bool(settings.CITATION_LOOKUP_ENABLED)


def split_identifiers(text: str) -> tuple[list[str], list[int], list[str]]:
    """(DOIs, PubMed IDs, what is neither) in pasted text, in order, once each."""
    dois: dict[str, None] = {}
    pmids: dict[int, None] = {}
    unknown: list[str] = []
    for token in re.split(r"[\s,;]+", text or ""):
        token = token.strip().strip("<>()[]")
        if not token or token.lower() in _LABELS:
            continue
        if match := _PUBMED_URL.search(token):
            pmids[int(match.group(1))] = None
            continue
        doi = normalise_doi(token).rstrip(".")
        if DOI_SHAPE.match(doi):
            dois[doi] = None
        elif (match := _PMID.match(token)) and int(match.group(1)) > 0:
            pmids[int(match.group(1))] = None
        else:
            unknown.append(token[:60])
    return list(dois), list(pmids), unknown


def _client() -> httpx.Client:
    seconds = settings.CITATION_LOOKUP_TIMEOUT
    agent = USER_AGENT
    if settings.CITATION_LOOKUP_MAILTO:
        agent += f" mailto:{settings.CITATION_LOOKUP_MAILTO}"
    return httpx.Client(
        timeout=httpx.Timeout(seconds, connect=min(seconds, 5)),
        headers={"User-Agent": agent},
        follow_redirects=True,
    )


def _crossref(client: httpx.Client, doi: str, result: LookupResult) -> dict | None:
    base = settings.CROSSREF_API_URL.rstrip("/")
    url = (
        f"{base}/works/{quote(doi, safe='/')}/transform/"
        "application/vnd.citationstyles.csl+json"
    )
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise LookupFailed(
            f"Could not reach Crossref: {exc or type(exc).__name__}; "
            "nothing was imported."
        ) from None
    if response.status_code == 404:
        result.problems.append(f"Crossref has no record of DOI {doi}.")
        return None
    if response.status_code != 200:
        raise LookupFailed(
            f"Could not reach Crossref: it answered {response.status_code} for "
            f"{doi}; nothing was imported."
        )
    try:
        item = response.json()
    except ValueError:
        raise LookupFailed(
            f"Crossref's answer for {doi} was not JSON; nothing was imported."
        ) from None
    if not isinstance(item, dict):
        raise LookupFailed(f"Crossref's answer for {doi} was not a citation.")
    return item


def _pubmed(client: httpx.Client, pmids: list[int], result: LookupResult) -> str:
    base = settings.PUBMED_EUTILS_URL.rstrip("/")
    try:
        response = client.get(
            f"{base}/efetch.fcgi",
            params={
                "db": "pubmed",
                "id": ",".join(map(str, pmids)),
                "rettype": "medline",
                "retmode": "text",
                "tool": "ldnsite",
            },
        )
    except httpx.HTTPError as exc:
        raise LookupFailed(
            f"Could not reach PubMed: {exc or type(exc).__name__}; "
            "nothing was imported."
        ) from None
    if response.status_code != 200:
        raise LookupFailed(
            f"Could not reach PubMed: it answered {response.status_code}; "
            "nothing was imported."
        )
    text = response.text
    found = {int(p) for p in _FOUND_PMID.findall(text)}
    for pmid in pmids:
        if pmid not in found:
            result.problems.append(f"PubMed has no record of PMID {pmid}.")
    return text if found else ""


def citations_lookup(*, text: str) -> LookupResult:
    """The citations for the DOIs and PubMed IDs in `text`, ready to preview.

    Raises `LookupFailed` (with a plain message) when lookups are switched off,
    nothing usable was pasted, or a service cannot be reached.
    """
    if not lookup_enabled():
        raise LookupFailed(
            "This deployment has no network access: look-ups by DOI or PMID are "
            "switched off. Download the citations (RIS, BibTeX or .nbib) and "
            "upload the file instead."
        )
    dois, pmids, unknown = split_identifiers(text)
    if not dois and not pmids:
        raise LookupFailed(
            "No DOI (10.xxxx/…) or PubMed ID (a number) found in what was pasted."
        )
    if len(dois) + len(pmids) > MAX_IDENTIFIERS:
        raise LookupFailed(
            f"{len(dois) + len(pmids)} identifiers at once; the limit is "
            f"{MAX_IDENTIFIERS}."
        )
    result = LookupResult()
    result.problems.extend(
        f"“{token}” is neither a DOI nor a PubMed ID." for token in unknown
    )
    with _client() as client:
        items = [item for doi in dois if (item := _crossref(client, doi, result))]
        medline = _pubmed(client, pmids, result) if pmids else ""
    if items:
        result.documents.append(
            CitationDocument(
                text=json.dumps(items, ensure_ascii=False),
                format="csljson",
                name="Crossref",
            )
        )
    if medline:
        result.documents.append(
            CitationDocument(text=medline, format="nbib", name="PubMed")
        )
    return result
