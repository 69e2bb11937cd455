"""Site search's indexes, from `ldnsite.search.fields.DOCUMENTS`.

PostgreSQL: the `unaccent` and `pg_trgm` extensions, the `ldn_english` text
search configuration (English stemming after removing accents), and one GIN
index per type over its weighted vector (replacing the `english` ones). SQLite:
the FTS5 table, filled from the content. Each step does nothing on the other
database. Also gives the Editor and Reviewer groups the synonym permissions.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

from ldnsite.search import index
from ldnsite.search.fields import (
    DOCUMENTS,
    PG_CONFIG,
    PG_STORED_COLUMN,
    gin_index_name,
    postgresql_vector,
    postgresql_vector_sql,
)

CREATE_CONFIG = f"""
DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG};
CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = english);
ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG}
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
"""


def postgresql_forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_CONFIG)
    for document in DOCUMENTS:
        model = apps.get_model(document.label)
        name = gin_index_name(document)
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.add_index(
            model, GinIndex(postgresql_vector(document), name=name)
        )
        columns = {f.name: schema_editor.quote_name(f.column) for f in model._meta.fields}
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(model._meta.db_table)} "
            f"ADD COLUMN {PG_STORED_COLUMN} tsvector GENERATED ALWAYS AS "
            f"({postgresql_vector_sql(document, columns)}) STORED"
        )


def postgresql_backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for document in DOCUMENTS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {gin_index_name(document)}")
        table = apps.get_model(document.label)._meta.db_table
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(table)} "
            f"DROP COLUMN IF EXISTS {PG_STORED_COLUMN}"
        )
    schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}")


def sqlite_forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        index.rebuild(apps, using=schema_editor.connection.alias)


def sqlite_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(index.DROP_SQL)


SYNONYM_PERMISSIONS = {
    "Editor": ["add", "change", "view"],
    "Reviewer": ["add", "change", "view", "delete"],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("conditions")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, actions in SYNONYM_PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="conditions",
                codename__in=[f"{action}_searchsynonym" for action in actions],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ldnsite", "0003_pending_changes"),
        ("conditions", "0006_search_synonyms"),
        ("studies", "0009_study_list_order_indexes"),
    ]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(postgresql_forwards, postgresql_backwards),
        migrations.RunPython(sqlite_forwards, sqlite_backwards),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
