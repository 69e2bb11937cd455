"""A GIN index for site search over studies, on PostgreSQL only.

The index is over the same weighted search vector that `ldnsite/search.py`
queries (`search_vector()`), so the planner can use it for `@@`. It is not part
of the model state (SQLite has no GIN), hence RunPython rather than
Meta.indexes; on other databases this migration does nothing.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX = GinIndex(
    SearchVector("title", config="english", weight="A")
    + SearchVector("authors", "journal", "key_finding", config="english", weight="B")
    + SearchVector("summary", config="english", weight="C"),
    name="study_search_gin",
)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("studies", "study"), INDEX)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("studies", "study"), INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0002_create_editorial_roles"),
    ]

    operations = [
        migrations.RunPython(add_index, remove_index),
    ]
