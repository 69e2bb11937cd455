"""The `import_citations` command: the report, the summary line, its exit."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ldnsite.editorial.pending import PendingChange
from ldnsite.editorial.policy import Status
from studies.models import Study
from tests.factories import make_staff
from tests.studies.conftest import CITATION_FIXTURES


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_citations", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_each_record_and_a_summary_and_writes_nothing(seeded):
    count = Study.objects.count()
    out = run(str(CITATION_FIXTURES / "pubmed-ldn.nbib"), "--dry-run")
    lines = out.splitlines()
    younger = seeded["younger"].pk
    assert lines[0] == (
        f"   1. record 1 “PMID 24526250” (Younger 2014): duplicate of study "
        f"#{younger}: same title, year and first author (title 100%)"
    )
    assert "        ignored: affiliation (AD), ISSN (IS)" in lines[1]
    assert lines[-1] == (
        "6 records: 2 new, 2 duplicates of existing studies, 1 duplicate within "
        "the file, 1 invalid. Nothing was written (preview)."
    )
    assert Study.objects.count() == count


def test_import_with_a_user_and_filling_then_again_creates_nothing(seeded):
    alice = make_staff("alice", role="Editor")
    path = str(CITATION_FIXTURES / "ldn-studies.bib")
    out = run(path, "--format", "bibtex", "--user", "alice", "--fill-duplicates")
    # The two duplicates are published: an Editor's fill waits for review.
    assert out.splitlines()[-1].endswith(
        "Created 2 draft studies, filled empty fields of 2 (2 waiting for review), "
        "skipped 2."
    )
    rows = Study.history.filter(history_user=alice)
    assert sorted(rows.values_list("history_type", flat=True)) == ["+", "+"]
    assert {r.history_change_reason for r in rows} == {"Imported from ldn-studies.bib"}
    proposals = PendingChange.objects.filter(author=alice)
    assert proposals.count() == 2
    assert {p.reason for p in proposals} == {"Imported from ldn-studies.bib"}
    created = Study.objects.filter(pk__in=rows.filter(history_type="+").values("id"))
    assert {s.status for s in created} == {Status.DRAFT}
    again = run(path)
    assert "Created 0 draft studies" in again.splitlines()[-1]
    assert " 0 new," in again.splitlines()[-1]


def test_a_malformed_file_exits_non_zero_and_writes_nothing(tmp_path, db):
    path = tmp_path / "broken.json"
    path.write_text('[{"title": ')
    with pytest.raises(CommandError, match="not valid JSON.*Nothing was imported"):
        run(str(path))
    latin1 = tmp_path / "latin1.ris"
    latin1.write_bytes(b"TY  - JOUR\nTI  - Caf\xe9\nER  - \n")
    with pytest.raises(CommandError, match="not UTF-8"):
        run(str(latin1))
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.ris"))
    assert not Study.objects.exists()


def test_an_unknown_user_is_refused(db):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run(str(CITATION_FIXTURES / "ldn-studies.ris"), "--user", "nobody")
