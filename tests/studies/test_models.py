import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from studies.models import Study, normalise_doi
from tests.factories import make_condition, make_finding, make_study

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("https://doi.org/10.1007/S10067-014-2517-2", "10.1007/s10067-014-2517-2"),
        ("http://dx.doi.org/10.1000/ABC", "10.1000/abc"),
        ("doi: 10.1000/Xyz ", "10.1000/xyz"),
        ("10.1000/abc", "10.1000/abc"),
    ],
)
def test_doi_is_normalised_on_save(raw, stored):
    assert normalise_doi(raw) == stored
    study = make_study(doi=raw)
    study.refresh_from_db()
    assert study.doi == stored


def test_doi_is_unique_whatever_its_case_or_prefix():
    make_study(doi="10.1000/abc")
    duplicate = Study(
        title="Dup", slug="dup", design="rct", doi="https://doi.org/10.1000/ABC"
    )
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "Another study already has this DOI." in str(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_many_studies_may_have_no_doi_or_pmid():
    make_study(doi="", pmid=None)
    make_study(doi="", pmid=None)
    assert Study.objects.filter(doi="", pmid__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("doi", "not-a-doi"),
        ("pmid", "12a45"),
        ("pmid", 0),
        ("year", 1800),
        ("year", 2500),
        ("sample_size", 0),
        ("url", "javascript:alert(1)"),
    ],
)
def test_invalid_citation_values_are_validation_errors(field, value):
    study = Study(title="T", slug="t", design="rct", **{field: value})
    with pytest.raises(ValidationError) as exc:
        study.full_clean()
    assert field in exc.value.message_dict


def test_pmid_is_unique():
    make_study(pmid=12345678)
    with pytest.raises(ValidationError) as exc:
        Study(title="T", slug="t", design="rct", pmid=12345678).full_clean()
    assert "pmid" in exc.value.message_dict


@pytest.mark.parametrize(
    "values", [{"year": 1800}, {"sample_size": 0}, {"doi": "11.1000/x"}]
)
def test_database_constraints_back_the_validation(values):
    study = make_study()
    with pytest.raises(IntegrityError), transaction.atomic():
        Study.objects.filter(pk=study.pk).update(**values)


def test_doi_is_normalised_even_by_queryset_update():
    study = make_study()
    Study.objects.filter(pk=study.pk).update(doi="https://doi.org/10.1000/UPPER")
    study.refresh_from_db()
    assert study.doi == "10.1000/upper"


def test_one_finding_per_study_condition_and_outcome():
    finding = make_finding()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_finding(study=finding.study, condition=finding.condition)
    make_finding(study=finding.study, condition=finding.condition, outcome="fatigue")
    make_finding(study=finding.study, condition=make_condition())


def test_links_and_levels():
    study = make_study(design="systematic_review", doi="10.1000/a", pmid=42)
    assert study.evidence_level == 1
    assert study.doi_url == "https://doi.org/10.1000/a"
    assert study.pubmed_url == "https://pubmed.ncbi.nlm.nih.gov/42/"
    assert study.get_absolute_url() == f"/studies/{study.pk}/{study.slug}/"
