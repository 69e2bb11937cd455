"""GIN indexes for site search, on PostgreSQL only.

Each index is over the same weighted search vector that `ldnsite/search.py`
queries (`search_vector()`), so the planner can use it for `@@`. They are not
part of the model state (SQLite has no GIN), hence RunPython rather than
Meta.indexes; on other databases this migration does nothing.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def vector(weighted):
    vectors = [
        SearchVector(*names, config="english", weight=weight)
        for weight, names in weighted.items()
    ]
    combined = vectors[0]
    for more in vectors[1:]:
        combined = combined + more
    return combined


INDEXES = {
    "condition": GinIndex(
        vector({"A": ("name",), "B": ("aliases", "summary"), "C": ("body",)}),
        name="condition_search_gin",
    ),
    "mechanism": GinIndex(
        vector({"A": ("name",), "B": ("summary",), "C": ("body",)}),
        name="mechanism_search_gin",
    ),
    "faqentry": GinIndex(
        vector({"A": ("question",), "C": ("answer",)}),
        name="faqentry_search_gin",
    ),
    "glossaryterm": GinIndex(
        vector({"A": ("term",), "C": ("definition",)}),
        name="glossaryterm_search_gin",
    ),
}


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in INDEXES.items():
        schema_editor.add_index(apps.get_model("conditions", model_name), index)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in INDEXES.items():
        schema_editor.remove_index(apps.get_model("conditions", model_name), index)


class Migration(migrations.Migration):
    dependencies = [
        ("conditions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_indexes, remove_indexes),
    ]
