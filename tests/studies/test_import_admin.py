"""The admin's "Import citations" and "Possible duplicates" pages."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ldnsite.editorial.pending import open_change
from ldnsite.editorial.policy import Status
from studies.models import Study
from tests.admin_helpers import admin_url, messages_of
from tests.factories import make_staff, make_study
from tests.queries import queries_at_5_and_50
from tests.studies.conftest import CITATION_FIXTURES
from tests.studies.test_lookup import serve_recorded

IMPORT = reverse("admin:studies_study_import")
DUPLICATES = reverse("admin:studies_study_duplicates")


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (CITATION_FIXTURES / name).read_bytes())


def preview(client, **data):
    response = client.post(IMPORT, {"step": "preview", "format": "", **data})
    assert response.status_code == 200
    return response


def ticked(response) -> list[int]:
    html = response.content.decode()
    return [
        int(m) for m in re.findall(r'name="records" value="(\d+)"[^>]*checked', html)
    ]


def offered(response) -> list[int]:
    return [
        int(m)
        for m in re.findall(r'name="records" value="(\d+)"', response.content.decode())
    ]


@pytest.mark.parametrize("url", [IMPORT, DUPLICATES])
def test_anonymous_is_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_without_a_role_may_not_import(client, db):
    client.force_login(make_staff("sam"))
    assert client.get(IMPORT).status_code == 403
    assert client.get(DUPLICATES).status_code == 403


def test_the_study_list_and_the_admin_index_link_to_both_pages(editor_client):
    changelist = editor_client.get(admin_url(Study, "changelist")).content.decode()
    index = editor_client.get(reverse("admin:index")).content.decode()
    for html in (changelist, index):
        assert f'href="{IMPORT}"' in html
        assert f'href="{DUPLICATES}"' in html


def test_the_import_page_offers_upload_paste_and_lookup(editor_client, settings):
    settings.CITATION_LOOKUP_ENABLED = True
    response = editor_client.get(IMPORT)
    assert response.status_code == 200
    assert "admin/studies/study/import.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'name="file"' in html and 'name="text"' in html
    assert 'name="identifiers"' in html


def test_without_network_the_lookup_box_says_so_plainly(editor_client, settings):
    settings.CITATION_LOOKUP_ENABLED = False
    html = editor_client.get(IMPORT).content.decode()
    assert 'name="identifiers"' not in html
    assert "This deployment has no network access" in html
    response = editor_client.post(IMPORT, {"step": "lookup", "identifiers": "1"})
    assert "Look-ups are switched off here." in messages_of(response)


def test_upload_preview_then_confirm_creates_drafts_with_history(
    editor_client, editor, seeded
):
    count = Study.objects.count()
    response = preview(editor_client, file=upload("pubmed-ldn.nbib"))
    assert "admin/studies/study/import_preview.html" in [
        t.name for t in response.templates
    ]
    html = response.content.decode()
    younger = seeded["younger"]
    assert "2 new, 2 duplicates of existing studies, 1 duplicate within" in html
    assert reverse("admin:studies_study_change", args=[younger.pk]) in html
    assert "would fill: doi, pmid, abstract, keywords" in html
    assert "The record has no PMID line." in html
    # New records and duplicates that would fill something are ticked; records
    # within-file duplicates and invalid ones cannot be.
    assert ticked(response) == [1, 2, 3, 4]
    assert offered(response) == [1, 2, 3, 4]
    assert Study.objects.count() == count

    token = response.context["token"]
    done = editor_client.post(
        IMPORT, {"step": "confirm", "token": token, "records": ["1", "3"]}
    )
    assert done.status_code == 200
    report = done.context["report"]
    assert [r.outcome for r in report.records][:4] == [
        "filled",
        "skipped",
        "created",
        "skipped",
    ]
    created = Study.objects.get(pk=report.records[2].study_id)
    assert created.status == Status.DRAFT
    assert reverse("admin:studies_study_change", args=[created.pk]) in (
        done.content.decode()
    )
    row = created.history.first()
    assert row.history_user == editor
    assert row.history_change_reason == "Imported from pubmed-ldn.nbib"
    # The seeded study is published: an Editor's fill waits for review.
    younger.refresh_from_db()
    assert younger.pmid is None and younger.status == Status.PUBLISHED
    change = open_change(younger)
    assert (change.author, change.reason) == (editor, "Imported from pubmed-ldn.nbib")
    assert change.data["fields"]["pmid"] == 24526250
    assert "waits for review" in done.content.decode()

    # The same file again: nothing new.
    again = preview(editor_client, file=upload("pubmed-ldn.nbib"))
    assert " 1 new," in again.content.decode()  # record 4 was not chosen
    # Younger's fill waits for review, Smith would still fill, record 4 is new.
    assert ticked(again) == [1, 2, 4]


def test_a_tampered_preview_imports_nothing(editor_client, seeded):
    response = preview(
        editor_client, text=(CITATION_FIXTURES / "ldn-studies.ris").read_text()
    )
    token = response.context["token"]
    count = Study.objects.count()
    done = editor_client.post(
        IMPORT,
        {"step": "confirm", "token": token[:-3] + "abc", "records": ["2"]},
        follow=True,
    )
    assert "expired or was altered" in " ".join(messages_of(done))
    assert Study.objects.count() == count


def test_more_than_a_thousand_ticked_records_can_be_confirmed(editor_client, db):
    text = "".join(
        f"TY  - JOUR\nTI  - Paper {n}\nAU  - Roe{n}, R.\nPY  - 2020\nER  - \n"
        for n in range(1200)
    )
    response = preview(editor_client, text=text)
    assert len(ticked(response)) == 1200
    done = editor_client.post(
        IMPORT,
        {
            "step": "confirm",
            "token": response.context["token"],
            "records": [str(n) for n in range(1, 1201)],
        },
    )
    assert done.status_code == 200
    assert Study.objects.filter(status=Status.DRAFT).count() == 1200


def test_pasted_text_of_no_known_format_shows_the_reason(editor_client, db):
    response = preview(editor_client, text="Younger J. A paper. 2014.")
    assert "Could not tell the format" in response.content.decode()
    assert not Study.objects.exists()


def test_an_upload_that_is_not_utf8_shows_the_reason(editor_client, db):
    bad = SimpleUploadedFile("latin1.ris", b"TY  - JOUR\nTI  - Caf\xe9\nER  - \n")
    response = preview(editor_client, file=bad)
    assert "is not UTF-8 text" in response.content.decode()


def test_lookup_by_doi_and_pmid_previews_the_records(
    editor_client, httpserver, settings, seeded
):
    settings.CITATION_LOOKUP_ENABLED = True
    settings.CROSSREF_API_URL = httpserver.url_for("/crossref")
    settings.PUBMED_EUTILS_URL = httpserver.url_for("/eutils")
    serve_recorded(httpserver)
    response = editor_client.post(
        IMPORT,
        {
            "step": "lookup",
            "identifiers": "https://doi.org/10.1007/s10067-014-2517-2\n"
            "23359310, 99999999",
        },
    )
    assert response.status_code == 200
    assert "PubMed has no record of PMID 99999999." in messages_of(response)
    records = response.context["report"].records
    assert [r.status for r in records] == ["duplicate", "new"]
    assert records[0].match.ref == seeded["younger"].pk


def test_a_lookup_that_cannot_reach_crossref_says_so(editor_client, settings, db):
    settings.CITATION_LOOKUP_ENABLED = True
    settings.CROSSREF_API_URL = "http://127.0.0.1:9"
    response = editor_client.post(
        IMPORT, {"step": "lookup", "identifiers": "10.1007/s10067-014-2517-2"}
    )
    html = response.content.decode()
    assert "Could not reach Crossref" in html and "nothing was imported" in html


def test_possible_duplicates_lists_pairs_with_links_and_why(editor_client, db):
    a = make_study(title="Naltrexone and sleep", authors="Roe R", year=2020)
    b = make_study(title="Naltrexone and Sleep.", authors="Roe, R.", year=2021)
    make_study(title="Naltrexone and mood", authors="Roe R", year=2020)
    response = editor_client.get(DUPLICATES)
    html = response.content.decode()
    for study in (a, b):
        assert reverse("admin:studies_study_change", args=[study.pk]) in html
    assert "same title, year and first author (title 100%)" in html
    assert len(response.context["rows"]) == 1


def test_possible_duplicates_runs_a_fixed_number_of_queries(editor_client):
    def add_pairs(count):
        for n in range(count):
            make_study(title=f"Paper {n} on sleep", authors=f"Roe{n} R", year=2020)
            make_study(title=f"Paper {n} on sleep.", authors=f"Roe{n} R", year=2020)

    at_5, at_50 = queries_at_5_and_50(editor_client, DUPLICATES, add_pairs)
    assert at_5 == at_50
