"""A client generated from our schema by openapi-python-client works unpatched.

The schema is the live one (`manage.py spectacular`); the client is generated once
per module, imported from a temporary directory and driven over HTTP against the
live server: a Reviewer's token writes a study with structured authors and its
findings, reads them back as typed models, downloads every citation export, and an
anonymous client reads what is published.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest
import rispy
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from tests.factories import (
    make_condition,
    make_finding,
    make_staff,
    make_study,
    restore_roles,
)

# Generating the client and starting the live server take about ten seconds.
pytestmark = pytest.mark.slow

PACKAGE = "ldn_client"
TITLE = "Low-dose naltrexone for fibromyalgia: a crossover trial"


class Generated:
    """The generated package: its clients, models and operation modules."""

    def __init__(self):
        self.package = importlib.import_module(PACKAGE)
        self.models = importlib.import_module(f"{PACKAGE}.models")

    def op(self, name: str):
        """An operation's module (`v1_studies_create`, …): `sync`, `sync_detailed`."""
        return importlib.import_module(f"{PACKAGE}.api.v1.{name}")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Generated:
    root = tmp_path_factory.mktemp("client")
    schema = root / "schema.yaml"
    call_command("spectacular", "--file", str(schema))
    config = root / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter: nothing to fetch or run
    tool = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(tool),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(root / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Anything the generator could not map is left out of the client, with a warning.
    assert "Warning" not in output, output
    sys.path.insert(0, str(root))
    try:
        yield Generated()
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture(scope="module", autouse=True)
def restore_roles_after_flush(django_db_blocker):
    """The live server's tests end by emptying every table, groups included."""
    yield
    with django_db_blocker.unblock():
        restore_roles()


@pytest.fixture
def staff_client(generated, live_server):
    restore_roles()
    reviewer = make_staff("bob", role="Reviewer")
    return generated.package.AuthenticatedClient(
        base_url=live_server.url,
        token=Token.objects.create(user=reviewer).key,
        prefix="Token",
        raise_on_unexpected_status=True,
    )


def test_a_reviewer_writes_a_study_with_findings_and_reads_them_back(
    generated, staff_client
):
    op, m = generated.op, generated.models
    condition = make_condition(slug="fibromyalgia", name="Fibromyalgia")

    created = op("v1_studies_create").sync_detailed(
        client=staff_client,
        body=m.StudyRequest(
            slug="ldn-fibromyalgia-crossover",
            title=TITLE,
            design=m.DesignEnum.CROSSOVER_RCT,
            authors=[
                m.AuthorRequest(family="Younger", given="J. W."),
                m.AuthorRequest(family="van der Berg", given="A."),
                m.AuthorRequest(literal="LDN Trial Group"),
            ],
            authors_et_al=True,
            journal="Arthritis & Rheumatism",
            year=2013,
            volume="65",
            pages="529-538",
            doi="10.1002/art.37734",
            keywords=["fibromyalgia", "naltrexone"],
        ),
    )
    assert created.status_code == 201, created.content
    study = created.parsed
    assert isinstance(study, m.Study)
    assert study.evidence_level == 2
    assert [(a.family, a.given) for a in study.authors[:2]] == [
        ("Younger", "J. W."),
        ("van der Berg", "A."),
    ]
    assert study.authors[2].literal == "LDN Trial Group"
    assert study.keywords == ["fibromyalgia", "naltrexone"]
    assert study.status == m.StatusEnum.DRAFT

    for outcome, direction in (
        (m.OutcomeEnum.PAIN, m.FindingDirectionEnum.BENEFIT),
        (m.OutcomeEnum.SLEEP, m.FindingDirectionEnum.NO_EFFECT),
    ):
        finding = op("v1_findings_create").sync_detailed(
            client=staff_client,
            body=m.FindingRequest(
                study_id=study.id,
                condition_slug=condition.slug,
                outcome=outcome,
                direction=direction,
                effect=f"{outcome.value}: {direction.value}.",
            ),
        )
        assert finding.status_code == 201, finding.content
        assert isinstance(finding.parsed, m.Finding)
        assert finding.parsed.evidence_level == 2
        assert finding.parsed.study.id == study.id

    published = op("v1_studies_partial_update").sync(
        str(study.id),
        client=staff_client,
        body=m.PatchedStudyRequest(status=m.StatusEnum.PUBLISHED),
    )
    assert isinstance(published, m.Study)
    assert published.status == m.StatusEnum.PUBLISHED
    assert sorted(f.outcome for f in published.findings) == ["pain", "sleep"]

    findings = op("v1_findings_list").sync(client=staff_client, study=study.id)
    assert isinstance(findings, m.PaginatedFindingList)
    assert findings.count == 2
    assert {f.evidence_level for f in findings.results} == {2}

    bare = op("v1_studies_create").sync(
        client=staff_client,
        body=m.StudyRequest(slug="no-author", title="T", design=m.DesignEnum.RCT),
    )
    assert isinstance(bare, m.Study)
    assert bare.authors == []
    assert bare.year is None
    invalid = op("v1_findings_create").sync_detailed(
        client=staff_client,
        body=m.FindingRequest(
            study_id=study.id,
            condition_slug=condition.slug,
            outcome=m.OutcomeEnum.PAIN,
            direction=m.FindingDirectionEnum.HARM,
            effect="A second finding for the same outcome.",
        ),
    )
    assert invalid.status_code == 400
    assert "non_field_errors" in invalid.parsed.additional_properties


EXPORTS = {
    "csv": "text/csv",
    "ris": "application/x-research-info-systems",
    "bibtex": "application/x-bibtex",
    "csljson": "application/vnd.citationstyles.csl+json",
}


def read_titles(fmt: str, text: str) -> list[str]:
    """The titles in an export, as a third-party reader of the format sees them."""
    if fmt == "csv":
        return [row["title"] for row in csv.DictReader(io.StringIO(text))]
    if fmt == "ris":
        return [entry["title"] for entry in rispy.loads(text)]
    if fmt == "bibtex":
        library = bibtexparser.parse_string(text)
        assert not library.failed_blocks
        # Capitals may be brace-protected: the title as read is without braces.
        return [e["title"].replace("{", "").replace("}", "") for e in library.entries]
    return [item["title"] for item in json.loads(text)]


def test_every_export_downloads_through_generated_functions(
    generated, staff_client, live_server
):
    op, m = generated.op, generated.models
    condition = make_condition(slug="fibromyalgia")
    study = op("v1_studies_create").sync(
        client=staff_client,
        body=m.StudyRequest(
            slug="exported",
            title=TITLE,
            design=m.DesignEnum.RCT,
            authors=[m.AuthorRequest(family="Younger", given="J.")],
            journal="Pain Medicine",
            year=2009,
            status=m.StatusEnum.PUBLISHED,
        ),
    )
    op("v1_findings_create").sync(
        client=staff_client,
        body=m.FindingRequest(
            study_id=study.id,
            condition_slug=condition.slug,
            outcome=m.OutcomeEnum.PAIN,
            direction=m.FindingDirectionEnum.BENEFIT,
            effect="Less pain.",
        ),
    )
    anonymous = generated.package.Client(
        base_url=live_server.url, raise_on_unexpected_status=True
    )
    for fmt, media_type in EXPORTS.items():
        one = op("v1_studies_export_retrieve").sync_detailed(
            str(study.id),
            client=staff_client,
            format_=m.V1StudiesExportRetrieveFormat(fmt),
        )
        assert one.status_code == 200, (fmt, one.content)
        assert one.headers["content-type"].startswith(media_type)
        assert isinstance(one.parsed, str)
        assert read_titles(fmt, one.parsed) == [TITLE], fmt

        listed = op("v1_studies_export_list").sync(
            client=anonymous,
            format_=m.V1StudiesExportListFormat(fmt),
            condition="fibromyalgia",
        )
        assert read_titles(fmt, listed) == [TITLE], fmt


def test_an_anonymous_client_reads_what_is_published_and_may_not_write(
    generated, live_server
):
    op, m = generated.op, generated.models
    study = make_study(title=TITLE, authors="Younger J, Mackey S")
    make_finding(study=study, condition=make_condition(slug="fibromyalgia"))
    draft = make_study(title="A draft", status="draft", published_at=None)
    anonymous = generated.package.Client(
        base_url=live_server.url, raise_on_unexpected_status=True
    )

    studies = op("v1_studies_list").sync(client=anonymous)
    assert isinstance(studies, m.PaginatedStudyListList)
    assert [s.title for s in studies.results] == [TITLE]
    detail = op("v1_studies_retrieve").sync(str(study.id), client=anonymous)
    assert isinstance(detail, m.Study)
    assert [a.family for a in detail.authors] == ["Younger", "Mackey"]
    assert detail.findings[0].condition.slug == "fibromyalgia"
    findings = op("v1_findings_list").sync(client=anonymous)
    assert [f.study.title for f in findings.results] == [TITLE]
    hidden = op("v1_studies_retrieve").sync_detailed(str(draft.id), client=anonymous)
    assert hidden.status_code == 404
    assert isinstance(hidden.parsed, m.ErrorDetail)

    refused = op("v1_studies_create").sync_detailed(
        client=anonymous,
        body=m.StudyRequest(slug="x", title="X", design=m.DesignEnum.RCT),
    )
    assert refused.status_code == 401
    assert isinstance(refused.parsed, m.ErrorDetail)


LOOKUPS = {
    "conditions": "slug",
    "mechanisms": "slug",
    "studies": "id",
    "findings": "id",
    "faq": "slug",
    "glossary": "slug",
}


def test_every_read_of_the_ldn_content_parses_into_typed_models(generated, live_server):
    call_command("load_ldn_content", verbosity=0)
    anonymous = generated.package.Client(
        base_url=live_server.url, raise_on_unexpected_status=True
    )
    for endpoint, lookup in LOOKUPS.items():
        page = generated.op(f"v1_{endpoint}_list").sync(client=anonymous, page_size=100)
        assert type(page).__name__.startswith("Paginated"), (endpoint, page)
        assert page.count == len(page.results) > 0, endpoint
        for item in page.results[:3]:
            key = str(getattr(item, lookup))
            detail = generated.op(f"v1_{endpoint}_retrieve").sync(key, client=anonymous)
            assert not isinstance(detail, generated.models.ErrorDetail), endpoint
            assert getattr(detail, lookup) == getattr(item, lookup)
