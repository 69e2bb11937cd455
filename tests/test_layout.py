"""The shared layout: main navigation state and the header search box."""

from __future__ import annotations

import pytest

from tests.factories import make_condition, make_study

pytestmark = pytest.mark.django_db


def test_navigation_marks_the_current_section(client):
    study = make_study()
    listing = client.get("/studies/").content.decode()
    detail = client.get(study.get_absolute_url()).content.decode()
    home = client.get("/").content.decode()
    assert 'aria-current="page">Studies</a>' in listing
    assert 'aria-current="true">Studies</a>' in detail
    assert "aria-current" not in home.split("</nav>")[0]
    assert listing.count("aria-current") == 1


def test_header_search_box_gives_way_to_the_search_page_own_box(client):
    assert 'id="site-search-q"' in client.get("/glossary/").content.decode()
    page = client.get("/search/", {"q": "pain"}).content.decode()
    assert 'id="site-search-q"' not in page
    assert 'name="q"' in page and 'value="pain"' in page


def test_studies_list_offers_a_way_past_the_filters(client):
    for _ in range(3):
        make_study()
    page = client.get("/studies/").content.decode()
    assert '<a href="#results-heading">Skip the filters: 3 studies</a>' in page
    assert 'id="results-heading"' in page
    invalid = client.get("/studies/", {"year_min": "x"}).content.decode()
    assert "Skip the filters" not in invalid


def test_conditions_list_offers_a_way_past_the_filters(client):
    make_condition()
    page = client.get("/conditions/").content.decode()
    assert '<a href="#results-heading">Skip the filters: 1 condition</a>' in page
