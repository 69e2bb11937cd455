from django.core.management.base import BaseCommand
from django.db import connection, transaction

from ldnsite.search import index


class Command(BaseCommand):
    help = (
        "Rewrite the SQLite full-text search index from the content (on "
        "PostgreSQL the indexes follow the tables and there is nothing to do)."
    )

    def handle(self, *args, **options):
        if not index.uses_fts():
            self.stdout.write(
                f"Nothing to do on {connection.vendor}: its search indexes "
                "follow the tables."
            )
            return
        with transaction.atomic():
            rows = index.rebuild()
        self.stdout.write(f"Search index rebuilt: {rows} items.")
