"""Reading citation files: each format, awkward names, malformed files and records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studies import citation_formats
from studies.citation_formats import (
    DESIGN_NOT_STATED,
    CitationFileError,
    decode_upload,
    detect_format,
    expand_pages,
    parse_citations,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "citations"


def read(name: str, **kwargs):
    return parse_citations((FIXTURES / name).read_text(), filename=name, **kwargs)


def by_position(records):
    return {r.position: r for r in records}


# --- detection and bytes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ldn-studies.ris", "ris"),
        ("ldn-studies.bib", "bibtex"),
        ("pubmed-ldn.nbib", "nbib"),
        ("ldn-items.json", "csljson"),
        ("ldn-export.csv", "csv"),
    ],
)
def test_it_detects_each_format_from_the_content(name, expected):
    assert detect_format((FIXTURES / name).read_text()) == expected
    assert read(name)[0] == expected


def test_a_chosen_format_overrides_detection():
    with pytest.raises(CitationFileError, match="No RIS record"):
        read("pubmed-ldn.nbib", format="ris")


def test_text_of_no_known_format_is_refused_plainly():
    with pytest.raises(CitationFileError, match="Could not tell the format"):
        parse_citations("Younger J. Some paper. 2014.")


def test_an_unknown_format_name_is_refused():
    with pytest.raises(CitationFileError, match="Unknown format"):
        parse_citations("TY  - JOUR\nER  - \n", format="endnote")


def test_it_refuses_bytes_that_are_not_utf8():
    with pytest.raises(CitationFileError, match="not UTF-8 text .*line 2"):
        decode_upload(b"TY  - JOUR\nTI  - Caf\xe9\nER  - \n", name="latin1.ris")


def test_it_refuses_nul_bytes():
    with pytest.raises(CitationFileError, match="NUL bytes"):
        decode_upload("TY  - JOUR\n".encode("utf-16"), name="utf16.ris")
    with pytest.raises(CitationFileError, match="NUL"):
        parse_citations("TY  - JOUR\nTI  - a\x00b\nER  - \n")


def test_it_refuses_a_huge_file_before_reading_it(monkeypatch):
    monkeypatch.setattr(citation_formats, "MAX_FILE_BYTES", 100)
    with pytest.raises(CitationFileError, match="the limit is"):
        decode_upload(b"x" * 101, name="big.ris")
    with pytest.raises(CitationFileError, match="larger than"):
        parse_citations("x" * 101)


def test_it_refuses_more_records_than_the_limit(monkeypatch):
    monkeypatch.setattr(citation_formats, "MAX_RECORDS", 2)
    text = "TY  - JOUR\nTI  - A\nER  - \n" * 3
    with pytest.raises(CitationFileError, match="holds 3 records; the limit is 2"):
        parse_citations(text)


def test_an_empty_file_is_refused():
    with pytest.raises(CitationFileError, match="empty"):
        parse_citations("  \n")


def test_it_decodes_utf8_with_a_byte_order_mark():
    text = decode_upload("\ufeffTY  - JOUR\nTI  - Småbrekke\nER  - \n".encode())
    assert parse_citations(text)[1][0].values["title"] == "Småbrekke"


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ("451-9", "451-459"),
        ("1203-10", "1203-1210"),
        ("e31-e39", "e31-e39"),
        ("177–180", "177-180"),
        ("64", "64"),
    ],
)
def test_page_ranges_are_written_out_in_full(pages, expected):
    assert expand_pages(pages) == expected


# --- RIS ------------------------------------------------------------------------------


def test_ris_records_with_their_fields_and_what_was_ignored():
    records = by_position(read("ldn-studies.ris")[1])
    first = records[1]
    assert first.values["title"] == (
        "The Use of Low-Dose Naltrexone (LDN) as a Novel Anti-Inflammatory "
        "Treatment for Chronic Pain"
    )
    assert first.values["authors"][0] == {"family": "Younger", "given": "Jarred"}
    assert first.values["journal"] == "Clinical Rheumatology"
    assert (first.values["year"], first.values["volume"], first.values["issue"]) == (
        2014,
        "33",
        "4",
    )
    assert first.values["pages"] == "451-459"
    assert first.values["doi"] == "10.1007/s10067-014-2517-2"
    assert first.values["url"] == ""  # the doi.org link is the DOI, not a URL
    assert first.ignored == ["issn (SN)", "language (LA)"]
    assert first.notes == [DESIGN_NOT_STATED]
    assert first.values["design"] == "other"

    trial = records[2]
    assert trial.values["authors"][3] == {"family": "Mackey", "given": "S."}
    assert trial.values["pmid"] == 23359310
    assert trial.values["registry_id"] == "NCT00568555"
    assert trial.values["design"] == "crossover_rct"
    assert trial.values["abstract"].startswith("Fibromyalgia is a chronic pain")
    assert "Thirty-one women" in trial.values["abstract"]

    assert records[4].values["doi"] == "10.1002/art.37734"  # resolver + case removed
    assert records[5].errors == {"title": ["The record has no title."]}
    assert records[6].values["pmid"] == 32845365  # "PMID: 32845365"
    assert records[6].values["design"] == "narrative_review"


def test_a_ris_accession_number_that_is_not_a_pmid_is_ignored_not_an_error():
    [record] = parse_citations("TY  - JOUR\nTI  - A\nAN  - WOS:000331\nER  - \n")[1]
    assert record.valid and record.values["pmid"] is None
    assert record.ignored == ["accession number (AN)"]


def test_ris_header_lines_before_the_first_record_are_skipped():
    text = "Provider: Example\nDatabase: X\n\nTY  - JOUR\nTI  - A\nER  - \n"
    [record] = parse_citations(text)[1]
    assert record.valid and record.values["title"] == "A"


def test_ris_without_any_record_is_a_malformed_file():
    with pytest.raises(CitationFileError, match="No RIS record"):
        parse_citations("Provider: Example\n", format="ris")


def test_a_ris_record_without_its_end_line_is_invalid_and_the_others_read():
    _, records = parse_citations(
        "TY  - JOUR\nTI  - Kept\nER  - \n\nTY  - JOUR\nTI  - Cut short\n"
    )
    assert records[0].valid and records[0].values["title"] == "Kept"
    assert records[1].errors == {"record": ["It has no end line (“ER  - ”)."]}


# --- BibTeX --------------------------------------------------------------------------


def test_bibtex_decodes_latex_and_reads_names_particles_groups_and_others():
    records = by_position(read("ldn-studies.bib")[1])
    raknes = records[1].values
    assert raknes["authors"] == [
        {"family": "Raknes", "given": "Guttorm"},
        {"family": "Småbrekke", "given": "Lars"},
    ]
    assert raknes["design"] == "systematic_review"
    assert records[1].ignored == ["language"]

    group = records[3].values
    assert group["authors"] == [
        {"literal": "LDN Trial Group"},
        {"family": "Doe", "given": "Jane"},
    ]
    assert group["authors_et_al"] is True
    assert group["title"] == (
        "Low-dose naltrexone in Crohn's disease: the LDN-CD open-label pilot"
    )
    assert group["journal"] == "Journal of Crohn's & Colitis"
    assert group["pages"] == "101-109"
    assert group["design"] == "open_label"

    accents = records[4].values
    assert accents["authors"] == [
        {"family": "van der Berg", "given": "Anna"},
        {"family": "González", "given": "José"},
        {"family": "Müller", "given": "K. H."},
    ]
    assert accents["abstract"].startswith("A 34-year-old woman with CRPS")
    assert accents["design"] == "case_report"
    assert records[4].ignored == ["month", "publisher"]

    assert records[2].values["pages"] == "177-180"
    assert records[2].values["pmid"] == 28325144


def test_bibtex_keeps_bare_ampersands_and_percent_signs_as_text():
    text = (
        "@article{a, title = {Pain \\& mood in 50% of patients},"
        " journal = {J Pain & Res}, year = 2020}"
    )
    [record] = parse_citations(text)[1]
    assert record.values["title"] == "Pain & mood in 50% of patients"
    assert record.values["journal"] == "J Pain & Res"


def test_a_malformed_bibtex_entry_is_invalid_and_the_next_still_reads():
    records = by_position(read("ldn-studies.bib")[1])
    assert list(records[5].errors) == ["record"]
    assert records[5].errors["record"][0].startswith("Malformed BibTeX at line")
    assert records[6].errors == {"year": ["“20x9” holds no year."]}
    assert records[6].values["title"] == "Naltrexone and sleep"


def test_bibtex_with_no_entry_is_a_malformed_file():
    with pytest.raises(CitationFileError, match="No BibTeX entry"):
        parse_citations("% just a comment\n", format="bibtex")


# --- PubMed / MEDLINE -----------------------------------------------------------


def test_nbib_prefers_full_names_expands_pages_and_reads_ids():
    records = by_position(read("pubmed-ldn.nbib")[1])
    younger = records[1]
    assert younger.values["authors"][0] == {"family": "Younger", "given": "Jarred"}
    assert younger.values["title"] == (
        "The use of low-dose naltrexone (LDN) as a novel anti-inflammatory "
        "treatment for chronic pain"
    )
    assert younger.values["pages"] == "451-459"
    assert younger.values["doi"] == "10.1007/s10067-014-2517-2"
    assert younger.values["pmid"] == 24526250
    assert younger.values["journal"] == "Clinical rheumatology"
    assert younger.values["year"] == 2014
    assert younger.values["keywords"] == ["Chronic Pain", "Naltrexone"]  # major MeSH
    assert younger.values["design"] == "narrative_review"  # PT Review
    assert "language (LA)" in younger.ignored and "ISSN (IS)" in younger.ignored

    smith = records[2].values
    assert smith["authors"][0] == {"family": "Smith", "given": "Jill P."}
    assert smith["doi"] == "10.1111/j.1572-0241.2007.01104.x"  # not the [pii]
    assert smith["pages"] == "820-828"

    trial = records[3].values
    assert trial["registry_id"] == "NCT00568555"
    assert trial["design"] == "rct"  # not "as Topic" MeSH
    assert trial["keywords"] == ["fibromyalgia", "naltrexone"]

    assert records[6].errors == {"pmid": ["The record has no PMID line."]}


def test_nbib_without_fau_uses_au_and_collective_authors():
    text = (
        "PMID- 1\nTI  - A trial.\nAU  - Younger JW\nCN  - LDN Trial Group\n"
        "DP  - 2020\nPT  - Meta-Analysis\n"
    )
    [record] = parse_citations(text)[1]
    assert record.values["authors"] == [
        {"family": "Younger", "given": "J. W."},
        {"literal": "LDN Trial Group"},
    ]
    assert record.values["design"] == "meta_analysis"


# --- CSL-JSON ---------------------------------------------------------------------


def test_csljson_reads_names_particles_dates_and_ids():
    records = by_position(read("ldn-items.json")[1])
    assert records[1].values["pmid"] == 18715727
    assert records[1].ignored == ["ISSN", "publisher"]
    patten = records[2].values
    assert patten["authors"][0] == {"family": "Patten", "given": "D. K."}
    assert patten["doi"] == "10.1002/phar.2086"
    assert patten["year"] == 2018
    berg = records[3].values
    assert berg["authors"] == [
        {"family": "van den Berg", "given": "Pieter"},
        {"literal": "Long COVID Study Group"},
    ]
    assert berg["authors_et_al"] is True
    assert berg["design"] == "cohort"
    assert records[4].errors == {
        "year": ["“spring” holds no year."],
        "title": ["The record has no title."],
    }
    assert records[5].errors == {"record": ["A CSL-JSON item must be an object."]}


def test_csljson_takes_a_single_item_and_crossref_works_json():
    item = {"title": ["One"], "author": [{"family": "Roe"}], "issued": {}}
    assert parse_citations(json.dumps(item))[1][0].values["title"] == "One"
    wrapped = json.dumps({"status": "ok", "message": item})
    assert parse_citations(wrapped)[1][0].values["authors"] == [{"family": "Roe"}]


def test_malformed_json_is_a_malformed_file_with_its_place():
    with pytest.raises(CitationFileError, match="line 1, column"):
        parse_citations('[{"title": }]', format="csljson")


# --- CSV ---------------------------------------------------------------------------


def test_our_csv_export_reads_back():
    records = by_position(read("ldn-export.csv")[1])
    bruun = records[2].values
    assert bruun["authors"] == [
        {"family": "Bruun", "given": "K. D."},
        {"family": "Christensen", "given": "R."},
        {"family": "Amris", "given": "K."},
    ]
    assert bruun["authors_et_al"] is True
    assert (bruun["design"], bruun["sample_size"]) == ("crossover_rct", 99)
    assert bruun["registry_id"] == "NCT04739995"
    assert bruun["url"].startswith("https://www.thelancet.com/")
    assert bruun["keywords"] == ["fibromyalgia", "naltrexone"]
    assert records[2].ignored == []  # id, evidence_level, html_url are derived


def test_csv_undoes_formula_neutralising_and_reports_bad_rows():
    records = by_position(read("ldn-export.csv")[1])
    assert records[3].values["title"].startswith("=Low-dose naltrexone")
    assert records[3].values["design"] == "rct"  # the design's label
    assert records[3].errors == {"sample_size": ["“-5” is not a whole number."]}
    assert records[3].label == "row 4 (Doe 2022)"
    assert list(records[4].errors) == ["record"]


def test_a_csv_without_a_title_column_is_a_malformed_file():
    with pytest.raises(CitationFileError, match="no “title” column"):
        parse_citations("name,year\nx,2020\n", format="csv")


# --- values checked by the model's rules -------------------------------------------


def test_values_are_checked_with_the_models_field_rules():
    text = (
        "TY  - JOUR\nTI  - Old\nPY  - 1901\nDO  - not-a-doi\nUR  - javascript:x\n"
        "ER  - \n"
    )
    [record] = parse_citations(text)[1]
    assert set(record.errors) == {"year", "doi", "url"}
    assert "1960" in record.errors["year"][0]


@pytest.mark.parametrize(
    ("words", "design"),
    [
        (["Randomized Controlled Trial"], "rct"),
        (["Non-Randomized Controlled Trial"], "non_randomised"),
        (["Controlled Clinical Trial"], "non_randomised"),
        (["quasi-experimental study"], "non_randomised"),
        (["Cross-Sectional Studies"], "cross_sectional"),
        (["prescription registry analysis"], "cross_sectional"),
        (["Cohort Studies"], "cohort"),
        (["Cross-Over Studies"], "crossover_rct"),
        (["Journal Article"], "other"),
    ],
)
def test_publication_types_map_to_designs(words, design):
    record = citation_formats.ParsedRecord(position=1, label="record 1")
    citation_formats.design_from_words(words, record)
    assert record.values["design"] == design
