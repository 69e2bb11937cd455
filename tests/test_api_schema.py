"""The OpenAPI contract: it validates, documents errors, and the API keeps to it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from hypothesis import given as hypothesis_given
from hypothesis.errors import Unsatisfiable

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yaml"),
    )


def test_the_schema_documents_error_responses(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= codes, (method, path)


def test_reads_are_declared_open_to_all_and_writes_to_token_holders(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    token = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (token["type"], token["in"], token["name"]) == (
        "apiKey",
        "header",
        "Authorization",
    )
    assert "`Authorization: Token <key>`" in token["description"]
    methods = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            methods.add(method)
            security = operation["security"]
            assert {"tokenAuth": []} in security, (method, path)
            staff_only = path.startswith("/api/v1/pending-changes/")
            assert ({} in security) == (method == "get" and not staff_only), (
                method,
                path,
            )
    assert methods == {"get", "post", "put", "patch", "delete"}


def test_the_docs_are_served_from_our_own_static_files(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_operation_gives_a_server_error_or_breaks_the_schema(mode, settings_api):
    """Schemathesis over every operation, on the LDN content, anonymously."""
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation.modes import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from ldnsite.wsgi import application

    call_command("load_ldn_content", verbosity=0)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    unsatisfiable = []
    assert len(operations) >= 30
    for operation in operations:
        strategy = operation.as_strategy(generation_mode=GenerationMode(mode))

        @hypothesis_given(case=strategy)
        @settings(
            max_examples=8,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            # The WSGI transport does not undo gzip, which public answers use.
            response = case.call(headers={"Accept-Encoding": "identity"})
            case.validate_response(response, checks=checks)

        try:
            run()
        except Unsatisfiable:
            # Nothing in this operation can be made invalid (negative mode only).
            assert mode == "negative", operation.label
            unsatisfiable.append(operation.label)
    assert len(unsatisfiable) < len(operations) / 2, unsatisfiable


@pytest.fixture
def settings_api(settings):
    """No throttling, and the test's database connection kept open.

    Schemathesis calls the WSGI app directly, so (unlike Django's test client)
    nothing stops the end of each request from closing the connection that holds
    the test transaction.
    """
    from django.core import signals
    from django.db import close_old_connections

    settings.API_ANON_RATE = "100000/minute"
    settings.ALLOWED_HOSTS = ["*"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield settings
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_csl_json_export_is_documented_as_the_array_it_is(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/studies/", "/api/v1/studies/{id}/"):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        csl = content["application/vnd.citationstyles.csl+json"]["schema"]
        assert csl["type"] == "array"
        assert csl["items"]["required"] == ["id", "type"]
    listing = schema["paths"]["/api/v1/studies/"]["get"]["responses"]["200"]
    assert "Paginated" in listing["content"]["application/json"]["schema"]["$ref"]


def _write_bodies(study, condition) -> dict:
    """Per endpoint: (lookup of the object a create makes, create body, patch body)."""
    return {
        "conditions": (
            "slug",
            {
                "slug": "new-condition",
                "name": "New condition",
                "category": "autoimmune",
                "summary": "A summary.",
            },
            {"summary": "Changed."},
        ),
        "mechanisms": (
            "slug",
            {
                "slug": "new-mechanism",
                "name": "New mechanism",
                "summary": "How.",
                "support_level": "animal",
            },
            {"summary": "Changed."},
        ),
        "studies": (
            "id",
            {
                "slug": "new-study",
                "title": "A new study",
                "design": "open_label",
                "authors": [
                    {"family": "Younger", "given": "J. W."},
                    {"literal": "LDN Trial Group"},
                ],
                "keywords": ["fibromyalgia", "naltrexone"],
            },
            {"design": "rct"},
        ),
        "findings": (
            "id",
            {
                "study_id": study.pk,
                "condition_slug": condition.slug,
                "outcome": "pain",
                "direction": "benefit",
                "effect": "Less pain.",
            },
            {"effect": "Somewhat less pain."},
        ),
        "faq": (
            "slug",
            {
                "slug": "new-question",
                "question": "Why?",
                "answer": "Because.",
                "condition_slug": condition.slug,
            },
            {"answer": "Changed."},
        ),
        "glossary": (
            "slug",
            {"slug": "new-term", "term": "Term", "definition": "Meaning."},
            {"definition": "Changed."},
        ),
    }


@pytest.mark.parametrize(
    "endpoint", ["conditions", "mechanisms", "studies", "findings", "faq", "glossary"]
)
def test_every_write_answers_as_its_schema_says(endpoint, settings_api, reviewer):
    """Create, update and partial update, each answer checked against the schema:
    a generated client trusts it (a missing required field crashes it)."""
    import schemathesis
    from rest_framework.authtoken.models import Token
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from ldnsite.wsgi import application
    from tests.factories import make_condition, make_study

    checks = [
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    headers = {"Authorization": f"Token {Token.objects.create(user=reviewer).key}"}
    study = make_study(design="case_report")
    lookup, body, patch = _write_bodies(study, make_condition())[endpoint]
    listing, detail = f"/api/v1/{endpoint}/", f"/api/v1/{endpoint}/{{{lookup}}}/"

    def call(path, method, data, **path_parameters):
        case = schema[path][method].Case(
            body=data, headers=headers, path_parameters=path_parameters
        )
        response = case.call()
        case.validate_response(response, checks=checks)
        return response

    created = call(listing, "POST", body)
    assert created.status_code == 201, created.text
    key = {lookup: created.json()[lookup]}
    replaced = call(detail, "PUT", {**body, **patch}, **key)
    assert replaced.status_code == 200, replaced.text
    patched = call(detail, "PATCH", patch, **key)
    assert patched.status_code == 200, patched.text
    if endpoint == "findings":
        # The level follows the study's design, on create as on read.
        assert created.json()["evidence_level"] == 4
        moved = call(detail, "PATCH", {"study_id": make_study().pk}, **key)
        assert moved.json()["evidence_level"] == 2


@pytest.mark.parametrize("role", ["Editor", "Reviewer"])
def test_staff_tokens_get_no_server_error_from_any_operation(role, settings_api):
    """Schemathesis over every operation with an Editor's or a Reviewer's token,
    on the LDN content: writes, pending changes and odd bodies included."""
    import schemathesis
    from rest_framework.authtoken.models import Token
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import status_code_conformance

    from ldnsite.wsgi import application
    from tests.factories import make_staff

    call_command("load_ldn_content", verbosity=0)
    user = make_staff(f"fuzz-{role.lower()}", role=role)
    headers = {
        "Authorization": f"Token {Token.objects.create(user=user).key}",
        "Accept-Encoding": "identity",
    }
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:

        @hypothesis_given(case=operation.as_strategy())
        @settings(
            max_examples=5,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error, status_code_conformance]
            )

        run()
