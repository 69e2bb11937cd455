"""The import service: expected reports of the fixture files against the seeded
content, drafts with history, all or nothing, filling without overwriting."""

from __future__ import annotations

import pytest
from django.db import connection

from ldnsite.editorial.pending import open_change
from ldnsite.editorial.policy import Status
from studies import imports
from studies.imports import (
    CitationDocument,
    CitationImportError,
    citations_import,
    citations_preview,
)
from studies.models import Study
from tests.factories import make_staff, make_study
from tests.studies.conftest import CITATION_FIXTURES

FIXTURES = CITATION_FIXTURES
SAME_TITLE = "same title, year and first author (title 100%)"

# Per file: (status, what it duplicates: a seeded study, or an earlier record).
EXPECTED = {
    "ldn-studies.ris": [
        ("duplicate", "younger", SAME_TITLE),
        ("new", None, None),
        ("new", None, None),
        ("duplicate_in_file", 2, "same DOI"),
        ("invalid", None, None),
        ("new", None, None),
    ],
    "ldn-studies.bib": [
        ("duplicate", "raknes", SAME_TITLE),  # 2018 here, 2017 seeded
        ("duplicate", "metyas", SAME_TITLE),
        ("new", None, None),
        ("new", None, None),
        ("invalid", None, None),
        ("invalid", None, None),
    ],
    "pubmed-ldn.nbib": [
        ("duplicate", "younger", SAME_TITLE),
        ("duplicate", "smith", "same PubMed ID"),
        ("new", None, None),
        ("new", None, None),
        ("duplicate_in_file", 4, "same PubMed ID"),
        ("invalid", None, None),
    ],
    "ldn-items.json": [
        ("duplicate", "brown", SAME_TITLE),
        ("new", None, None),
        ("new", None, None),
        ("invalid", None, None),
        ("invalid", None, None),
    ],
    "ldn-export.csv": [
        ("duplicate", "metyas", SAME_TITLE),
        ("new", None, None),
        ("invalid", None, None),
        ("invalid", None, None),
    ],
}


def document(name: str) -> CitationDocument:
    return CitationDocument(text=(FIXTURES / name).read_text(), name=name)


def test_the_fixture_set_holds_at_least_twenty_records_over_five_formats():
    total = sum(len(rows) for rows in EXPECTED.values())
    assert total >= 20 and len(EXPECTED) == 5


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preview_reports_every_fixture_record_as_expected(name, seeded):
    count = Study.objects.count()
    report = citations_preview(documents=[document(name)])
    got = []
    for record in report.records:
        if record.status == "duplicate":
            target = next(k for k, s in seeded.items() if s.pk == record.match.ref)
            got.append((record.status, target, record.match.reason))
        elif record.status == "duplicate_in_file":
            got.append((record.status, record.same_as, record.match.reason))
        else:
            got.append((record.status, None, None))
    assert got == EXPECTED[name]
    assert Study.objects.count() == count  # a preview writes nothing


def test_the_report_says_why_in_words(seeded):
    report = citations_preview(documents=[document("pubmed-ldn.nbib")])
    younger = seeded["younger"]
    assert report.records[0].why == (
        f"duplicate of study #{younger.pk}: same title, year and first author "
        "(title 100%)"
    )
    assert report.records[4].why == (
        "duplicate within this file of record 4: same PubMed ID"
    )
    assert report.records[5].why == "invalid: pmid: The record has no PMID line."
    # The seeded study has no DOI, PMID, abstract or keywords: the record may fill them.
    assert report.records[0].fillable == ["doi", "pmid", "abstract", "keywords"]
    assert report.summary() == (
        "6 records: 2 new, 2 duplicates of existing studies, 1 duplicate within "
        "the file, 1 invalid. Nothing was written (preview)."
    )


def test_import_creates_drafts_with_history_naming_user_and_file(seeded):
    alice = make_staff("alice", role="Editor")
    report = citations_import(documents=[document("ldn-studies.ris")], user=alice)
    created = [r for r in report.records if r.outcome == "created"]
    assert [r.position for r in created] == [2, 3, 6]
    studies = Study.objects.filter(pk__in=[r.study_id for r in created])
    assert {s.status for s in studies} == {Status.DRAFT}
    assert all(s.published_at is None for s in studies)
    trial = studies.get(pmid=23359310)
    assert trial.authors_text == "Younger J, Noor N, McCue R, Mackey S"
    assert trial.slug == (
        "low-dose-naltrexone-for-the-treatment-of-fibromyalgia-findings-of-a-small-2013"
    )
    assert trial.design == "crossover_rct"
    history = trial.history.get()
    assert history.history_type == "+"
    assert history.history_user == alice
    assert history.history_change_reason == "Imported from ldn-studies.ris"
    assert not Study.objects.published().filter(pk__in=studies).exists()
    # The seeded duplicate is untouched without fill_duplicates.
    assert seeded["younger"].history.count() == 1


def test_a_second_import_of_the_same_file_creates_nothing(seeded):
    citations_import(documents=[document("pubmed-ldn.nbib")], user=None)
    count = Study.objects.count()
    again = citations_import(documents=[document("pubmed-ldn.nbib")], user=None)
    assert Study.objects.count() == count
    assert again.counts == {
        "new": 0,
        "duplicate": 5,
        "duplicate_in_file": 0,
        "invalid": 1,
    }
    assert again.outcome_count("created") == 0


def test_fill_duplicates_fills_only_empty_fields_and_says_which(seeded):
    younger = seeded["younger"]
    younger.journal = "Clin Rheumatol (as curated)"
    younger.volume = "33"
    younger.save()
    bob = make_staff("bob", role="Reviewer")
    report = citations_import(
        documents=[document("pubmed-ldn.nbib")],
        user=bob,
        records=[1],
        fill_duplicates=True,
    )
    record = report.records[0]
    assert record.outcome == "filled"
    assert record.filled == ["doi", "pmid", "abstract", "keywords"]
    younger.refresh_from_db()
    assert younger.journal == "Clin Rheumatol (as curated)"  # never overwritten
    assert younger.title.startswith("The use of low-dose")
    assert younger.status == Status.PUBLISHED  # filling never changes the status
    assert (younger.doi, younger.pmid, younger.pages) == (
        "10.1007/s10067-014-2517-2",
        24526250,
        "451-459",
    )
    latest = younger.history.first()
    assert latest.history_user == bob
    assert latest.history_change_reason == "Imported from pubmed-ldn.nbib"
    assert Study.objects.count() == 9  # the seeded studies: only [1] was chosen


def test_fill_writes_authors_and_their_line_on_a_study_without_authors(db):
    study = make_study(title="Naltrexone and sleep", authors=[], year=2020)
    text = "TY  - JOUR\nTI  - Naltrexone and sleep\nPY  - 2020\nER  - \n"
    # No first author on either side: this is a new record, not a duplicate.
    report = citations_preview(documents=[CitationDocument(text=text)])
    assert report.records[0].status == "new"
    study.authors = [{"family": "Roe", "given": "R."}]
    study.save()
    text = (
        "TY  - JOUR\nTI  - Naltrexone and Sleep\nAU  - Roe, R.\nAU  - Doe, J.\n"
        "PY  - 2020\nVL  - 3\nER  - \n"
    )
    report = citations_import(
        documents=[CitationDocument(text=text)], user=None, fill_duplicates=True
    )
    assert report.records[0].filled == ["volume"]  # authors were not empty


def test_any_failure_writes_nothing(seeded, monkeypatch):
    def broken_fill(*args, **kwargs):
        raise CitationImportError("Study #1: refused. Nothing was imported.")

    monkeypatch.setattr(imports, "_fill", broken_fill)
    count, history = Study.objects.count(), Study.history.count()
    with pytest.raises(CitationImportError):
        citations_import(
            documents=[document("pubmed-ldn.nbib")], user=None, fill_duplicates=True
        )
    assert (Study.objects.count(), Study.history.count()) == (count, history)


def test_a_position_that_does_not_exist_is_refused(seeded):
    with pytest.raises(CitationImportError, match="No record at position") as exc:
        citations_import(documents=[document("ldn-items.json")], user=None, records=[9])
    assert exc.value.field == "records"


def test_chosen_invalid_and_in_file_duplicates_are_never_written(seeded):
    count = Study.objects.count()
    report = citations_import(
        documents=[document("ldn-studies.ris")], user=None, records=[4, 5]
    )
    assert Study.objects.count() == count
    assert [r.outcome for r in report.records] == ["skipped"] * 6


def test_slugs_are_unique_even_against_existing_ones(db):
    make_study(slug="naltrexone-and-sleep-2020", title="Older entry", authors="Zed Z")
    text = (
        "TY  - JOUR\nTI  - Naltrexone and sleep\nAU  - Roe, R.\nPY  - 2020\nER  - \n"
        "TY  - JOUR\nTI  - Naltrexone and sleep\nAU  - Doe, J.\nPY  - 2020\nER  - \n"
    )
    report = citations_import(documents=[CitationDocument(text=text)], user=None)
    slugs = [Study.objects.get(pk=r.study_id).slug for r in report.records]
    assert slugs == ["naltrexone-and-sleep-2020-2", "naltrexone-and-sleep-2020-3"]


def ris_records(count: int) -> str:
    return "".join(
        f"TY  - JOUR\nTI  - Naltrexone study number {n} of many\nAU  - Author{n}, A.\n"
        f"PY  - 2020\nDO  - 10.5555/ldn.{n}\nAN  - {1000 + n}\nER  - \n"
        for n in range(count)
    )


def test_preview_and_import_run_the_same_queries_for_5_and_50_records(
    db, django_assert_num_queries
):
    make_study(title="Naltrexone study number 3 of many", authors="Author3 A")
    user = make_staff("carol", role="Editor")
    for count in (5, 50):
        documents = [CitationDocument(text=ris_records(count))]
        # 1: every study's match keys; 2: the matched study's fillable fields.
        with django_assert_num_queries(2):
            citations_preview(documents=documents)
        # The preview's 2, then: savepoint, taken slugs, insert studies, insert
        # history rows, (on SQLite) their rows in the search index, release.
        with django_assert_num_queries(7 + (connection.vendor == "sqlite")):
            report = citations_import(documents=documents, user=user)
        assert report.outcome_count("created") == count - 1
        Study.objects.exclude(title__endswith="3 of many").delete()


def test_an_editors_fill_of_a_published_study_waits_for_review(seeded):
    younger = seeded["younger"]
    assert younger.status == Status.PUBLISHED and not younger.doi
    alice = make_staff("alice", role="Editor")
    report = citations_import(
        documents=[document("pubmed-ldn.nbib")],
        user=alice,
        records=[1],
        fill_duplicates=True,
    )
    assert report.records[0].outcome == "filled"
    younger.refresh_from_db()
    assert not younger.doi  # the public keeps the live version
    change = open_change(younger)
    assert change.author == alice
    assert change.data["fields"]["doi"] == "10.1007/s10067-014-2517-2"
