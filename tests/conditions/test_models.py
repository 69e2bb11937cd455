import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from conditions.models import Condition, ConditionMechanism, Mechanism
from ldnsite.editorial.models import add_months
from ldnsite.editorial.policy import Status
from studies.evidence import Direction
from studies.models import Finding
from tests.factories import (
    make_condition,
    make_finding,
    make_mechanism,
    make_study,
)

pytestmark = pytest.mark.django_db


def test_finding_is_public_only_when_study_and_condition_are():
    shown = make_finding()
    make_finding(study=make_study(status=Status.DRAFT, published_at=None))
    make_finding(condition=make_condition(status=Status.ARCHIVED))
    assert list(Finding.objects.published()) == [shown]


def test_headline_counts_published_studies_only_and_keeps_nulls():
    condition = make_condition()
    make_finding(condition=condition, study=make_study(design="rct"), participants=20)
    make_finding(
        condition=condition,
        study=make_study(design="rct"),
        direction=Direction.NO_EFFECT,
        participants=90,
    )
    make_finding(
        condition=condition,
        study=make_study(design="rct", status=Status.DRAFT, published_at=None),
        participants=900,
    )
    fetched = Condition.objects.with_evidence().get(pk=condition.pk)
    assert (fetched.headline.studies, fetched.headline.participants) == (2, 110)
    assert fetched.headline.direction == "no_clear_benefit"
    # Without the prefetch the property queries, and agrees.
    assert Condition.objects.get(pk=condition.pk).headline == fetched.headline


def test_main_outcome_defaults_by_category_and_conditions_do_not_import_studies():
    import ast
    from pathlib import Path

    import conditions.models

    assert make_condition(category="pain_syndrome").main_outcome == "pain"
    assert make_condition(category="autoimmune").main_outcome == "disease_activity"
    chosen = make_condition(category="autoimmune", main_outcome="fatigue")
    assert chosen.main_outcome == "fatigue"
    tree = ast.parse(Path(conditions.models.__file__).read_text())
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not {m for m in imported if m.split(".")[0] == "studies"}


def test_publishing_without_a_date_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_condition(status=Status.PUBLISHED, published_at=None)


def test_clean_fills_the_publication_date_when_publishing():
    condition = make_condition(status=Status.DRAFT, published_at=None)
    condition.status = Status.PUBLISHED
    condition.full_clean()
    assert condition.published_at is not None


def test_dose_range_min_above_max_is_a_validation_error_and_a_db_error():
    condition = make_condition()
    condition.dose_min_mg, condition.dose_max_mg = 5, 1
    with pytest.raises(ValidationError) as exc:
        condition.full_clean()
    assert "dose_max_mg" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        condition.save()


def test_slugs_are_unique():
    make_condition(slug="same")
    with pytest.raises(ValidationError) as exc:
        Condition(
            name="Other", slug="same", category="autoimmune", summary="x"
        ).full_clean()
    assert "slug" in exc.value.message_dict


def test_review_overdue_lists_only_live_items_past_their_date():
    today = timezone.localdate()
    late = make_condition(next_review_due=today - datetime.timedelta(days=1))
    make_condition(next_review_due=today)
    make_condition(
        status=Status.ARCHIVED, next_review_due=today - datetime.timedelta(days=9)
    )
    assert list(Condition.objects.review_overdue()) == [late]
    assert late.review_is_overdue


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 2, 29), 12, datetime.date(2029, 2, 28)),
        (datetime.date(2026, 11, 21), 12, datetime.date(2027, 11, 21)),
        (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_deleting_evidence_that_other_records_depend_on_is_refused():
    condition = make_condition()
    finding = make_finding(condition=condition)
    mechanism = make_mechanism()
    ConditionMechanism.objects.create(condition=make_condition(), mechanism=mechanism)
    with pytest.raises(ProtectedError):
        condition.delete()
    with pytest.raises(ProtectedError):
        finding.study.delete()
    with pytest.raises(ProtectedError):
        mechanism.delete()
    assert Mechanism.objects.filter(pk=mechanism.pk).exists()


def test_every_save_leaves_a_history_row():
    condition = make_condition(summary="First.")
    condition.summary = "Second."
    condition.save()
    assert [h.summary for h in condition.history.all()] == ["Second.", "First."]


@pytest.mark.parametrize(
    ("low", "high", "shown"),
    [
        ("0.5", "4.5", "0.5–4.5 mg"),
        ("1.50", "3", "1.5–3 mg"),
        ("4.5", "4.5", "4.5 mg"),
        (None, "4.5", "4.5 mg"),
        (None, None, ""),
    ],
)
def test_dose_range_is_shown_without_trailing_zeros(low, high, shown):
    condition = make_condition(dose_min_mg=low, dose_max_mg=high)
    condition.refresh_from_db()
    assert condition.dose_range == shown
