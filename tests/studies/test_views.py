"""Public study pages: the filtered list, a study's page and the grading page."""

from __future__ import annotations

import datetime
import html
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from studies import exports
from studies.evidence import (
    DESIGN_LEVEL,
    IMPRECISION_MIN_PARTICIPANTS,
    RULE_TEXT,
    Certainty,
    Design,
    EvidenceLevel,
)
from studies.exports import citation, formatted_citation
from studies.models import StudyMechanism
from studies.views import registry_url
from tests.factories import (
    HIDDEN_STATES,
    make_condition,
    make_finding,
    make_mechanism,
    make_study,
)
from tests.pages import XSS
from tests.queries import queries_at_5_and_50

pytestmark = pytest.mark.django_db

LIST_URL = reverse("studies:list")


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [study.title for study in response.context["object_list"]]


def text_of(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


# --- the list --------------------------------------------------------------------


@pytest.fixture
def library():
    pain = make_condition(name="Chronic pain", slug="pain", category="pain_syndrome")
    ms = make_condition(name="MS", slug="ms", category="neurological")
    rct = make_study(
        title="Naltrexone for fibromyalgia",
        authors="Younger J, Mackey S",
        year=2013,
        design="rct",
        doi="10.1002/art.38187",
        sample_size=31,
        key_finding="Pain fell more on LDN than on placebo.",
    )
    cohort = make_study(title="A cohort", year=2019, design="cohort", authors="Roe A")
    review = make_study(title="A review", year=2021, design="narrative_review")
    make_finding(study=rct, condition=pain, direction="benefit")
    make_finding(study=rct, condition=pain, outcome="fatigue", direction="no_effect")
    make_finding(study=cohort, condition=ms, direction="no_effect")
    make_finding(study=review, condition=pain, direction="mixed")
    return {"rct": rct, "cohort": cohort, "review": review}


def test_the_list_shows_each_study_with_its_facts_and_directions(client, library):
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert "studies/study_list.html" in [t.name for t in response.templates]
    rct = library["rct"]
    body = response.content.decode()
    assert f'href="{rct.get_absolute_url()}"' in body
    text = text_of(response)
    assert "3 studies." in text
    for expected in [
        "Naltrexone for fibromyalgia",
        "Younger J, Mackey S",
        "Journal of Pain",
        "2013",
        "Randomised controlled trial",
        "Level 2: randomised controlled trial",
        "Participants 31",
        "Pain fell more on LDN than on placebo.",
        "✓ 1 benefit",
        "○ 1 no effect",
        "± 1 mixed",
        "Chronic pain",
    ]:
        assert expected in text, expected


def test_the_form_has_human_labels_and_published_conditions_only(client, library):
    for state, fields in HIDDEN_STATES.items():
        make_condition(name="Hidden condition", slug=f"h-{state}", **fields)
    response = client.get(LIST_URL)
    body = response.content.decode()
    for label in [
        "Search studies",
        "Condition",
        "Study design",
        "Evidence level",
        "Finding direction",
        "From year",
        "To year",
        "Has a DOI",
        "Sort by",
    ]:
        assert f">{label}</" in body, label
    assert re.search(r'<option value="pain">Chronic pain \(\d+\)</option>', body)
    assert "Hidden condition" not in body
    assert '<form method="get"' in body


GOOD = [
    ({"q": "fibromyalgia"}, {"Naltrexone for fibromyalgia"}),
    ({"q": "ROE"}, {"A cohort"}),
    ({"condition": "pain"}, {"Naltrexone for fibromyalgia", "A review"}),
    ({"category": "neurological"}, {"A cohort"}),
    ({"design": "rct"}, {"Naltrexone for fibromyalgia"}),
    ({"design": ["rct", "cohort"]}, {"Naltrexone for fibromyalgia", "A cohort"}),
    ({"level": "3"}, {"A cohort"}),
    ({"level": "5"}, {"A review"}),
    ({"direction": "no_effect"}, {"Naltrexone for fibromyalgia", "A cohort"}),
    ({"direction": "mixed"}, {"A review"}),
    ({"year_min": "2019"}, {"A cohort", "A review"}),
    ({"year_max": "2019"}, {"Naltrexone for fibromyalgia", "A cohort"}),
    ({"year_min": "2014", "year_max": "2020"}, {"A cohort"}),
    ({"has_doi": "true"}, {"Naltrexone for fibromyalgia"}),
    ({"has_doi": "false"}, {"A cohort", "A review"}),
]


@pytest.mark.parametrize(("params", "expected"), GOOD)
def test_each_filter_narrows_the_list(client, library, params, expected):
    response = client.get(LIST_URL, params)
    assert set(titles(response)) == expected
    count = len(expected)
    assert f"{count} {'study' if count == 1 else 'studies'}." in text_of(response)


def test_the_filter_state_is_kept_in_the_form(client, library):
    response = client.get(LIST_URL, {"q": "cohort", "design": "cohort", "level": "3"})
    body = response.content.decode()
    assert 'name="q" value="cohort"' in body
    assert 'value="cohort" id="id_design_6" checked' in body
    assert '<option value="3" selected>' in body


BAD = [
    ("year_min", "abc", "Enter a whole number."),
    ("year_min", "99999999999999999999", "less than or equal to 2100"),
    ("year_max", "1200", "greater than or equal to 1960"),
    ("design", "zzz", "zzz is not one of the available choices"),
    ("level", "9", "9 is not one of the available choices"),
    ("direction", "zzz", "zzz is not one of the available choices"),
    ("has_doi", "maybe", "maybe is not one of the available choices"),
    ("condition", "unknown", "That choice is not one of the available choices"),
    ("category", "zzz", "zzz is not one of the available choices"),
    ("ordering", "zzz", "zzz is not one of the available choices"),
    ("q", "pain\x00", "Null characters are not allowed."),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD)
def test_an_invalid_value_is_a_400_with_the_error_beside_its_field(
    client, library, name, value, message
):
    response = client.get(LIST_URL, {name: value})
    assert response.status_code == 400
    assert "studies/study_list.html" in [t.name for t in response.templates]
    body = response.content.decode()
    error = re.search(
        rf'<p class="field-error" id="id_{name}_error"[^>]*>(.*?)</p>', body
    )
    assert error, body
    assert message in html.unescape(error.group(1))
    assert response.context["object_list"].count() == 0
    assert "correct the field marked above" in body


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_a_hidden_condition_slug_is_refused_like_an_unknown_one(client, state):
    make_condition(slug="secret", **HIDDEN_STATES[state])
    response = client.get(LIST_URL, {"condition": "secret"})
    assert response.status_code == 400
    assert 'id="id_condition_error"' in response.content.decode()


def test_odd_parameters_never_give_a_server_error(client, library):
    for params in [
        {"page": "abc"},
        {"page": "99999999999999999999"},
        {"unknown": "x"},
        {"q": "x" * 5000},
        {"year_min": "-1"},
        {"design": ["rct", "rct\x00"]},
        {"ordering": "-level,title"},
    ]:
        assert client.get(LIST_URL, params).status_code in (200, 400, 404), params


@pytest.fixture
def sortable():
    make_study(title="beta", year=2015, design="cohort")
    make_study(title="Alpha", year=2020, design="case_report")
    make_study(title="gamma", year=None, design="meta_analysis")
    make_study(title="Delta", year=2010, design="rct")


SORTS = [
    (None, ["Alpha", "beta", "Delta", "gamma"]),
    ("-year", ["Alpha", "beta", "Delta", "gamma"]),
    ("year", ["Delta", "beta", "Alpha", "gamma"]),
    ("title", ["Alpha", "beta", "Delta", "gamma"]),
    ("-title", ["gamma", "Delta", "beta", "Alpha"]),
    ("level", ["gamma", "Delta", "beta", "Alpha"]),
    ("-level", ["Alpha", "beta", "Delta", "gamma"]),
]


@pytest.mark.parametrize(("ordering", "expected"), SORTS)
def test_each_sort_orders_the_list_both_ways(client, sortable, ordering, expected):
    params = {"ordering": ordering} if ordering else {}
    assert titles(client.get(LIST_URL, params)) == expected


def test_the_sort_options_are_named_in_words(client):
    body = client.get(LIST_URL).content.decode()
    for label in [
        "Year, newest first (default)",
        "Year, oldest first",
        "Title, A to Z",
        "Title, Z to A",
        "Evidence level, strongest first",
        "Evidence level, weakest first",
    ]:
        assert label in body


def test_it_pages_by_20_and_404s_past_the_end(client):
    for n in range(25):
        make_study(title=f"Study {n:02}", year=2000 + n)
    first = client.get(LIST_URL)
    assert len(titles(first)) == 20
    assert "25 studies, page 1 of 2." in text_of(first)
    assert 'href="?page=2"' in first.content.decode()
    second = client.get(LIST_URL, {"page": 2})
    assert titles(second) == [f"Study {n:02}" for n in range(4, -1, -1)]
    assert client.get(LIST_URL, {"page": 3}).status_code == 404
    assert client.get(LIST_URL, {"page": 999}).status_code == 404


def test_paging_keeps_the_filters(client):
    for n in range(25):
        make_study(title=f"Cohort {n}", design="cohort")
    make_study(title="Trial", design="rct")
    body = client.get(LIST_URL, {"design": "cohort"}).content.decode()
    assert 'href="?design=cohort&amp;page=2"' in body


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_hidden_studies_never_appear_in_the_list(client, state):
    make_study(title="Public study")
    make_study(title="Hidden study", **HIDDEN_STATES[state])
    response = client.get(LIST_URL)
    assert titles(response) == ["Public study"]
    assert "Hidden study" not in response.content.decode()


def test_directions_in_the_list_count_public_findings_only(client):
    study = make_study(title="Mixed bag")
    make_finding(study=study, direction="benefit")
    make_finding(
        study=study,
        condition=make_condition(name="Draft condition", **HIDDEN_STATES["draft"]),
        direction="harm",
    )
    text = text_of(client.get(LIST_URL))
    assert "✓ 1 benefit" in text
    assert "harm" not in text
    assert "Draft condition" not in text
    # Filtering by direction goes through public findings too.
    assert titles(client.get(LIST_URL, {"direction": "harm"})) == []


def add_studies_with_findings(n: int) -> None:
    condition = make_condition()
    for _ in range(n):
        study = make_study(design="rct", doi="")
        make_finding(study=study, condition=condition)
        make_finding(study=study, condition=condition, outcome="sleep")


@pytest.mark.parametrize(
    ("query", "finding_counts", "study_counts"),
    [
        ("", 1, 1),
        ("?design=rct&level=2&direction=benefit&has_doi=false&year_min=2000", 2, 3),
        ("?design=rct&year_min=2000", 1, 2),
        ("?ordering=-level&q=study", 1, 1),
    ],
)
def test_the_list_runs_a_fixed_number_of_queries(
    client, query, finding_counts, study_counts
):
    small, large = queries_at_5_and_50(
        client, LIST_URL + query, add_studies_with_findings
    )
    print(f"study list{query}: {small} queries at 5 studies, {large} at 50")
    # count; the page of studies; their public findings with conditions (prefetch);
    # the published conditions for the condition select. For the numbers beside
    # the choices, the published conditions, then one query of counts over the
    # findings (condition, category, direction) for each set of other filters
    # they share (a chosen direction is counted apart, as its count leaves it
    # out), and likewise over the studies (design, level, DOI); with `q`, the
    # condition names and synonyms.
    assert small == large == 4 + 1 + finding_counts + study_counts + ("q=" in query)


def test_filtering_by_condition_adds_only_the_lookup_of_that_condition(client):
    condition = make_condition(slug="target")

    def add(n):
        for _ in range(n):
            make_finding(study=make_study(), condition=condition)

    small, large = queries_at_5_and_50(client, LIST_URL + "?condition=target", add)
    # The list's 8 (see above) and the lookup of the condition.
    assert small == large == 9


# --- a study's page -------------------------------------------------------------


@pytest.fixture
def full_study():
    fibro = make_condition(name="Fibromyalgia")
    ms = make_condition(name="Multiple sclerosis")
    mechanism = make_mechanism(name="Glial modulation")
    study = make_study(
        title="Low-dose naltrexone for fibromyalgia",
        slug="younger-2013",
        authors="Younger J, Noor N, McCue R, Mackey S",
        journal="Arthritis & Rheumatism",
        year=2013,
        volume="65",
        issue="2",
        pages="529-538",
        doi="10.1002/art.37734",
        pmid=23359310,
        registry_id="NCT00568555",
        design="crossover_rct",
        sample_size=31,
        dose="4.5 mg nightly",
        duration="10 weeks",
        summary="A **crossover** trial.",
        key_finding="Pain fell by 28.8% on LDN against 18.0% on placebo.",
        last_reviewed=datetime.date(2026, 3, 1),
        next_review_due=datetime.date(2027, 3, 1),
    )
    StudyMechanism.objects.create(study=study, mechanism=mechanism)
    make_finding(study=study, condition=fibro, effect="Pain fell by 28.8%.")
    make_finding(
        study=study,
        condition=fibro,
        outcome="fatigue",
        direction="no_effect",
        effect="Fatigue did not change.",
    )
    make_finding(study=study, condition=ms, outcome="mood", direction="harm")
    return study


def test_the_study_page_shows_the_full_citation_links_and_facts(client, full_study):
    response = client.get(full_study.get_absolute_url())
    assert response.status_code == 200
    assert "studies/study_detail.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert 'href="https://doi.org/10.1002/art.37734"' in body
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/23359310/"' in body
    assert 'href="https://clinicaltrials.gov/study/NCT00568555"' in body
    text = text_of(response)
    for expected in [
        "Younger J, Noor N, McCue R, Mackey S Arthritis & Rheumatism 2013",
        "Crossover randomised controlled trial",
        "Level 2: randomised controlled trial",
        "Participants 31",
        "Dose 4.5 mg nightly",
        "Duration 10 weeks",
        "Key finding: Pain fell by 28.8% on LDN against 18.0% on placebo.",
        "Fibromyalgia Pain: ✓ Benefit. Pain fell by 28.8%.",
        "Fatigue: ○ No effect. Fatigue did not change.",
        "Multiple sclerosis Mood: ✗ Harm.",
        "Glial modulation",
        "Last reviewed 1 March 2026",
        "Next review due 1 March 2027",
    ]:
        assert expected in text, expected
    assert "<strong>crossover</strong>" in body
    api_url = reverse("study-detail", args=[full_study.pk])
    for fmt in ["ris", "bibtex", "csljson", "csv"]:
        assert f'href="{api_url}?format={fmt}"' in body


def citation_text(response) -> str:
    """The formatted citation's HTML, as the page shows it."""
    assert response.status_code == 200
    body = response.content.decode()
    match = re.search(r'<p class="citation-text"[^>]*>(.*?)</p>', body, re.S)
    assert match, "no formatted citation"
    return match.group(1)


def test_the_study_page_offers_a_vancouver_citation_to_copy(client, full_study):
    response = client.get(full_study.get_absolute_url())
    assert html.unescape(citation_text(response)) == (
        "Younger J, Noor N, McCue R, Mackey S. Low-dose naltrexone for fibromyalgia. "
        "Arthritis & Rheumatism. 2013;65(2):529–38. doi:10.1002/art.37734 "
        "PubMed PMID: 23359310."
    )
    body = response.content.decode()
    assert "<figcaption>Vancouver citation, ready to copy</figcaption>" in body
    assert "data-copy-button" in body
    assert 'src="/static/ldnsite/copy-citation.js" defer' in body
    assert "<script>" not in body  # no inline script


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (
            "apa",
            "Younger, J., Noor, N., McCue, R., &amp; Mackey, S. (2013). Low-dose "
            "naltrexone for fibromyalgia. <i>Arthritis &amp; Rheumatism</i>, "
            "<i>65</i>(2), 529–538. https://doi.org/10.1002/art.37734",
        ),
        (
            "ama",
            "Younger J, Noor N, McCue R, Mackey S. Low-dose naltrexone for "
            "fibromyalgia. <i>Arthritis &amp; Rheumatism</i>. 2013;65(2):529-538. "
            "doi:10.1002/art.37734",
        ),
    ],
)
def test_apa_and_ama_are_on_offer(client, full_study, style, expected):
    response = client.get(full_study.get_absolute_url(), {"style": style})
    assert citation_text(response) == expected
    body = response.content.decode()
    label = exports.CITATION_STYLES[style].label
    assert f'<a href="?style={style}#cite-heading" aria-current="true">{label}</a>' in (
        body
    )
    assert '<a href="?style=vancouver#cite-heading">Vancouver</a>' in body


@pytest.mark.parametrize("style", ["harvard", "", "APA", "x" * 500, "%00"])
def test_an_unknown_style_gives_the_vancouver_citation(client, full_study, style):
    response = client.get(full_study.get_absolute_url(), {"style": style})
    assert citation_text(response).startswith("Younger J, Noor N, McCue R, Mackey S.")
    assert "aria-current" in response.content.decode()


def test_the_citation_styles_are_parsed_once_not_per_request(
    client, full_study, monkeypatch
):
    parsed = []
    real = exports.CitationStylesStyle

    def counting(*args, **kwargs):
        parsed.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(exports, "CitationStylesStyle", counting)
    for _ in range(3):
        for style in ["vancouver", "apa", "ama"]:
            citation_text(client.get(full_study.get_absolute_url(), {"style": style}))
    assert len(parsed) <= 3  # at most once per style, whatever was cached before


def test_a_truncated_author_list_ends_in_one_full_stop(client):
    study = make_study(authors="Bested K, et al.", journal="Gut", year=2015)
    text = citation_text(client.get(study.get_absolute_url()))
    assert text.startswith("Bested K, et al. Study ")
    assert ".." not in text


def test_the_issue_is_kept_when_there_is_no_volume():
    study = make_study(journal="Gut", year=2015, volume="", issue="3", pages="7-9")
    assert "Gut. 2015;(3):7–9." in formatted_citation(citation(study))


def test_a_long_author_list_is_cut_after_six_names_in_vancouver():
    study = make_study(
        title="Seven authors.",
        authors="Ash A, Birch B, Cedar C, Dale D, Elm E, Fern F, Gorse G",
    )
    assert formatted_citation(citation(study)).startswith(
        "Ash A, Birch B, Cedar C, Dale D, Elm E, Fern F, et al. Seven authors. "
    )


def test_a_title_cannot_run_script_in_the_citation(client):
    study = make_study(title=XSS, journal="J <b>Bold</b> & Co")
    text = citation_text(client.get(study.get_absolute_url()))
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "J &lt;b&gt;Bold&lt;/b&gt; &amp; Co" in text


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"authors": ""}, "authors are"),
        ({"journal": ""}, "journal is"),
        ({"year": None}, "year is"),
        ({"authors": "", "journal": "", "year": None}, "authors, journal and year are"),
    ],
)
def test_a_study_without_a_full_citation_says_so(client, fields, missing):
    study = make_study(**fields)
    response = client.get(study.get_absolute_url())
    body = response.content.decode()
    assert "Citation incomplete" in body
    assert f"This study's {missing} not recorded" in body
    assert "Cite this study" not in body and "citation-text" not in body
    api_url = reverse("study-detail", args=[study.pk])
    for fmt in ["ris", "bibtex", "csljson"]:
        assert f"?format={fmt}" not in body
    assert f'href="{api_url}?format=csv"' in body


def test_the_study_page_carries_highwire_citation_tags(client, full_study):
    body = client.get(full_study.get_absolute_url()).content.decode()
    tags = re.findall(r'<meta name="(citation_\w+)" content="([^"]*)">', body)
    assert tags == [
        ("citation_title", "Low-dose naltrexone for fibromyalgia"),
        ("citation_author", "Younger, J."),
        ("citation_author", "Noor, N."),
        ("citation_author", "McCue, R."),
        ("citation_author", "Mackey, S."),
        ("citation_publication_date", "2013"),
        ("citation_journal_title", "Arthritis &amp; Rheumatism"),
        ("citation_volume", "65"),
        ("citation_issue", "2"),
        ("citation_firstpage", "529"),
        ("citation_lastpage", "538"),
        ("citation_doi", "10.1002/art.37734"),
        ("citation_pmid", "23359310"),
        ("citation_public_url", f"http://testserver{full_study.get_absolute_url()}"),
    ]


def test_highwire_tags_are_only_those_with_values(client):
    study = make_study(authors="", journal="", year=None, volume="", pages="")
    body = client.get(study.get_absolute_url()).content.decode()
    names = re.findall(r'<meta name="(citation_\w+)"', body)
    assert names == ["citation_title", "citation_public_url"]


def test_a_registry_id_that_is_not_an_nct_number_is_shown_as_text(client):
    study = make_study(registry_id="ISRCTN12345678")
    body = client.get(study.get_absolute_url()).content.decode()
    assert "Trial registry: ISRCTN12345678" in body
    assert "clinicaltrials.gov" not in body


def test_registry_links():
    assert registry_url("nct01234567") == "https://clinicaltrials.gov/study/NCT01234567"
    assert registry_url("NCT123") == ""
    assert registry_url("EUCTR2010-01") == ""


def test_the_study_page_has_open_graph_and_a_description(client, full_study):
    body = client.get(full_study.get_absolute_url()).content.decode()
    assert '<meta property="og:type" content="article">' in body
    assert (
        '<meta property="og:title" content="Low-dose naltrexone for fibromyalgia">'
        in body
    )
    assert '<meta name="description" content="Pain fell by 28.8% on LDN' in body
    assert (
        f'<link rel="canonical" href="http://testserver{full_study.get_absolute_url()}">'
        in body
    )


def json_ld(response) -> dict:
    body = response.content.decode()
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', body, re.S
    )
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_the_study_page_describes_itself_as_a_scholarly_article(client, full_study):
    data = json_ld(client.get(full_study.get_absolute_url()))
    assert data["@type"] == "ScholarlyArticle"
    assert data["headline"] == data["name"] == "Low-dose naltrexone for fibromyalgia"
    assert data["author"][0] == {
        "@type": "Person",
        "name": "J. Younger",
        "familyName": "Younger",
        "givenName": "J.",
    }
    assert len(data["author"]) == 4
    assert data["datePublished"] == "2013"
    issue = data["isPartOf"]
    assert issue["@type"] == "PublicationIssue" and issue["issueNumber"] == "2"
    volume = issue["isPartOf"]
    assert volume["@type"] == "PublicationVolume" and volume["volumeNumber"] == "65"
    assert volume["isPartOf"] == {
        "@type": "Periodical",
        "name": "Arthritis & Rheumatism",
    }
    assert data["pagination"] == "529-538"
    assert {
        "@type": "PropertyValue",
        "propertyID": "DOI",
        "value": "10.1002/art.37734",
    } in data["identifier"]
    assert data["sameAs"] == [
        "https://doi.org/10.1002/art.37734",
        "https://pubmed.ncbi.nlm.nih.gov/23359310/",
    ]
    assert data["url"] == f"http://testserver{full_study.get_absolute_url()}"
    assert [c["name"] for c in data["about"]] == ["Fibromyalgia", "Multiple sclerosis"]
    assert {c["@type"] for c in data["about"]} == {"MedicalCondition"}


def test_json_ld_without_a_journal_names_the_periodical_nowhere(client):
    study = make_study(journal="", volume="", issue="", year=None, authors="")
    data = json_ld(client.get(study.get_absolute_url()))
    assert "isPartOf" not in data and "author" not in data
    assert "datePublished" not in data and "identifier" not in data


def test_a_title_cannot_end_the_json_ld_block(client):
    title = "</script><script>alert(1)</script>"
    study = make_study(title=title, key_finding=title)
    body = client.get(study.get_absolute_url()).content.decode()
    block = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', body, re.S
    ).group(1)
    assert "</script" not in block.lower() and "<" not in block
    assert json.loads(block)["name"] == title
    assert "<script>alert(1)" not in body


def test_a_study_summary_cannot_run_script(client):
    study = make_study(summary=XSS, key_finding=XSS, dose=XSS, title="XSS " + XSS)
    make_finding(study=study, effect=XSS)
    for url in [study.get_absolute_url(), LIST_URL, reverse("conditions:home")]:
        body = client.get(url).content.decode().lower()
        assert "<script>alert" not in body
        assert "<img src=x" not in body
        assert 'href="javascript:' not in body


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_a_hidden_study_is_404_for_the_public(client, state):
    study = make_study(**HIDDEN_STATES[state])
    assert client.get(study.get_absolute_url()).status_code == 404
    short = reverse("studies:detail-short", args=[study.pk])
    assert client.get(short).status_code == 404


def test_the_short_and_wrong_slug_addresses_redirect_to_the_canonical_one(client):
    study = make_study(slug="right")
    for url in [
        reverse("studies:detail-short", args=[study.pk]),
        reverse("studies:detail", kwargs={"pk": study.pk, "slug": "wrong"}),
    ]:
        response = client.get(url)
        assert response.status_code == 301
        assert response["Location"] == study.get_absolute_url()


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_findings_of_a_hidden_condition_are_not_shown_on_a_public_study(client, state):
    study = make_study()
    make_finding(study=study, condition=make_condition(name="Shown condition"))
    make_finding(
        study=study,
        condition=make_condition(name="Secret condition", **HIDDEN_STATES[state]),
        effect="Secret effect.",
    )
    response = client.get(study.get_absolute_url())
    body = response.content.decode()
    assert "Shown condition" in body
    assert "Secret condition" not in body and "Secret effect." not in body
    assert [c["name"] for c in json_ld(response)["about"]] == ["Shown condition"]


def test_staff_preview_a_draft_study_with_its_findings(client, editor):
    study = make_study(title="Draft study", **HIDDEN_STATES["draft"])
    make_finding(study=study, condition=make_condition(name="Public condition"))
    client.force_login(editor)
    body = client.get(study.get_absolute_url()).content.decode()
    assert "Draft — not public." in body
    assert "Public condition" in body


def test_the_study_page_runs_a_fixed_number_of_queries(client):
    study = make_study()

    def add(n):
        for _ in range(n):
            make_finding(study=study, condition=make_condition())
            StudyMechanism.objects.create(study=study, mechanism=make_mechanism())

    small, large = queries_at_5_and_50(client, study.get_absolute_url(), add)
    print(f"study page: {small} queries at 5 findings, {large} at 50")
    # the study with its reviewer; its findings with conditions; its mechanisms
    assert small == large == 3


# --- how we grade evidence -------------------------------------------------------


def test_the_grading_page_states_the_rule_from_the_code(client):
    response = client.get(reverse("studies:evidence"))
    assert response.status_code == 200
    assert "studies/evidence.html" in [t.name for t in response.templates]
    text = text_of(response)
    for level in EvidenceLevel:
        assert level.label in text
    for design in Design:
        assert design.label in text
    for rule in RULE_TEXT.values():
        assert rule in text or capfirst(rule) in text
    for certainty in Certainty:
        assert certainty.label in text
    assert f"fewer than {IMPRECISION_MIN_PARTICIPANTS} participants" in text.lower()
    assert "counting them as well would count the same patients twice" in text
    assert "Grade A" not in text
    assert "Not medical advice." in text


def test_each_level_lists_the_designs_the_code_gives_it(client):
    response = client.get(reverse("studies:evidence"))
    levels = {level["value"]: level["designs"] for level in response.context["levels"]}
    for design, level in DESIGN_LEVEL.items():
        assert Design(design).label in [d["label"] for d in levels[level]]


def test_the_grading_page_shows_the_evidence_map_of_public_findings(client):
    condition = make_condition(name="Fibromyalgia")
    make_finding(condition=condition, direction="benefit", participants=30)
    make_finding(condition=condition, direction="no_effect", participants=200)
    make_finding(condition=condition, study=make_study(**HIDDEN_STATES["draft"]))
    make_finding(condition=make_condition(name="Draft one", **HIDDEN_STATES["draft"]))
    response = client.get(reverse("studies:evidence"))
    body = response.content.decode()
    assert '<th scope="row"><a href="/conditions/' in body
    assert "No clear benefit, very low certainty (2 studies)" in body
    assert f'href="/conditions/{condition.slug}/#outcome-pain"' in body
    assert "Draft one" not in body


def test_the_grading_page_runs_a_fixed_number_of_queries(client):
    def add(n):
        for _ in range(n):
            condition = make_condition()
            make_finding(condition=condition)
            make_finding(condition=condition, outcome="fatigue", direction="harm")

    small, large = queries_at_5_and_50(client, reverse("studies:evidence"), add)
    print(f"evidence page: {small} queries at 5 conditions, {large} at 50")
    # the published conditions; their stored summaries
    assert small == large == 2


def test_condition_published_after_start_up_is_a_valid_filter(client):
    """The filter's choices are read per request, not frozen when the module loads."""
    condition = make_condition(published_at=timezone.now())
    make_finding(condition=condition, study=make_study(title="Just published"))
    page = client.get(reverse("studies:list"), {"condition": condition.slug})
    api = client.get("/api/v1/findings/", {"condition": condition.slug})
    assert page.status_code == 200
    assert "Just published" in page.content.decode()
    assert api.status_code == 200 and api.json()["count"] == 1
