"""The search engine as lists, the API and the search page share it."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from conditions.models import SearchSynonym
from ldnsite.search import index
from ldnsite.search.query import parse, parse_identifier
from studies.models import Study
from tests.factories import (
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_staff,
    make_study,
    make_term,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

SEARCH = reverse("search")
STUDIES = reverse("studies:list")
API_STUDIES = "/api/v1/studies/"


def page_titles(response) -> list[str]:
    return [r.url for r in response.context["outcome"].results]


def api_slugs(client, q: str, **params) -> list[str]:
    response = client.get(API_STUDIES, {"q": q, **params})
    assert response.status_code == 200, response.content[:300]
    ids = [row["id"] for row in response.json()["results"]]
    slugs = dict(Study.objects.filter(pk__in=ids).values_list("pk", "slug"))
    return [slugs[pk] for pk in ids]


def list_slugs(client, q: str) -> list[str]:
    response = client.get(STUDIES, {"q": q})
    assert response.status_code == 200
    return [study.slug for study in response.context["object_list"]]


# --- Words, not fragments ---------------------------------------------------------


def test_an_abbreviation_matches_words_not_fragments(client):
    ms = make_condition(name="Multiple sclerosis", slug="ms", aliases="MS")
    make_condition(name="Tremor", summary="It seems symptoms vary.")

    response = client.get(SEARCH, {"q": "MS"})

    assert page_titles(response) == [ms.get_absolute_url()]
    body = response.content.decode()
    assert "<mark>seem" not in body and "<mark>symptom" not in body
    assert "s<mark>" not in body and "<mark>ms</mark>s" not in body.lower()


def test_all_words_are_required_on_every_list_and_the_api(client):
    both = make_study(title="Younger fibromyalgia trial", slug="both")
    make_study(title="Fibromyalgia trial", slug="one")
    make_study(title="Younger arthritis trial", slug="other")

    assert list_slugs(client, "fibromyalgia younger") == ["both"]
    assert api_slugs(client, "fibromyalgia younger") == ["both"]
    assert both.slug in list_slugs(client, "Younger")


@pytest.mark.parametrize("q", ["crohns", "Crohn's", "Crohn’s", "CROHN", "crohn’s"])
def test_apostrophes_and_case_do_not_matter(client, q):
    make_study(title="Low-dose naltrexone improves active Crohn’s disease", slug="c1")
    make_study(title="Crohn's disease in children", slug="c2")
    make_study(title="Something else", slug="c3")

    assert sorted(list_slugs(client, q)) == ["c1", "c2"]
    assert sorted(api_slugs(client, q)) == ["c1", "c2"]


def test_accents_do_not_matter(client):
    make_study(authors="Småbrekke L, Müller K", slug="accents")

    for q in ("Smabrekke", "småbrekke", "Muller", "MÜLLER"):
        assert api_slugs(client, q) == ["accents"], q


def test_words_are_stemmed(client):
    make_study(title="Pain in treated patients", slug="stem")

    assert api_slugs(client, "treating patient") == ["stem"]


def test_author_and_year(client):
    make_study(authors="Younger J, Mackey S", year=2014, slug="y2014")
    make_study(authors="Younger J", year=2013, slug="y2013")

    assert api_slugs(client, "Younger 2014") == ["y2014"]


# --- Ranking and synonyms -------------------------------------------------------


def test_a_synonym_finds_its_condition_first_and_text_with_its_names(client):
    crps = make_condition(name="Complex regional pain syndrome", slug="crps")
    make_condition(name="Back pain", summary="Often after a fall, not CRPS-like.")
    study = make_study(title="Naltrexone in complex regional pain syndrome")
    SearchSynonym.objects.create(term="reflex sympathetic dystrophy", condition=crps)

    response = client.get(SEARCH, {"q": "reflex sympathetic dystrophy"})

    urls = page_titles(response)
    assert urls[0] == crps.get_absolute_url()
    assert study.get_absolute_url() in urls


def test_a_query_naming_a_condition_puts_it_first(client):
    fibro = make_condition(name="Fibromyalgia", summary="Widespread pain.")
    make_condition(
        name="Centralized pain syndromes",
        summary="Fibromyalgia pain, fibromyalgia pain and more pain.",
    )

    response = client.get(SEARCH, {"q": "fibromyalgia pain"})

    assert page_titles(response)[0] == fibro.get_absolute_url()


def test_staff_manage_synonyms_in_the_admin(client):
    condition = make_condition(name="Myalgic encephalomyelitis")
    editor = make_staff("editor", role="Editor")
    client.login(
        request=RequestFactory().post("/admin/login/"),
        username="editor",
        password="pw",
    )
    url = reverse("admin:conditions_searchsynonym_add")
    assert client.get(url).status_code == 200
    response = client.post(url, {"term": "ME/CFS", "condition": condition.pk})
    assert response.status_code == 302, response.content[:500]
    assert SearchSynonym.objects.get().term == "ME/CFS"
    assert editor.has_perm("conditions.change_searchsynonym")

    client.logout()
    response = client.get(SEARCH, {"q": "me/cfs"})
    assert page_titles(response)[0] == condition.get_absolute_url()


# --- Typos ----------------------------------------------------------------------


def test_a_misspelling_is_corrected_and_the_suggestion_finds_the_page(client):
    fibro = make_condition(name="Fibromyalgia", summary="Widespread pain.")

    response = client.get(SEARCH, {"q": "fibromyalga"})

    body = response.content.decode()
    assert response.context["outcome"].searched.text == "fibromyalgia"
    assert page_titles(response)[0] == fibro.get_absolute_url()
    assert "Showing results for" in body

    # Searching the misspelling only: offered as a link that finds the page.
    response = client.get(SEARCH, {"q": "fibromyalga", "exact": "1"})
    assert response.context["outcome"].suggestion == "fibromyalgia"
    link = response.context["suggestion_url"]
    assert f'href="{link.replace("&", "&amp;")}"' in response.content.decode()
    assert page_titles(client.get(link))[0] == fibro.get_absolute_url()


def test_an_author_surname_can_be_suggested(client):
    make_study(authors="Parkitny L", title="Inflammation markers")

    response = client.get(SEARCH, {"q": "Parkitmy"})

    assert response.context["outcome"].searched.text == "parkitny"


# --- Identifiers ----------------------------------------------------------------

DOI = "10.1007/s10067-014-2517-2"


@pytest.mark.parametrize(
    "q",
    [
        DOI,
        DOI.upper(),
        f"doi:{DOI}",
        f"DOI: {DOI}",
        f"https://doi.org/{DOI.upper()}",
        f"http://dx.doi.org/{DOI}",
        f"doi.org/{DOI}",
        "PMID: 24526250",
        "pmid24526250",
        "24526250",
        "https://pubmed.ncbi.nlm.nih.gov/24526250/",
        "NCT01234567",
        "nct01234567",
    ],
)
def test_every_identifier_form_goes_to_the_study(client, q):
    study = make_study(doi=DOI, pmid=24526250, registry_id="NCT01234567")
    make_study(title=f"Cites {DOI} and NCT01234567 in passing")

    response = client.get(SEARCH, {"q": q})

    assert response.status_code == 302
    assert response["Location"] == study.get_absolute_url()
    assert api_slugs(client, q) == [study.slug]
    assert list_slugs(client, q) == [study.slug]


@pytest.mark.parametrize(
    ("registry_id", "q"),
    [
        ("ISRCTN12345678", "isrctn12345678"),
        ("EudraCT 2010-012345-12", "2010-012345-12"),
        ("2010-012345-12", "EudraCT: 2010-012345-12"),
        ("ACTRN12610000123456", "ACTRN12610000123456"),
    ],
)
def test_registry_ids_find_their_study(client, registry_id, q):
    study = make_study(registry_id=registry_id)

    assert client.get(SEARCH, {"q": q})["Location"] == study.get_absolute_url()


def test_an_unknown_identifier_says_so(client):
    response = client.get(SEARCH, {"q": "doi:10.1000/none"})

    assert response.status_code == 200
    assert "No published study has the DOI" in response.content.decode()


def test_a_draft_study_is_not_found_by_its_identifier(client):
    make_study(doi=DOI, status="draft", published_at=None)

    assert client.get(SEARCH, {"q": DOI}).status_code == 200
    assert api_slugs(client, DOI) == []


def test_parse_identifier_leaves_years_and_words_alone():
    assert parse_identifier("2014") is None
    assert parse_identifier("Younger 2014") is None
    assert parse_identifier("10.1007") is None
    assert parse_identifier(f"{DOI}.").value == DOI


# --- Results grouped by type ------------------------------------------------------


def test_results_are_grouped_by_type_with_counts_and_a_type_filter(client):
    make_condition(name="Quokka syndrome")
    for _ in range(3):
        make_study(title="Quokka trial")
    make_term(term="Quokka", definition="An animal.")

    response = client.get(SEARCH, {"q": "quokka"})

    body = response.content.decode()
    groups = {g.kind: g.count for g in response.context["groups"]}
    assert groups == {"Condition": 1, "Study": 3, "Glossary": 1}
    assert "Studies (3)" in body and "Conditions (1)" in body and "All (5)" in body

    response = client.get(SEARCH, {"q": "quokka", "type": "study"})
    assert [g.kind for g in response.context["groups"]] == ["Study"]
    assert 'aria-current="page">Studies (3)' in response.content.decode()


def test_the_study_list_highlights_its_matches(client):
    make_study(title="Pain in fibromyalgia", key_finding="Fibromyalgia pain fell.")

    body = client.get(STUDIES, {"q": "fibromyalgia"}).content.decode()

    assert "<mark>fibromyalgia</mark>" in body
    assert (
        "Fibromyalgia</mark> pain fell" in body or "<mark>Fibromyalgia</mark>" in body
    )


def test_the_api_gives_the_same_studies_as_the_page(client):
    for n in range(6):
        make_study(title=f"Naltrexone trial {n} in pain", slug=f"same-{n}")
    make_study(title="Unrelated", slug="unrelated")

    for q in ("naltrexone pain", "trial", "pain 2020"):
        assert api_slugs(client, q) == list_slugs(client, q)


def test_other_lists_search_their_own_items(client):
    make_faq(question="Is LDN addictive?")
    make_term(term="Hormesis", definition="A biphasic dose response.")

    faq = client.get("/api/v1/faq/", {"q": "addictive"}).json()
    assert [row["question"] for row in faq["results"]] == ["Is LDN addictive?"]
    terms = client.get("/api/v1/glossary/", {"q": "biphasic"}).json()
    assert [row["term"] for row in terms["results"]] == ["Hormesis"]
    assert client.get("/api/v1/glossary/", {"q": DOI}).json()["results"] == []


# --- Odd input --------------------------------------------------------------------

ODD = [
    '"',
    '""',
    "*",
    "pain*",
    "NEAR(pain fatigue)",
    "pain NEAR fatigue",
    "-pain",
    "pain -fatigue",
    "title:pain",
    "a:b:c",
    "^pain",
    "(pain",
    "pain)",
    "AND",
    "OR OR",
    "NOT pain",
    "{a b}: pain",
    "'",
    "’’’",
    "!!!???",
    "😀",
    "x" * 5000,
    "pain " * 300,
    "ø" * 300,
    "10.",
    "doi:",
    "99999999999999999999999",
]


@pytest.mark.parametrize("q", ODD)
def test_odd_input_never_fails(client, q):
    make_study(title="Pain and fatigue")

    assert client.get(SEARCH, {"q": q}).status_code == 200
    assert client.get(STUDIES, {"q": q}).status_code in (200, 400)
    assert client.get(API_STUDIES, {"q": q}).status_code in (200, 400)
    assert client.get(reverse("conditions:list"), {"q": q}).status_code in (200, 400)


def test_fts_syntax_is_searched_as_words(client):
    make_study(title="Pain and fatigue", slug="pf")

    assert api_slugs(client, '"pain" NEAR fatigue*') == []  # "near" is required
    assert api_slugs(client, "pain: -fatigue") == ["pf"]
    assert parse('pain* "x" -y').fts_match() == '"pain"* AND "x" AND "y"'


@pytest.mark.parametrize("url", [SEARCH, STUDIES, API_STUDIES])
def test_a_nul_byte_is_refused(client, url):
    response = client.get(url, {"q": "pain\x00"})
    assert response.status_code == 400


# --- Filters: impossible ranges ---------------------------------------------------


def test_an_impossible_year_range_is_a_visible_form_error(client):
    make_study(year=2015)

    response = client.get(STUDIES, {"year_min": 2020, "year_max": 2010})

    assert response.status_code == 400
    form = response.context["filter"].form
    assert set(form.errors) == {"year_min", "year_max"}
    body = response.content.decode()
    assert "“From year” (2020) is above “To year” (2010)" in body
    assert "0 studies" not in body


def test_an_impossible_year_range_is_a_400_naming_both_fields_in_the_api(client):
    response = client.get(API_STUDIES, {"year_min": 2020, "year_max": 2010})

    assert response.status_code == 400
    assert set(response.json()) == {"year_min", "year_max"}


def test_an_equal_year_range_is_fine(client):
    make_study(year=2015, slug="y")
    assert (
        client.get(API_STUDIES, {"year_min": 2015, "year_max": 2015}).json()["count"]
        == 1
    )


def test_the_dose_range_finds_studies_with_a_finding_at_a_dose_in_it(client):
    low = make_study(slug="low-dose", title="Half a milligram")
    make_finding(study=low, dose_min_mg=0.5, dose_max_mg=1)
    usual = make_study(slug="usual-dose", title="Four and a half")
    make_finding(study=usual, dose_min_mg="4.5", dose_max_mg="4.5")
    titrated = make_study(slug="titrated", title="Titrated")
    make_finding(study=titrated, dose_min_mg=1, dose_max_mg="4.5")
    make_finding(study=make_study(slug="no-dose", title="No dose"))

    def slugs(**params):
        response = client.get(API_STUDIES, params)
        assert response.status_code == 200, response.content
        return {row["title"] for row in response.json()["results"]}

    assert slugs(dose_min=3) == {"Four and a half", "Titrated"}
    assert slugs(dose_max="0.75") == {"Half a milligram"}
    assert slugs(dose_min=2, dose_max=3) == {"Titrated"}
    assert slugs(dose_min="4.5", dose_max="4.5") == {"Four and a half", "Titrated"}
    page = client.get(STUDIES, {"dose_min": 2, "dose_max": 3})
    assert page.status_code == 200
    assert "Titrated" in page.content.decode()
    assert "Half a milligram" not in page.content.decode()


def test_an_impossible_dose_range_is_a_form_error_and_a_400_naming_both(client):
    page = client.get(STUDIES, {"dose_min": "4.5", "dose_max": 1})
    assert page.status_code == 400
    assert set(page.context["filter"].form.errors) == {"dose_min", "dose_max"}
    assert "is above “Dose to (mg/day)”" in page.content.decode()
    api = client.get(API_STUDIES, {"dose_min": "4.5", "dose_max": 1})
    assert api.status_code == 400
    assert set(api.json()) == {"dose_min", "dose_max"}


@pytest.mark.parametrize("value", ["lots", "-1", "1e400", "99999999", "\x00"])
def test_an_odd_dose_is_a_400_naming_the_field(client, value):
    response = client.get(API_STUDIES, {"dose_min": value})
    assert response.status_code == 400
    assert "dose_min" in response.json()


# --- Query counts ---------------------------------------------------------------


def test_the_study_list_with_a_query_runs_a_fixed_number_of_queries(client):
    for n in range(5):
        make_study(title=f"Pain study {n}")
    at_5 = count_queries(client, STUDIES + "?q=pain")
    for n in range(40):
        make_study(title=f"Pain study {n}")
    assert count_queries(client, STUDIES + "?q=pain") == at_5


def test_the_api_with_a_query_runs_a_fixed_number_of_queries(client):
    for n in range(5):
        make_study(title=f"Pain study {n}")
    at_5 = count_queries(client, API_STUDIES + "?q=pain")
    for n in range(40):
        make_study(title=f"Pain study {n}")
    assert count_queries(client, API_STUDIES + "?q=pain") == at_5


# --- SQLite: the FTS5 index follows the content ----------------------------------

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the FTS5 index exists on SQLite only"
)


@sqlite_only
def test_the_index_follows_saves_and_deletes(client):
    study = make_study(title="Quokka trial", slug="q")
    assert api_slugs(client, "quokka") == ["q"]

    study.title = "Wombat trial"
    study.save()
    assert api_slugs(client, "quokka") == []
    assert api_slugs(client, "wombat") == ["q"]

    study.delete()
    assert api_slugs(client, "wombat") == []


@sqlite_only
def test_the_rebuild_command_restores_the_index(client):
    make_study(title="Quokka trial", slug="q")
    with connection.cursor() as cursor:
        cursor.execute(index.DROP_SQL)
        cursor.execute(index.CREATE_SQL)
    assert api_slugs(client, "quokka") == []

    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert api_slugs(client, "quokka") == ["q"]


@sqlite_only
def test_bulk_written_studies_are_indexed_by_the_writer(client):
    """bulk_create sends no signal: the import calls `index_objects` itself."""
    [study] = Study.objects.bulk_create(
        [Study(title="Imported quokka", slug="imported", design="rct")]
    )
    assert Study.objects.filter(title__contains="quokka").exists()
    study.refresh_from_db()
    published = make_study(title="Published quokka", slug="pub")

    index.index_objects(Study, [study])
    Study.objects.filter(pk=study.pk).update(
        status=published.status, published_at=published.published_at
    )

    assert sorted(api_slugs(client, "quokka")) == ["imported", "pub"]


# --- Counts beside the filter choices -----------------------------------------


def test_each_filter_choice_shows_how_many_studies_it_would_give(client):
    from tests.factories import make_finding

    fibro = make_condition(name="Fibromyalgia", slug="fibro", category="pain_syndrome")
    ms = make_condition(name="Multiple sclerosis", slug="ms", category="autoimmune")
    for n in range(3):
        make_finding(
            study=make_study(title=f"Pain trial {n}", design="rct"), condition=fibro
        )
    make_finding(
        study=make_study(title="Pain series", design="case_series", doi="10.1000/x"),
        condition=ms,
    )
    make_study(title="Fatigue trial", design="rct", journal="Fatigue")

    response = client.get(STUDIES, {"q": "pain", "design": "rct"})

    body = response.content.decode()
    assert response.context["result_count"] == 3
    # Condition and design counts keep the other filters (q, design).
    assert ">Fibromyalgia (3)<" in body
    assert ">Multiple sclerosis (0)<" in body
    # Design counts keep q but not the design itself: 3 RCTs, 1 case series.
    assert "Randomised controlled trial (3)" in body
    assert "Case series (1)" in body
    # Each count is what choosing it gives.
    chosen = client.get(STUDIES, {"q": "pain", "design": "case_series"})
    assert chosen.context["result_count"] == 1
    assert client.get(STUDIES, {"q": "pain", "design": "rct", "has_doi": "false"})
    assert ">no (3)<" in body and ">yes (0)<" in body


@pytest.mark.parametrize(
    "base",
    [
        {},
        {"design": "rct"},
        {"design": ["rct", "case_series"], "has_doi": "false"},
        {"level": "2", "direction": "benefit"},
        {"condition": "fibro", "category": "pain_syndrome", "year_min": "2015"},
        {"q": "pain", "level": "4"},
    ],
)
def test_every_count_beside_a_choice_is_what_choosing_it_gives(client, base):
    """The counts are computed together (one query for several filters where
    they share the others); each must still equal the list it announces."""

    fibro = make_condition(name="Fibromyalgia", slug="fibro", category="pain_syndrome")
    ms = make_condition(name="Multiple sclerosis", slug="ms", category="autoimmune")
    for n, (design, year, doi, condition, direction) in enumerate(
        [
            ("rct", 2012, "", fibro, "benefit"),
            ("rct", 2018, "10.1000/a", fibro, "no_effect"),
            ("case_series", 2016, "", ms, "benefit"),
            ("case_series", 2020, "10.1000/b", fibro, "mixed"),
            ("cohort", 2019, "", ms, "no_effect"),
            ("meta_analysis", 2021, "", fibro, "benefit"),
        ]
    ):
        study = make_study(title=f"Pain study {n}", design=design, year=year, doi=doi)
        make_finding(study=study, condition=condition, direction=direction)
        if n % 2:  # a second finding, for the other condition
            make_finding(study=study, condition=ms if condition == fibro else fibro)
    make_study(title="Pain study without findings", design="rct", year=2017)

    response = client.get(STUDIES, base)
    assert response.status_code == 200
    form = response.context["filter"].form
    checked = 0
    for name in ("condition", "category", "design", "level", "direction", "has_doi"):
        field = form.fields[name]
        if name == "condition":
            choices = [(c.slug, field.label_from_instance(c)) for c in field.queryset]
        else:
            choices = [(value, label) for value, label in field.choices if value]
        for value, label in choices:
            shown = int(re.search(r"\((\d+)\)$", str(label)).group(1))
            params = {**base, name: value}
            expected = client.get(STUDIES, params).context["result_count"]
            assert shown == expected, (name, value, label)
            checked += 1
    assert checked > 20


def test_filter_counts_run_a_fixed_number_of_queries(client):
    from tests.factories import make_finding

    def add(n):
        for _ in range(n):
            make_finding(study=make_study(title="Pain trial"))

    add(3)
    url = STUDIES + "?q=pain&design=rct"
    at_3 = count_queries(client, url)
    add(30)
    assert count_queries(client, url) == at_3


def test_a_word_describing_the_named_condition_only_ranks(client):
    """ "fibromyalgia pain": a study about fibromyalgia that never says "pain" is
    found (the condition's summary speaks of pain); other words stay required."""
    make_condition(name="Fibromyalgia", summary="Widespread pain and fatigue.")
    about = make_study(title="Naltrexone in fibromyalgia", journal="Rheumatology")
    make_study(title="Naltrexone in back pain", journal="Spine")

    response = client.get(SEARCH, {"q": "fibromyalgia pain"})
    urls = page_titles(response)
    assert about.get_absolute_url() in urls
    assert len(urls) == 2  # the condition and that study; not back pain alone

    assert api_slugs(client, "fibromyalgia younger") == []


@pytest.mark.parametrize(
    "url",
    [
        "/conditions/?q=pain&ordering=-studies",
        "/conditions/?q=pain&ordering=certainty",
        "/api/v1/conditions/?q=pain&ordering=studies",
        "/mechanisms/?q=glial",
        "/api/v1/mechanisms/?q=glial",
        "/studies/?q=pain&ordering=-level",
        "/api/v1/studies/?q=pain&ordering=title",
    ],
)
def test_a_query_combines_with_every_sort_and_counted_list(client, url):
    """Ranking runs in the list's own query: counts and sorts join it as
    subqueries, never as a GROUP BY (SQLite's bm25 cannot run in one)."""
    condition = make_condition(name="Pain syndrome", slug="pain-syndrome")
    mechanism = make_mechanism(name="Glial modulation", slug="glial")
    condition.mechanisms.add(mechanism)
    study = make_study(title="Pain and glial cells")
    study.mechanisms.add(mechanism)
    make_finding(study=study, condition=condition)
    response = client.get(url)
    assert response.status_code == 200, url
