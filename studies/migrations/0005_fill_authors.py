"""Parse each study's author text ("Younger J, Parkitny L") into people.

History rows are parsed too, so reverting to an earlier version keeps its authors.
"""

from django.db import migrations

from studies.authors import authors_line, parse_authors


def fill(apps, schema_editor):
    for name in ("study", "historicalstudy"):
        model = apps.get_model("studies", name)
        rows = list(model.objects.exclude(authors_text=""))
        for row in rows:
            row.authors, row.authors_et_al = parse_authors(row.authors_text)
            row.authors_text = authors_line(row.authors, row.authors_et_al)
        model.objects.bulk_update(
            rows, ["authors", "authors_et_al", "authors_text"], batch_size=500
        )


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0004_authors_as_data"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
