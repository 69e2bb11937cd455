from collections import defaultdict

from django.db import migrations
from django.utils import timezone

from studies.evidence import Vote, rate_body, summary_fields

OUTCOME_LABELS = {
    "pain": "Pain",
    "fatigue": "Fatigue",
    "physical_function": "Physical function",
    "quality_of_life": "Quality of life",
    "disease_activity": "Disease activity",
    "mood": "Mood",
    "sleep": "Sleep",
    "adverse_events": "Adverse events and tolerability",
    "other": "Other",
}


def fill_evidence_summaries(apps, schema_editor):
    """Rate every body of evidence once, from the studies public now."""
    Finding = apps.get_model("studies", "Finding")
    EvidenceSummary = apps.get_model("studies", "EvidenceSummary")
    now = timezone.now()
    rows = Finding.objects.filter(
        study__status="published", study__published_at__lte=now
    ).values_list(
        "condition_id",
        "outcome",
        "study_id",
        "study__design",
        "direction",
        "participants",
        "study__sample_size",
        "study__risk_of_bias",
    )
    bodies = defaultdict(list)
    for condition_id, outcome, study_id, design, direction, n, size, rob in rows:
        bodies[(condition_id, outcome)].append(
            Vote(study_id, design, direction, n or size, rob)
        )
    EvidenceSummary.objects.all().delete()
    EvidenceSummary.objects.bulk_create(
        EvidenceSummary(
            condition_id=condition_id,
            outcome=outcome,
            computed_at=now,
            **summary_fields(rate_body(votes), OUTCOME_LABELS[outcome]),
        )
        for (condition_id, outcome), votes in sorted(bodies.items())
    )


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0006_evidence_fields_and_summaries"),
        ("conditions", "0004_fill_main_outcome"),
    ]

    operations = [
        migrations.RunPython(fill_evidence_summaries, migrations.RunPython.noop)
    ]
