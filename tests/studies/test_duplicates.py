"""The duplicate rule: DOI, PubMed ID, or title + year + first author."""

from __future__ import annotations

import pytest

from studies.duplicates import (
    DuplicateIndex,
    Work,
    compare,
    fold,
    possible_duplicates,
)
from tests.factories import make_study

TITLE = (
    "The use of low-dose naltrexone (LDN) as a novel anti-inflammatory treatment "
    "for chronic pain"
)
YOUNGER = [{"family": "Younger", "given": "J."}, {"family": "Parkitny"}]


def work(ref=1, **values):
    values = {"title": TITLE, "year": 2014, "authors": YOUNGER, **values}
    return Work.of(ref, values)


def test_fold_sets_aside_case_accents_and_punctuation():
    assert fold("Low-Dose Naltrexone in Crohn’s Disease.") == (
        "low dose naltrexone in crohns disease"
    )
    assert fold("Småbrekke") == fold("SMABREKKE") == "smabrekke"


def test_same_doi_in_any_form_matches_whatever_the_title():
    a = work(doi="https://doi.org/10.1007/S10067-014-2517-2", title="A")
    b = work(2, doi="10.1007/s10067-014-2517-2", title="Something else")
    assert compare(a, b).reason == "same DOI"


def test_same_pmid_matches():
    assert compare(work(pmid=24526250, title="A"), work(2, pmid=24526250)).reason == (
        "same PubMed ID"
    )


def test_title_year_and_first_author_match_despite_case_and_punctuation():
    other = work(
        2,
        title=TITLE.upper().replace("-", " ") + ".",
        authors=[{"family": "YOUNGER", "given": "Jarred"}],
    )
    match = compare(work(), other)
    assert match.reason == "same title, year and first author (title 100%)"
    assert match.score == 100


@pytest.mark.parametrize(
    ("year", "matches"), [(2013, True), (2015, True), (2016, False), (None, False)]
)
def test_a_near_title_allows_one_year_either_way(year, matches):
    near = work(2, title=TITLE + ": a review", year=year)  # score 95
    assert bool(compare(work(), near)) is matches


def test_the_same_title_matches_even_when_the_year_was_typed_wrongly():
    match = compare(work(year=2007), work(2, year=2014))
    assert (
        match.reason == "same title and first author, years 2007 and 2014 (title 100%)"
    )


def test_another_first_author_or_a_different_title_does_not_match():
    assert compare(work(), work(2, authors=[{"family": "Mackey"}])) is None
    assert compare(work(), work(2, title="Naltrexone for Crohn's disease")) is None
    assert compare(work(authors=[]), work(2, authors=[])) is None


def test_the_index_finds_a_doi_before_a_title():
    index = DuplicateIndex()
    index.add(work(1))
    index.add(work(2, doi="10.1/x", title="Other"))
    assert index.find(work(3, doi="10.1/x")).ref == 2
    assert index.find(work(3)).ref == 1


def test_possible_duplicates_lists_each_pair_once_with_why(
    db, django_assert_num_queries
):
    a = make_study(title=TITLE, year=2014, authors="Younger J, Parkitny L")
    b = make_study(title=TITLE.title(), year=2015, authors="Younger JW")
    c = make_study(title="Naltrexone and sleep", authors="Roe R", year=2000)
    d = make_study(
        title="Naltrexone and Sleep.", authors="Roe, R.", year=2000, status="archived"
    )
    make_study(title="Unrelated", authors="Younger J", year=2014)
    make_study(title=TITLE, year=2014, authors="Mackey S")
    with django_assert_num_queries(1):  # the studies' match keys
        pairs = possible_duplicates()
    assert [(p.first, p.second, p.reason) for p in pairs] == [
        (a.pk, b.pk, "same title, year and first author (title 100%)"),
        (c.pk, d.pk, "same title, year and first author (title 100%)"),
    ]
