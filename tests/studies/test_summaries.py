"""Stored evidence summaries: written on every write that changes them."""

import datetime
import io
import random
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from conditions.models import Outcome
from ldnsite.editorial.policy import Status
from studies.evidence import Certainty, Design, Direction
from studies.models import EvidenceSummary, Finding, Study
from tests.factories import make_condition, make_finding, make_study

FIELDS = [
    f.name
    for f in EvidenceSummary._meta.concrete_fields
    if f.name not in ("id", "computed_at")
]


def stored() -> list[tuple]:
    return list(
        EvidenceSummary.objects.order_by("condition_id", "outcome").values_list(*FIELDS)
    )


def fresh() -> list[tuple]:
    EvidenceSummary.objects.recompute_all()
    return stored()


def test_a_finding_write_stores_its_condition_summary(db):
    condition = make_condition()
    finding = make_finding(
        condition=condition, study=make_study(sample_size=40), direction="benefit"
    )
    row = EvidenceSummary.objects.get(condition=condition, outcome=Outcome.PAIN)
    assert (row.studies, row.participants, row.certainty) == (1, 40, "moderate")
    assert row.headline.startswith("A randomised trial in 40 people found a benefit")
    finding.delete()
    assert not EvidenceSummary.objects.filter(condition=condition).exists()


@pytest.mark.parametrize(
    ("schedule", "before", "after"),
    [
        # A large null study scheduled to appear, or to go.
        ("published_at", (1, "benefit"), (2, "no_clear_benefit")),
        ("unpublish_at", (2, "no_clear_benefit"), (1, "benefit")),
    ],
)
def test_a_scheduled_study_counts_from_its_time_on(db, schedule, before, after):
    condition = make_condition()
    later = timezone.now() + datetime.timedelta(days=2)
    make_finding(condition=condition, study=make_study(sample_size=50))
    make_finding(
        condition=condition,
        study=make_study(sample_size=500, **{schedule: later}),
        direction="no_effect",
    )
    row = EvidenceSummary.objects.get(condition=condition)
    assert (row.studies, row.direction) == before, "its time has not come"
    assert EvidenceSummary.objects.due_condition_ids() == set()
    with mock.patch(
        "django.utils.timezone.now", return_value=later + datetime.timedelta(hours=1)
    ):
        assert EvidenceSummary.objects.due_condition_ids() == {condition.pk}
        call_command("recompute_evidence", "--due", stdout=io.StringIO())
        row = EvidenceSummary.objects.get(condition=condition)
        assert (row.studies, row.direction) == after
        assert EvidenceSummary.objects.due_condition_ids() == set()


def test_the_command_rebuilds_every_summary(db):
    make_finding(study=make_study(sample_size=30))
    expected = stored()
    EvidenceSummary.objects.all().delete()
    call_command("recompute_evidence", stdout=open("/dev/null", "w"))
    assert stored() == expected


class Writer:
    """Random writes of every kind that can change a summary."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.conditions = [make_condition(category="autoimmune") for _ in range(3)]
        self.studies = [
            make_study(sample_size=self.rng.randint(5, 300)) for _ in range(5)
        ]

    def pick(self, items):
        return self.rng.choice(list(items))

    def step(self) -> str:
        kind = self.pick(self.KINDS)
        getattr(self, kind)()
        return kind

    KINDS = [
        "add_finding",
        "edit_finding",
        "move_finding",
        "delete_finding",
        "delete_findings",
        "update_findings",
        "bulk_add_findings",
        "study_status",
        "study_design",
        "study_size",
        "study_bias",
        "study_comparator",
        "update_studies",
        "condition_outcome",
    ]

    def _new_finding(self) -> Finding | None:
        study, condition = self.pick(self.studies), self.pick(self.conditions)
        outcome = self.pick([Outcome.PAIN, Outcome.DISEASE_ACTIVITY, Outcome.FATIGUE])
        if Finding.objects.filter(study=study, condition=condition, outcome=outcome):
            return None
        return Finding(
            study=study,
            condition=condition,
            outcome=outcome,
            direction=self.pick(Direction.values),
            effect="A result.",
            participants=self.pick([None, self.rng.randint(1, 500)]),
        )

    def add_finding(self):
        finding = self._new_finding()
        if finding:
            finding.save()

    def bulk_add_findings(self):
        new = [f for f in (self._new_finding() for _ in range(3)) if f]
        keys = {(f.study_id, f.condition_id, f.outcome) for f in new}
        if len(keys) == len(new):
            Finding.objects.bulk_create(new)

    def edit_finding(self):
        finding = Finding.objects.order_by("?").first()
        if finding:
            finding.direction = self.pick(Direction.values)
            finding.participants = self.pick([None, self.rng.randint(1, 500)])
            finding.save()

    def move_finding(self):
        finding = Finding.objects.order_by("?").first()
        if finding:
            target = self.pick(self.conditions)
            if not Finding.objects.filter(
                study=finding.study, condition=target, outcome=finding.outcome
            ).exists():
                finding.condition = target
                finding.save()

    def delete_finding(self):
        finding = Finding.objects.order_by("?").first()
        if finding:
            finding.delete()

    def delete_findings(self):
        Finding.objects.filter(direction=self.pick(Direction.values)).delete()

    def update_findings(self):
        Finding.objects.filter(outcome=Outcome.PAIN).update(
            direction=self.pick(Direction.values)
        )

    def _save_study(self, **values):
        study = Study.objects.get(pk=self.pick(self.studies).pk)
        for name, value in values.items():
            setattr(study, name, value)
        study.save()

    def study_status(self):
        now = timezone.now()
        self._save_study(
            **self.pick(
                [
                    {"status": Status.PUBLISHED, "published_at": now},
                    {"status": Status.DRAFT, "published_at": None},
                    {"status": Status.ARCHIVED},
                    {
                        "status": Status.PUBLISHED,
                        "published_at": now + datetime.timedelta(days=3),
                    },
                ]
            )
        )

    def study_design(self):
        self._save_study(design=self.pick(Design.values))

    def study_size(self):
        self._save_study(sample_size=self.pick([None, self.rng.randint(1, 900)]))

    def study_bias(self):
        self._save_study(risk_of_bias=self.pick(["low", "some_concerns", "high"]))

    def study_comparator(self):
        self._save_study(comparator=self.pick(["placebo", "none", ""]))

    def update_studies(self):
        Study.objects.filter(pk=self.pick(self.studies).pk).update(
            design=self.pick(Design.values),
            sample_size=self.rng.randint(1, 900),
        )

    def condition_outcome(self):
        condition = self.pick(self.conditions)
        condition.main_outcome = self.pick([Outcome.PAIN, Outcome.FATIGUE])
        condition.save()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_summaries_equal_a_fresh_recomputation_after_every_write(db, seed):
    writer = Writer(seed)
    for _ in range(40):
        kind = writer.step()
        assert stored() == fresh(), f"after {kind}"


def test_certainty_values_stored_are_the_rules_values(db):
    make_finding(study=make_study(sample_size=30))
    assert set(EvidenceSummary.objects.values_list("certainty", flat=True)) <= set(
        Certainty.values
    )
