"""Site search `/search/?q=`: on SQLite the fallback, on PostgreSQL full-text search.

Every test runs on both backends except the index checks (PostgreSQL only).
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from ldnsite import search
from ldnsite.search import query as search_query
from ldnsite.search import text as search_text
from ldnsite.search import views as search_views
from ldnsite.search.fields import DOCUMENTS_BY_KIND
from ldnsite.search.text import MARK_START, MARK_STOP
from tests.factories import (
    HIDDEN_STATES,
    make_condition,
    make_faq,
    make_mechanism,
    make_study,
    make_term,
)
from tests.queries import queries_at_5_and_50

pytestmark = pytest.mark.django_db

URL = reverse("search")

MAKERS = {
    "Condition": make_condition,
    "Mechanism": make_mechanism,
    "Study": make_study,
    "FAQ": make_faq,
    "Glossary": make_term,
}

# Every field search reads, by type; the word is put into that field alone.
SEARCHED_FIELDS = [
    ("Condition", "name"),
    ("Condition", "aliases"),
    ("Condition", "summary"),
    ("Condition", "body"),
    ("Mechanism", "name"),
    ("Mechanism", "summary"),
    ("Mechanism", "body"),
    ("Study", "title"),
    ("Study", "authors"),
    ("Study", "journal"),
    ("Study", "key_finding"),
    ("Study", "summary"),
    ("FAQ", "question"),
    ("FAQ", "answer"),
    ("Glossary", "term"),
    ("Glossary", "definition"),
]


def get(client, q, **params):
    return client.get(URL, {"q": q, **params})


def results(response) -> list[search.Result]:
    return response.context["outcome"].results


def tags_in(fragment: str) -> set[str]:
    return {name.lower() for name in re.findall(r"</?\s*([a-zA-Z][\w-]*)", fragment)}


def results_html(response) -> str:
    body = response.content.decode()
    start = body.index('<ol class="search-results">')
    return body[start : body.index("</ol>", start)]


# --- Finding each type ------------------------------------------------------------


@pytest.mark.parametrize(("kind", "field"), SEARCHED_FIELDS)
def test_it_finds_each_type_by_each_searched_field(client, kind, field):
    item = MAKERS[kind](**{field: "Notes on zymurgy and more"})
    MAKERS[kind]()  # an item of the same type without the word

    response = get(client, "zymurgy")

    assert response.status_code == 200
    assert "ldnsite/search.html" in [t.name for t in response.templates]
    [found] = results(response)
    assert found.kind == kind
    assert found.url == item.get_absolute_url()
    body = response.content.decode()
    assert f'<a href="{item.get_absolute_url()}">' in body
    assert "1 result for “zymurgy”" in body


def test_every_word_must_match(client):
    both = make_condition(name="Alpha lupus", summary="Beta fatigue.")
    make_condition(name="Alpha lupus only")
    make_study(title="Beta fatigue only")

    assert [r.url for r in results(get(client, "lupus fatigue"))] == [
        both.get_absolute_url()
    ]


def test_a_title_match_ranks_above_a_body_match(client):
    body_match = make_condition(
        name="Chronic pain", body="Quarantine " * 5 + "is discussed at length."
    )
    summary_match = make_study(title="A trial", summary="About quarantine.")
    title_match = make_faq(question="What is quarantine?", answer="A period apart.")
    term_match = make_term(term="Quarantine", definition="Isolation.")

    found = results(get(client, "quarantine"))

    urls = [r.url for r in found]
    titles = {title_match.get_absolute_url(), term_match.get_absolute_url()}
    assert set(urls[:2]) == titles
    assert set(urls[2:]) == {
        body_match.get_absolute_url(),
        summary_match.get_absolute_url(),
    }


def test_the_item_a_query_names_ranks_above_ones_that_mention_it(client):
    named = make_condition(name="Fibromyalgia", summary="Widespread pain.")
    broader = make_condition(
        name="Centralized pain syndromes",
        summary="They include fibromyalgia; pain is amplified, pain persists.",
    )

    urls = [r.url for r in results(get(client, "fibromyalgia pain"))]

    assert urls == [named.get_absolute_url(), broader.get_absolute_url()]


@pytest.mark.parametrize(
    ("title", "terms", "coverage"),
    [
        ("Fibromyalgia", ("fibromyalgia", "pain"), 1.0),
        ("Centralized pain syndromes", ("fibromyalgia", "pain"), 1 / 3),
        ("Does LDN help fibromyalgia?", ("fibromyalgia",), 1 / 3),
        ("Chronic pain syndrome", ("syndromes",), 1 / 3),
        ("", ("pain",), 0.0),
        ("The", ("pain",), 0.0),
    ],
)
def test_title_coverage(title, terms, coverage):
    assert search_views.title_coverage(title, set(terms)) == pytest.approx(coverage)


def test_within_a_type_the_title_match_comes_first(client):
    body_match = make_study(title="Open-label pilot", summary="Notes on naloxone.")
    title_match = make_study(title="Naloxone and pain", summary="Notes.")

    urls = [r.url for r in results(get(client, "naloxone"))]

    assert urls == [title_match.get_absolute_url(), body_match.get_absolute_url()]


def test_it_highlights_the_matching_words(client):
    make_condition(
        name="Fibromyalgia",
        summary="Widespread pain. Fibromyalgia is common in women.",
    )

    response = get(client, "fibromyalgia")

    [found] = results(response)
    assert found.title_html == "<mark>Fibromyalgia</mark>"
    assert "<mark>Fibromyalgia</mark> is common" in found.snippet_html
    assert "Widespread pain" in found.snippet_html
    assert "<mark>Fibromyalgia</mark> is common" in response.content.decode()


def test_the_snippet_drops_markdown_syntax(client):
    make_mechanism(
        name="Glia",
        summary="Short.",
        body="## Heading\n\nSee [the **microglia** review](https://example.org).",
    )

    [found] = results(get(client, "microglia"))

    assert "<mark>microglia</mark>" in found.snippet_html
    for syntax in ("##", "**", "](", "https://example.org"):
        assert syntax not in found.snippet_html


# --- What the public may not see --------------------------------------------------


@pytest.mark.parametrize("state", HIDDEN_STATES)
@pytest.mark.parametrize("kind", MAKERS)
def test_unpublished_items_are_never_found(client, kind, state):
    visible = MAKERS[kind](**{DOCUMENTS_BY_KIND[kind].title: "Visible xylophone"})
    MAKERS[kind](
        **{DOCUMENTS_BY_KIND[kind].title: "Hidden xylophone"},
        **HIDDEN_STATES[state],
    )

    response = get(client, "xylophone")

    assert [r.url for r in results(response)] == [visible.get_absolute_url()]
    assert "Hidden" not in response.content.decode()
    assert "1 result for" in response.content.decode()


# --- Staff text cannot inject markup ----------------------------------------------

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">link</a>',
    "<svg onload=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("kind", MAKERS)
def test_staff_markup_never_reaches_the_page(client, kind, attack):
    source = DOCUMENTS_BY_KIND[kind]
    text = f"Before {attack} the quokka {attack} after quokka."
    MAKERS[kind](
        **{source.title: f"{attack} Quokka {attack}", source.snippet_fields[0]: text}
    )

    response = get(client, "quokka")

    assert response.status_code == 200
    [found] = results(response)
    assert tags_in(found.title_html) <= {"mark"}
    assert tags_in(found.snippet_html) <= {"mark"}
    assert "<mark>Quokka</mark>" in found.title_html
    assert "<mark>quokka</mark>" in found.snippet_html
    page = response.content.decode()
    assert tags_in(results_html(response)) <= {"ol", "li", "h3", "a", "p", "mark"}
    for raw in ("<script", "<img", "<svg", "onerror", "onload", "javascript:"):
        assert raw not in page


def marked(text: str) -> str:
    """`text` with [ and ] as the headline's match markers."""
    return text.replace("[", MARK_START).replace("]", MARK_STOP)


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        ("[pain] <script>alert(1)</script>", "<mark>pain</mark>"),
        ('<img src=x onerror="alert(1)">[pain]', "<mark>pain</mark>"),
        ("<svg onload=alert(1)>the [pain]", "the <mark>pain</mark>"),
        ("<math><mi>[pain]</mi></math>", ""),
        ('<mark onclick="alert(1)">pain</mark>', "pain"),
        ("pain < 5 & [fatigue]", "pain &lt; 5 &amp; <mark>fatigue</mark>"),
        ("a &lt;script&gt; [b]", "a &lt;script&gt; <mark>b</mark>"),
        ("cut <img src=x oner", "cut"),
        ("<!-- hidden -->[x]", "<mark>x</mark>"),
        ("unbalanced [pain and ]] [[", "unbalanced <mark>pain and </mark>"),
    ],
)
def test_a_headline_keeps_only_its_own_marks(headline, expected):
    assert search_text.marked(marked(headline)) == expected


# --- Odd queries ------------------------------------------------------------------

ODD_QUERIES = [
    "",
    " ",
    "x" * 10000,
    "pain " * 2000,
    "!!! ??? ...",
    "the and of",
    "' OR 1=1 --",
    "'; DROP TABLE studies_study; --",
    "&|!:*",
    "pain & | ! : * <-> (",
    '"unterminated phrase',
    "-",
    "\\",
    "Sjögren 痛み 🙂 Ω",
    "<script>alert(1)</script>",
    "%00",
    "\x01\x7f",
]


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_odd_queries_give_a_page(client, q):
    make_condition(name="Pain", summary="Pain and alert patients.")

    response = get(client, q)

    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Search</h1>" in body
    assert "<script>alert" not in body


@pytest.mark.parametrize("query_string", ["q=%ff%fe", "q=%ED%A0%80", "q=a%00b&q="])
def test_broken_encodings_give_a_page(client, query_string):
    response = client.get(f"{URL}?{query_string}")

    assert response.status_code == 200
    assert "<h1>Search</h1>" in response.content.decode()


def test_an_empty_query_prompts_and_suggests_lists(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Type a condition" in body
    assert f'href="{reverse("conditions:list")}"' in body
    assert f'href="{reverse("studies:list")}"' in body
    assert 'value=""' in body


@pytest.mark.parametrize("q", ["the and of", "!!! ... ???", "¿?", "&|!:*"])
def test_punctuation_or_stop_words_are_nothing_to_search_for(
    client, q, django_assert_num_queries
):
    make_condition(name="The and of")
    with django_assert_num_queries(0):
        response = get(client, q)

    assert response.status_code == 200
    assert "Nothing to search for" in response.content.decode()
    assert f'href="{reverse("conditions:list")}"' in response.content.decode()


def test_a_long_query_is_shortened_with_a_message(client):
    make_condition(name="Fibromyalgia")

    response = get(client, "fibromyalgia " + "x" * 10000)

    body = response.content.decode()
    assert response.status_code == 200
    assert "longer than 200 characters" in body
    value = re.search(r'id="search-q" type="search" name="q" value="([^"]*)"', body)
    assert len(value.group(1)) <= search_query.MAX_QUERY_LENGTH
    assert value.group(1).startswith("fibromyalgia x")


@pytest.mark.parametrize("q", ["pain\x00", "\x00", "a\x00' OR 1=1"])
def test_a_nul_byte_is_refused_before_the_database(
    client, q, django_assert_num_queries
):
    make_condition(name="Pain")
    with django_assert_num_queries(0):
        response = get(client, q)

    body = response.content.decode()
    assert response.status_code == 400
    assert "null character" in body
    assert 'aria-invalid="true"' in body
    assert "\x00" not in body
    assert response.context["outcome"].results == []


def test_no_result_says_so_and_suggests_lists(client):
    make_condition(name="Fibromyalgia")

    response = get(client, "unobtainium")

    body = response.content.decode()
    assert response.status_code == 200
    assert "No results for “unobtainium”" in body
    assert f'href="{reverse("studies:list")}"' in body


def test_the_query_is_shown_back_escaped(client):
    response = get(client, '"><script>alert(1)</script>')

    body = response.content.decode()
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in body
    assert "<script>alert(1)" not in body


def test_unknown_parameters_are_ignored(client):
    make_condition(name="Fibromyalgia")

    response = get(client, "fibromyalgia", page="x", type="\x00", order="9" * 40)

    assert response.status_code == 200
    assert len(results(response)) == 1


def test_of_two_q_the_last_counts(client):
    make_condition(name="Fibromyalgia")
    make_condition(name="Migraine")

    response = client.get(URL + "?q=fibromyalgia&q=migraine")

    assert [r.title_html for r in results(response)] == ["<mark>Migraine</mark>"]
    assert 'value="migraine"' in response.content.decode()


def test_unicode_is_searched_and_normalised(client):
    sjogren = make_condition(name="Sjögren’s syndrome")
    fibro = make_condition(name="Fibromyalgia")

    assert [r.url for r in results(get(client, "Sjögren"))] == [
        sjogren.get_absolute_url()
    ]
    # A typographic ligature ("ﬁ") finds the plain letters.
    assert [r.url for r in results(get(client, "ﬁbromyalgia"))] == [
        fibro.get_absolute_url()
    ]


def test_the_search_page_is_noindex(client):
    for q in ("", "pain"):
        body = get(client, q).content.decode()
        assert '<meta name="robots" content="noindex">' in body


# --- Caps and query counts --------------------------------------------------------


def test_results_are_capped_and_the_total_is_shown(client):
    limit = search_views.RESULT_LIMIT
    for _ in range(limit + 7):
        make_study(title="Trial of naltrexone")
    make_condition(name="Naltrexone use")

    response = get(client, "naltrexone")

    outcome = response.context["outcome"]
    assert outcome.total == limit + 8
    body = response.content.decode()
    assert f"{limit + 8} results for “naltrexone”" in body
    assert f"Studies ({limit + 7})" in body
    # All types: a few of each, and a link to each type's full list.
    assert len(response.context["groups"][-1].results) == search_views.GROUP_PREVIEW
    assert f"All {limit + 7} studies" in body

    response = get(client, "naltrexone", type="study")

    [group] = response.context["groups"]
    assert group.kind == "Study" and len(group.results) == limit
    assert f"The best {limit} are shown" in response.content.decode()


def test_queries_do_not_grow_with_the_rows(client):
    def add_rows(n):
        for _ in range(n):
            make_condition(summary="About naltrexone.")
            make_mechanism(body="Naltrexone acts here.")
            make_study(key_finding="Naltrexone helped.")
            make_faq(answer="Naltrexone, at a low dose.")
            make_term(definition="Naltrexone is an antagonist.")

    # The condition names and synonyms, then one query per type (condition,
    # glossary, FAQ, mechanism, study), each with its total as a subquery.
    assert queries_at_5_and_50(client, URL + "?q=naltrexone", add_rows) == (6, 6)


# --- The query as typed -----------------------------------------------------------


def test_parse_query_cleans_the_text():
    parsed = search_query.parse("  The  ﬁbro\tmyalgia\x01 AND pain pain ")
    assert parsed.text == "The fibro myalgia AND pain pain"
    assert parsed.terms == ("fibro", "myalgia", "pain")
    assert parsed.searchable and not parsed.notices

    assert search_query.parse("a\x00b").error
    assert not search_query.parse("a\x00b").searchable
    assert search_query.parse("of the").terms == ()
    long = search_query.parse("word " * 100)
    assert len(long.text) <= search_query.MAX_QUERY_LENGTH and long.notices


# --- PostgreSQL: the GIN indexes --------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="GIN indexes exist on PostgreSQL only"
)

INDEXES = {
    "Condition": "condition_search_gin",
    "Mechanism": "mechanism_search_gin",
    "Study": "study_search_gin",
    "FAQ": "faqentry_search_gin",
    "Glossary": "glossaryterm_search_gin",
}


@postgresql_only
@pytest.mark.parametrize("kind", INDEXES)
def test_a_gin_index_backs_each_search_vector(kind):
    model = apps.get_model(DOCUMENTS_BY_KIND[kind].label)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
            "JOIN pg_index i ON i.indexrelid = c.oid "
            "WHERE c.relname = %s AND i.indrelid = %s::regclass",
            [INDEXES[kind], model._meta.db_table],
        )
        assert cursor.fetchall() == [("gin",)]


@postgresql_only
@pytest.mark.parametrize("kind", INDEXES)
def test_the_planner_can_use_the_index_for_the_search_vector(kind):
    """The indexed expression is the one the search queries (not a near copy)."""
    source = DOCUMENTS_BY_KIND[kind]
    model = apps.get_model(source.label)
    queryset = search.matching(model.objects.all(), search_query.parse("pain fatigue"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert INDEXES[kind] in queryset.explain()
