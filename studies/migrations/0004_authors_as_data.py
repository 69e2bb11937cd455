"""Authors become an ordered list of people; the old text becomes `authors_text`.

The text column keeps its rows (renamed), and the PostgreSQL search index is
rebuilt over the new name. `0005_fill_authors` parses the text into people.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

import studies.authors
import studies.models


def _index(authors_column):
    return GinIndex(
        SearchVector("title", config="english", weight="A")
        + SearchVector(
            authors_column, "journal", "key_finding", config="english", weight="B"
        )
        + SearchVector("summary", config="english", weight="C"),
        name="study_search_gin",
    )


def rebuild_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        model = apps.get_model("studies", "study")
        schema_editor.execute("DROP INDEX IF EXISTS study_search_gin")
        schema_editor.add_index(model, _index("authors_text"))


def restore_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS study_search_gin")


AUTHORS_HELP = (
    "In order: people as {family, given} (given names or initials “J. W.”),"
    " collective authors as {literal}."
)


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0003_search_index"),
    ]

    operations = [
        migrations.RenameField("study", "authors", "authors_text"),
        migrations.RenameField("historicalstudy", "authors", "authors_text"),
        migrations.AlterField(
            model_name="study",
            name="authors_text",
            field=studies.models.AuthorsLineField(
                blank=True,
                editable=False,
                help_text="Derived from the authors on save.",
                verbose_name="authors as one line",
            ),
        ),
        migrations.AlterField(
            model_name="historicalstudy",
            name="authors_text",
            field=studies.models.AuthorsLineField(
                blank=True,
                editable=False,
                help_text="Derived from the authors on save.",
                verbose_name="authors as one line",
            ),
        ),
        migrations.AddField(
            model_name="study",
            name="authors",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=AUTHORS_HELP,
                validators=[studies.authors.validate_authors],
            ),
        ),
        migrations.AddField(
            model_name="historicalstudy",
            name="authors",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=AUTHORS_HELP,
                validators=[studies.authors.validate_authors],
            ),
        ),
        migrations.AddField(
            model_name="study",
            name="authors_et_al",
            field=models.BooleanField(
                default=False,
                help_text="The source lists only the first authors (“et al.”).",
                verbose_name="et al.",
            ),
        ),
        migrations.AddField(
            model_name="historicalstudy",
            name="authors_et_al",
            field=models.BooleanField(
                default=False,
                help_text="The source lists only the first authors (“et al.”).",
                verbose_name="et al.",
            ),
        ),
        migrations.AddField(
            model_name="study",
            name="abstract",
            field=models.TextField(blank=True, help_text="As published (plain text)."),
        ),
        migrations.AddField(
            model_name="historicalstudy",
            name="abstract",
            field=models.TextField(blank=True, help_text="As published (plain text)."),
        ),
        migrations.AddField(
            model_name="study",
            name="keywords",
            field=models.JSONField(
                blank=True,
                default=list,
                validators=[studies.models.validate_keywords],
            ),
        ),
        migrations.AddField(
            model_name="historicalstudy",
            name="keywords",
            field=models.JSONField(
                blank=True,
                default=list,
                validators=[studies.models.validate_keywords],
            ),
        ),
        migrations.RunPython(rebuild_index, restore_index),
    ]
