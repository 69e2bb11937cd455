"""Look-ups by DOI (Crossref) and PMID (PubMed), against recorded answers served
by a local server: found, not found, a timeout, no server, switched off."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from werkzeug import Response

from studies.imports import citations_preview
from studies.lookup import LookupFailed, citations_lookup, split_identifiers

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "lookup"
DOI = "10.1007/s10067-014-2517-2"
CROSSREF_PATH = (
    f"/crossref/works/{DOI}/transform/application/vnd.citationstyles.csl+json"
)


@pytest.fixture
def services(httpserver, settings):
    """Crossref and PubMed E-utilities at a local server."""
    settings.CITATION_LOOKUP_ENABLED = True
    settings.CROSSREF_API_URL = httpserver.url_for("/crossref")
    settings.PUBMED_EUTILS_URL = httpserver.url_for("/eutils")
    settings.CITATION_LOOKUP_TIMEOUT = 1
    return httpserver


def serve_recorded(server) -> None:
    server.expect_request(CROSSREF_PATH).respond_with_data(
        (RECORDED / "crossref-10.1007-s10067-014-2517-2.json").read_text(),
        content_type="application/vnd.citationstyles.csl+json",
    )
    server.expect_request(
        "/eutils/efetch.fcgi",
        query_string={
            "db": "pubmed",
            "id": "23359310,99999999",
            "rettype": "medline",
            "retmode": "text",
            "tool": "ldnsite",
        },
    ).respond_with_data(
        (RECORDED / "efetch-23359310.txt").read_text(), content_type="text/plain"
    )


def test_split_identifiers_reads_dois_and_pmids_in_any_form():
    text = (
        "https://doi.org/10.1007/S10067-014-2517-2, doi: 10.1002/art.37734\n"
        "PMID: 23359310; 24526250. https://pubmed.ncbi.nlm.nih.gov/19453963/ junk"
    )
    assert split_identifiers(text) == (
        ["10.1007/s10067-014-2517-2", "10.1002/art.37734"],
        [23359310, 24526250, 19453963],
        ["junk"],
    )


def test_found_records_go_through_the_same_preview(services, db):
    serve_recorded(services)
    result = citations_lookup(text=f"{DOI} 23359310 99999999 junk")
    assert result.problems == [
        "“junk” is neither a DOI nor a PubMed ID.",
        "PubMed has no record of PMID 99999999.",
    ]
    assert [d.name for d in result.documents] == ["Crossref", "PubMed"]
    report = citations_preview(documents=result.documents)
    crossref, pubmed = report.records
    assert crossref.values["title"].startswith("The use of low-dose naltrexone")
    assert crossref.values["authors"][0] == {"family": "Younger", "given": "Jarred"}
    assert (crossref.values["year"], crossref.values["doi"]) == (2014, DOI)
    assert crossref.values["abstract"].startswith("Low-dose naltrexone (LDN) has")
    assert crossref.ignored == ["ISSN", "language", "publisher"]
    assert pubmed.values["pmid"] == 23359310 and pubmed.values["design"] == "rct"
    assert report.source == "Crossref, PubMed"
    request = services.log[0][0]
    assert request.headers["User-Agent"].startswith("ldnsite/")


def test_a_doi_crossref_does_not_know_is_reported(services):
    services.expect_request(
        "/crossref/works/10.9999/nothing/transform/"
        "application/vnd.citationstyles.csl+json"
    ).respond_with_data("Resource not found.", status=404)
    result = citations_lookup(text="10.9999/nothing")
    assert result.problems == ["Crossref has no record of DOI 10.9999/nothing."]
    assert result.documents == []


def test_a_timeout_is_a_plain_message(services):
    def slow(request):
        time.sleep(1.5)
        return Response("{}", content_type="application/json")

    services.expect_request(CROSSREF_PATH).respond_with_handler(slow)
    with pytest.raises(LookupFailed, match="^Could not reach Crossref: .*nothing was"):
        citations_lookup(text=DOI)


def test_a_server_error_is_a_plain_message(services):
    services.expect_request("/eutils/efetch.fcgi").respond_with_data("", status=503)
    with pytest.raises(LookupFailed, match="Could not reach PubMed: it answered 503"):
        citations_lookup(text="23359310")


def test_no_server_at_all_is_a_plain_message(settings):
    settings.CITATION_LOOKUP_ENABLED = True
    settings.CROSSREF_API_URL = "http://127.0.0.1:9"  # nothing listens there
    with pytest.raises(LookupFailed, match="Could not reach Crossref"):
        citations_lookup(text=DOI)


def test_switched_off_it_says_there_is_no_network_access(settings):
    settings.CITATION_LOOKUP_ENABLED = False
    with pytest.raises(LookupFailed, match="no network access"):
        citations_lookup(text=DOI)


def test_nothing_usable_pasted_is_refused(services):
    with pytest.raises(LookupFailed, match="No DOI"):
        citations_lookup(text="hello world")


def test_a_crossref_answer_that_is_not_json_is_refused(services):
    services.expect_request(CROSSREF_PATH).respond_with_data("<html>", status=200)
    with pytest.raises(LookupFailed, match="not JSON"):
        citations_lookup(text=DOI)
