"""Authors as data: the forms curators paste, parsed into people, and written out."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from studies.authors import (
    authors_as_lines,
    authors_line,
    format_initials,
    inverted_name,
    parse_authors,
    validate_authors,
    vancouver_name,
)
from studies.models import Study
from tests.factories import make_study

Y, M = {"family": "Younger", "given": "J."}, {"family": "Mackey", "given": "S."}

CASES = [
    ("Younger J, Mackey S", [Y, M], False),
    ("Younger, J.; Mackey, S.", [Y, M], False),
    ("Younger, J., Mackey, S.", [Y, M], False),
    ("Younger J\nMackey, S.", [Y, M], False),
    (
        "Jarred Younger and Sean Mackey",
        [
            {"family": "Younger", "given": "Jarred"},
            {"family": "Mackey", "given": "Sean"},
        ],
        False,
    ),
    (
        "Jarred Younger, Sean Mackey",
        [
            {"family": "Younger", "given": "Jarred"},
            {"family": "Mackey", "given": "Sean"},
        ],
        False,
    ),
    ("J. W. Younger", [{"family": "Younger", "given": "J. W."}], False),
    ("Younger JW", [{"family": "Younger", "given": "J. W."}], False),
    ("Younger, J.W.", [{"family": "Younger", "given": "J. W."}], False),
    ("Younger, Jarred W", [{"family": "Younger", "given": "Jarred W."}], False),
    (
        "van der Berg A, Småbrekke L, et al.",
        [
            {"family": "van der Berg", "given": "A."},
            {"family": "Småbrekke", "given": "L."},
        ],
        True,
    ),
    ("Jan van der Berg", [{"family": "van der Berg", "given": "Jan"}], False),
    (
        "de la Cruz, María José",
        [{"family": "de la Cruz", "given": "María José"}],
        False,
    ),
    ("Bested K, et al.", [{"family": "Bested", "given": "K."}], True),
    ("Parkitny L et al", [{"family": "Parkitny", "given": "L."}], True),
    ("Younger J\nMackey S\net al.", [Y, M], True),
    ("LDN Trial Group", [{"literal": "LDN Trial Group"}], False),
    (
        "Younger J; LDN Trial Group",
        [Y, {"literal": "LDN Trial Group"}],
        False,
    ),
    (
        "Younger J, Parkitny L; McLain D",
        [Y, {"family": "Parkitny", "given": "L."}, {"family": "McLain", "given": "D."}],
        False,
    ),
    ("J.-P. Martin", [{"family": "Martin", "given": "J.-P."}], False),
    ("", [], False),
]


@pytest.mark.parametrize(("text", "people", "et_al"), CASES)
def test_it_parses_the_forms_curators_paste(text, people, et_al):
    assert parse_authors(text) == (people, et_al)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("JW", "J. W."), ("J.W.", "J. W."), ("J", "J."), ("Jarred", "Jarred"), ("", "")],
)
def test_initials_are_written_with_stops_and_spaces(given, expected):
    assert format_initials(given) == expected


def test_names_are_written_in_each_citation_form():
    person = {"family": "van der Berg", "given": "J. W."}
    assert vancouver_name(person) == "van der Berg JW"
    assert inverted_name(person) == "van der Berg, J. W."
    assert authors_line([Y, M], True) == "Younger J, Mackey S, et al."
    assert authors_as_lines([Y, {"literal": "LDN Group"}], True) == (
        "Younger, J.\nLDN Group\net al."
    )


def test_admin_text_parses_back_to_the_same_people():
    people = [Y, {"family": "de la Cruz", "given": "María"}, {"literal": "LDN Group"}]
    assert parse_authors(authors_as_lines(people, True)) == (people, True)


@pytest.mark.parametrize(
    "bad",
    [
        "Younger J",
        [{"given": "J."}],
        [{"family": "Younger", "nick": "Jay"}],
        [{"literal": "Group", "family": "X"}],
        [{"family": 3}],
        ["Younger J"],
    ],
)
def test_the_stored_shape_is_validated(bad):
    with pytest.raises(ValidationError):
        validate_authors(bad)


@pytest.mark.django_db
def test_the_one_line_form_is_derived_on_every_save():
    study = make_study(authors="Younger J, Mackey S")
    assert Study.objects.get(pk=study.pk).authors_text == "Younger J, Mackey S"
    study.authors_et_al = True
    study.save()
    assert Study.objects.get(pk=study.pk).authors_text == "Younger J, Mackey S, et al."
    Study.objects.bulk_create(
        [Study(slug="bulk", title="Bulk", design="rct", authors=[M])]
    )
    assert Study.objects.get(slug="bulk").authors_text == "Mackey S"
