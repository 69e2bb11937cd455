from django.db import migrations

# `studies.evidence.DESIGN_LEVEL` as it stands in this migration. The index serves
# a query only while its expression is the one `LevelOfDesign` compiles: a change
# to the levels needs a migration that drops and recreates it
# (`tests/studies/test_level_order_index.py` fails until then).
LEVELS = (
    ("meta_analysis", 1),
    ("systematic_review", 1),
    ("rct", 2),
    ("crossover_rct", 2),
    ("non_randomised", 3),
    ("open_label", 3),
    ("cohort", 3),
    ("cross_sectional", 3),
    ("case_series", 4),
    ("case_report", 4),
    ("scoping_review", 5),
    ("narrative_review", 5),
    ("preclinical", 5),
    ("other", 5),
)
OTHERWISE = 5

LEVEL = (
    'CASE "design" '
    + " ".join(f"WHEN '{design}' THEN {level}" for design, level in LEVELS)
    + f" ELSE {OTHERWISE} END"
)
LEVEL_ORDER = (
    'CREATE INDEX IF NOT EXISTS "study_level_order" ON "studies_study" '
    f'(({LEVEL}), "year" DESC NULLS LAST, "title", "id")'
)


def create_level_order(apps, schema_editor):
    """Studies by evidence level, then newest (undated last), then title: the
    order of a condition's findings and of the API's findings list, read from
    the index a page at a time instead of sorting every finding of a condition.
    On PostgreSQL only, as `study_page_order` (migration 0009)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LEVEL_ORDER)


def drop_level_order(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "study_level_order"')


class Migration(migrations.Migration):
    dependencies = [("studies", "0011_sitemap_change_indexes")]

    operations = [migrations.RunPython(create_level_order, drop_level_order)]
