import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from conditions.models import Condition, FAQEntry, GlossaryTerm, Mechanism
from studies.models import Finding, Study
from studies.services import DEFAULT_CONTENT

pytestmark = pytest.mark.django_db

MODELS = [Condition, Mechanism, Study, Finding, FAQEntry, GlossaryTerm]
REQUIRED_CONDITIONS = {
    "fibromyalgia",
    "multiple-sclerosis",
    "rheumatoid-arthritis",
    "osteoarthritis",
    "complex-regional-pain-syndrome",
    "neuropathic-pain",
    "endometriosis",
    "crohns-disease",
    "orofacial-pain",
}


def load(*args) -> str:
    out = StringIO()
    call_command("load_ldn_content", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot():
    counts = {m.__name__: m.objects.count() for m in MODELS}
    history = {m.__name__: m.history.count() for m in MODELS}
    return counts, history


def test_it_loads_the_ldn_content_all_published():
    load()
    assert Condition.objects.published().count() >= 10
    assert Mechanism.objects.published().count() >= 4
    assert Study.objects.published().count() >= 8
    assert Finding.objects.published().count() >= 7
    assert FAQEntry.objects.published().count() >= 4
    assert GlossaryTerm.objects.published().count() >= 4
    for model in [Condition, Mechanism, Study, FAQEntry, GlossaryTerm]:
        assert model.objects.published().count() == model.objects.count()
        assert not model.objects.filter(last_reviewed__isnull=True).exists()
        assert not model.objects.filter(next_review_due__isnull=True).exists()
    assert REQUIRED_CONDITIONS <= set(Condition.objects.values_list("slug", flat=True))


def test_no_finding_rests_on_a_title_alone_and_no_mechanism_claims_studies():
    load()
    for slug in (
        "younger-2014-ldn-anti-inflammatory-chronic-pain",
        "metyas-2018-ldn-treatment-of-fibromyalgia",
        "smith-2014-ldn-improves-active-crohns-disease",
    ):
        assert not Finding.objects.filter(study__slug=slug).exists(), slug
    # The sources cite no cell, animal or human study for any mechanism.
    assert set(Mechanism.objects.values_list("support_level", flat=True)) == {
        "proposed"
    }
    # No source reports a dose for a particular condition.
    assert not Condition.objects.exclude(dose_min_mg=None, dose_max_mg=None).exists()
    # The stored summaries were written as the content loaded.
    chronic = Condition.objects.with_evidence().get(slug="chronic-pain")
    assert chronic.headline.certainty == "very_low"
    assert chronic.headline.direction == "benefit"


def test_it_carries_the_cited_figures_without_invented_identifiers():
    load()
    effects = " ".join(Finding.objects.values_list("effect", flat=True))
    assert "37.8%" in effects
    assert "65%" in effects
    # The sources give no DOI or PMID: none may appear, except where a record
    # corrects a citation the source got wrong, and says so in its summary.
    assert not Study.objects.exclude(doi="").exists()
    corrected = Study.objects.filter(pmid__isnull=False)
    assert [(s.slug, s.pmid) for s in corrected] == [
        ("smith-2014-ldn-improves-active-crohns-disease", 17222320)
    ]
    smith = corrected.get()
    assert "PubMed (PMID 17222320)" in smith.summary
    assert (smith.year, smith.volume, smith.issue, smith.pages) == (
        2007,
        "102",
        "4",
        "820-828",
    )
    younger = Study.objects.get(authors_text__startswith="Younger")
    assert (younger.journal, younger.year, younger.volume, younger.pages) == (
        "Clinical Rheumatology",
        2014,
        "33",
        "451-459",
    )


def test_a_second_run_changes_nothing_and_says_so():
    load()
    before = snapshot()
    output = load()
    assert "Nothing to change" in output
    assert snapshot() == before


def test_a_reload_restores_edited_records_and_records_history():
    load()
    condition = Condition.objects.get(slug="fibromyalgia")
    original = condition.summary
    Condition.objects.filter(pk=condition.pk).update(summary="Changed by hand.")
    output = load()
    assert "conditions: 0 created, 1 updated" in output
    condition.refresh_from_db()
    assert condition.summary == original
    assert condition.history.first().history_change_reason


def write(tmp_path, data) -> str:
    path = tmp_path / "content.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_a_malformed_file_is_reported_per_record_and_nothing_is_written(tmp_path):
    data = json.loads(DEFAULT_CONTENT.read_text(encoding="utf-8"))
    data["conditions"][1]["dose_min_mg"] = 9
    data["conditions"][1]["dose_max_mg"] = 1
    data["studies"][0]["year"] = 1800
    data["studies"][2]["findings"].append(
        {
            "condition": "no-such-condition",
            "outcome": "pain",
            "direction": "benefit",
            "effect": "x",
        }
    )
    data["glossary"][0]["colour"] = "red"
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_ldn_content", write(tmp_path, data), stderr=err)
    report = err.getvalue()
    assert f"conditions[1] ({data['conditions'][1]['slug']}): dose_max_mg" in report
    assert f"studies[0] ({data['studies'][0]['slug']}): year" in report
    assert "no condition with slug 'no-such-condition'" in report
    assert "unknown field(s) colour" in report
    assert all(m.objects.count() == 0 for m in MODELS)


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ("[]", "must hold a JSON object")],
)
def test_unreadable_files_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_ldn_content", str(path), stderr=err)
    assert message in err.getvalue()


def test_dry_run_writes_nothing():
    output = load("--dry-run")
    assert output.startswith("Dry run, nothing written.")
    assert Condition.objects.count() == 0
