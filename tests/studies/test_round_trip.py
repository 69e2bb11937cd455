"""Each citation export, re-imported by our own importer, gives back the same study.

Studies with every citation field set and awkward values (particles, diacritics,
initials and full given names, a collective author, et al., "&", a formula-like
title, an issue without a volume) go out through the API's `?format=` and come
back through the import preview. Every field a format can carry must come back
equal; what a format cannot carry is listed in `FORMAT_CANNOT_CARRY`, so anything
else lost fails the test. A second import of the same file finds every record a
duplicate of the study it came from and creates nothing.
"""

from __future__ import annotations

import pytest

from studies.citation_formats import RECORD_KEYS, parse_citations, work_url
from studies.evidence import Design
from studies.exports import is_study_page
from studies.imports import (
    DUPLICATE,
    CitationDocument,
    citations_import,
    citations_preview,
)
from studies.models import Study
from tests.factories import make_study

pytestmark = pytest.mark.django_db

FORMATS = ("csv", "ris", "bibtex", "csljson")

# What each format has no place for, and so cannot give back. Anything not listed
# here must survive the round trip unchanged.
FORMAT_CANNOT_CARRY: dict[str, set[str]] = {
    # Our own CSV has a column for every field.
    "csv": set(),
    # RIS has no tag for a sample size, nor a marker for a truncated author list
    # (an "et al." AU line would be read as an author by every other tool).
    "ris": {"sample_size", "authors_et_al"},
    # BibTeX ("others" carries et al.) and CSL-JSON (`custom`) have no field for
    # a sample size.
    "bibtex": {"sample_size"},
    "csljson": {"sample_size"},
}

AUTHORS = [
    {"family": "Younger", "given": "J. W."},
    {"family": "van der Berg", "given": "Anna Maria"},
    {"family": "Småbrekke", "given": "L."},
    {"family": "de la Cruz", "given": "María José"},
    {"literal": "LDN Trial Group"},
]
TITLES = [
    "Low-dose naltrexone (LDN) for Crohn's disease & fibromyalgia: a pilot trial",
    "=LDN in Crohn's disease",  # formula-like in a spreadsheet
    "-Naltrexone & pain: the LDN question",  # formula-like too
    "+1 year of LDN for Crohn's disease",
    "@LDN: a Crohn's disease registry",
]
# ClinicalTrials.gov, ISRCTN, EudraCT (with a space) and ANZCTR ids.
REGISTRY_IDS = [
    "NCT00568555",
    "ISRCTN12345678",
    "EudraCT 2010-020436-24",
    "ACTRN12617000123456",
]
KEYWORDS = [
    ["fibromyalgia", "low-dose naltrexone", "Crohn's disease"],
    ["Pain, Intractable", "Naltrexone & opioids"],  # MeSH-style, with a comma
]
ABSTRACT = (
    "Background: LDN may reduce pain & fatigue. Methods: a crossover of 31 women; "
    "each took 4.5 mg nightly. Results: pain fell by 28.8% (p = 0.016). "
    "Conclusions: a larger trial is needed."
)


def _study(n: int, design: str, **overrides) -> Study:
    fields = {
        "title": f"{TITLES[n % len(TITLES)]} ({n})",
        "authors": AUTHORS[n % 2 :],  # "Younger" or "van der Berg" first
        "authors_et_al": n % 2 == 0,
        "journal": "Arthritis & Rheumatism",
        "year": 2000 + n,
        # Every third study has an issue but no volume.
        "volume": "" if n % 3 == 0 else str(60 + n),
        "issue": str(n + 1),
        "pages": "451-459",
        "doi": f"10.1002/art.{37700 + n}",
        "pmid": 23359300 + n,
        "registry_id": REGISTRY_IDS[n % len(REGISTRY_IDS)],
        "url": f"https://example.org/paper/{n}",
        "design": design,
        "sample_size": 31 + n,
        "abstract": ABSTRACT,
        "keywords": KEYWORDS[n % 2],
    }
    return make_study(**{**fields, **overrides})


@pytest.fixture
def studies() -> list[Study]:
    """One study per design, every citation field set."""
    return [_study(n, design) for n, design in enumerate(Design.values)]


def export(api, fmt: str) -> str:
    response = api.get("/api/v1/studies/", {"format": fmt})
    assert response.status_code == 200
    return response.content.decode()


def fields_of(study: Study) -> dict:
    """The study as the import's record keys."""
    return {key: getattr(study, key) for key in RECORD_KEYS}


def empty(value) -> bool:
    return value in (None, "", [], False)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_field_the_format_carries_comes_back_equal(api, studies, fmt):
    _, records = parse_citations(export(api, fmt), format=fmt)
    assert len(records) == len(studies)
    by_title = {record.values["title"]: record for record in records}
    for study in studies:
        record = by_title[study.title]
        assert record.valid, record.errors
        original = fields_of(study)
        lost = FORMAT_CANNOT_CARRY[fmt]
        back = {k: v for k, v in record.values.items() if k not in lost}
        assert back == {k: v for k, v in original.items() if k not in lost}
        # What the format cannot carry comes back empty, never wrong.
        assert all(empty(record.values[k]) for k in lost)
        assert not record.ignored, f"{fmt} ignored {record.ignored}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_sparse_study_comes_back_without_anything_added(api, fmt):
    """Empty fields stay empty: the study page's address the exports write as a
    link is not taken for the work's URL, and no design is made up."""
    study = make_study(
        title="LDN & sleep",
        authors=[{"family": "Younger", "given": "Jarred"}],
        journal="Sleep",
        year=2021,
        design=Design.OTHER,
    )
    text = export(api, fmt)
    assert f"/studies/{study.pk}/" in text  # the page is linked from every format
    _, (record,) = parse_citations(text, format=fmt)
    assert record.valid, record.errors
    assert record.values == fields_of(study)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_exceptions_are_real(api, studies, fmt):
    """Each listed exception is a field the study has and the format lost: the list
    holds nothing a format in fact carries."""
    _, records = parse_citations(export(api, fmt), format=fmt)
    by_title = {record.values["title"]: record for record in records}
    truncated = next(s for s in studies if s.authors_et_al)
    for key in FORMAT_CANNOT_CARRY[fmt]:
        assert not empty(getattr(truncated, key))
        assert empty(by_title[truncated.title].values[key]), key


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_second_import_finds_every_record_a_duplicate_and_creates_nothing(
    api, studies, fmt
):
    no_ids = _study(
        len(studies),
        Design.COHORT,
        title="Naltrexone at low dose in Crohn's disease",
        doi="",
        pmid=None,
    )
    text = export(api, fmt)
    before = Study.objects.count()
    documents = [CitationDocument(text, fmt, f"ldn-studies.{fmt}")]

    report = citations_preview(documents=documents)
    assert [r.status for r in report.records] == [DUPLICATE] * (len(studies) + 1)
    for record in report.records:
        source = Study.objects.get(title=record.values["title"])
        assert record.match.ref == source.pk
        if source == no_ids:
            assert record.match.reason.startswith("same title, year and first author")
        else:
            assert record.match.reason == "same DOI"

    imported = citations_import(documents=documents, user=None, fill_duplicates=True)
    assert imported.outcome_count("created") == 0
    # Every field is set on the studies already: there is nothing to fill.
    assert imported.outcome_count("filled") == 0
    assert Study.objects.count() == before


@pytest.mark.parametrize(
    ("url", "ours"),
    [
        ("http://testserver/studies/5/ldn-and-sleep/", True),
        ("https://testserver/studies/5/", True),
        ("https://journal.example.org/studies/5/ldn-and-sleep/", False),  # not ours
        ("http://testserver/conditions/", False),  # ours, not a study page
        ("https://example.org/paper", False),
        ("", False),
    ],
)
def test_only_our_own_study_pages_are_set_aside_as_urls(url, ours):
    assert is_study_page(url) is ours
    assert work_url([url]) == ("" if ours else url)
