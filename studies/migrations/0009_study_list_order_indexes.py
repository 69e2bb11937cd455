from django.conf import settings
from django.db import migrations, models

PAGE_ORDER = (
    'CREATE INDEX IF NOT EXISTS "study_page_order" ON "studies_study" '
    '("year" DESC NULLS LAST, "title", "id")'
)


def create_page_order(apps, schema_editor):
    """The list page's order (undated studies last), on PostgreSQL only: SQLite
    cannot index NULLS LAST (and sorts its small tables quickly anyway)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PAGE_ORDER)


def drop_page_order(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "study_page_order"')


class Migration(migrations.Migration):

    dependencies = [
        ("conditions", "0004_fill_main_outcome"),
        ("studies", "0008_unpublish_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="study",
            index=models.Index(
                fields=["-year", "title", "id"], name="study_newest_first"
            ),
        ),
        migrations.AddIndex(
            model_name="study",
            index=models.Index(
                fields=["-published_at", "-id"], name="study_latest_first"
            ),
        ),
        migrations.RunPython(create_page_order, drop_page_order),
    ]
