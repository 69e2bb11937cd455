"""`POST /api/v1/studies/import/`: permissions, preview by default, the report."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from ldnsite.editorial.policy import Status
from studies.models import Study
from tests.factories import make_staff, make_user
from tests.studies.conftest import CITATION_FIXTURES

URL = "/api/v1/studies/import/"
RIS = (CITATION_FIXTURES / "ldn-studies.ris").read_text()


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (CITATION_FIXTURES / name).read_bytes())


def test_anonymous_users_are_asked_to_authenticate(api, db):
    response = api.post(URL, {"text": RIS}, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize("kind", ["not_staff", "staff_without_role"])
def test_users_who_may_not_add_studies_are_refused(api_as, db, kind):
    user = make_user("mallory") if kind == "not_staff" else make_staff("sam")
    response = api_as(user).post(URL, {"text": RIS}, format="json")
    assert response.status_code == 403
    assert not Study.objects.exists()


def test_a_json_text_is_previewed_by_default(api_as, seeded, editor):
    count = Study.objects.count()
    response = api_as(editor).post(URL, {"text": RIS}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["dry_run"] is True
    assert data["counts"] == {
        "new": 3,
        "duplicate": 1,
        "duplicate_in_file": 1,
        "invalid": 1,
    }
    first = data["records"][0]
    assert first["status"] == "duplicate"
    assert first["duplicate_of"] == {
        "study": seeded["younger"].pk,
        "label": "The use of low-dose naltrexone (LDN) as a novel anti-inflammatory "
        "treatment for chronic pain (2014)",
        "reason": "same title, year and first author (title 100%)",
        "score": 100,
    }
    assert first["values"]["authors"][0] == {"family": "Younger", "given": "Jarred"}
    assert first["ignored"] == ["issn (SN)", "language (LA)"]
    assert data["records"][3]["duplicate_of_record"] == 2
    assert data["records"][4]["errors"] == {"title": ["The record has no title."]}
    assert Study.objects.count() == count


def test_a_multipart_upload_imports_chosen_records_as_drafts(api_as, seeded, editor):
    response = api_as(editor).post(
        URL,
        {"file": upload("pubmed-ldn.nbib"), "dry_run": "false", "records": [3, 5, 6]},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["dry_run"] is False and data["created"] == 1
    created = Study.objects.get(pk=data["records"][2]["study"])
    assert (created.pmid, created.status) == (23359310, Status.DRAFT)
    history = created.history.get()
    assert history.history_user == editor
    assert history.history_change_reason == "Imported from pubmed-ldn.nbib"
    assert [r["outcome"] for r in data["records"]] == [
        "skipped",
        "skipped",
        "created",
        "skipped",
        "skipped",
        "skipped",
    ]


def test_a_multipart_upload_without_dry_run_is_a_preview(api_as, seeded, editor):
    response = api_as(editor).post(
        URL, {"file": upload("ldn-items.json")}, format="multipart"
    )
    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert not Study.objects.filter(status=Status.DRAFT).exists()


def test_filling_duplicates_needs_the_change_permission(api_as, seeded, db):
    adder = make_staff("adder")
    adder.user_permissions.add(Permission.objects.get(codename="add_study"))
    response = api_as(adder).post(
        URL, {"text": RIS, "fill_duplicates": True}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"text": RIS, "format": "endnote"}, "format", "not a valid choice"),
        ({"text": "hello"}, "text", "Could not tell the format"),
        ({"text": "[{", "format": "csljson"}, "text", "not valid JSON"),
        ({}, "file", "either a file or a text"),
        ({"text": RIS, "dry_run": False, "records": [99]}, "records", "position"),
        ({"text": "TY  - JOUR\nTI  - a\x00\nER  - \n"}, "text", "Null characters"),
    ],
)
def test_bad_requests_are_400_naming_the_field(api_as, editor, body, field, message):
    response = api_as(editor).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])
    assert not Study.objects.exists()


def test_a_file_that_is_not_utf8_is_a_400_on_the_file(api_as, editor):
    bad = SimpleUploadedFile("latin1.ris", b"TY  - JOUR\nTI  - Caf\xe9\nER  - \n")
    response = api_as(editor).post(URL, {"file": bad}, format="multipart")
    assert response.status_code == 400
    assert "not UTF-8" in response.json()["file"][0]


def test_the_operation_is_in_the_schema_with_its_request_and_report(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/studies/import/"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "multipart/form-data",
        "application/json",
    }
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/ImportReport"}
    assert {"400", "401", "403"} <= set(operation["responses"])
