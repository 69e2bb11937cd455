from django.db import migrations

# The default of `conditions.models.default_main_outcome`, as it stood here.
PAIN_CATEGORIES = ("pain_syndrome", "musculoskeletal")


def fill_main_outcome(apps, schema_editor):
    Condition = apps.get_model("conditions", "Condition")
    Condition.objects.filter(main_outcome="", category__in=PAIN_CATEGORIES).update(
        main_outcome="pain"
    )
    Condition.objects.filter(main_outcome="").update(main_outcome="disease_activity")


class Migration(migrations.Migration):
    dependencies = [("conditions", "0003_evidence_outcomes_and_categories")]

    operations = [migrations.RunPython(fill_main_outcome, migrations.RunPython.noop)]
