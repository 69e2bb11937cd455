from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from studies.services import DEFAULT_CONTENT, ContentError, content_load, content_read


class Command(BaseCommand):
    help = (
        "Load (or reload) the LDN content: mechanisms, conditions, studies with their "
        "findings, FAQ and glossary. Idempotent; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(DEFAULT_CONTENT), help="content JSON file"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )

    def handle(self, *args, path, dry_run, **options):
        try:
            report = content_load(data=content_read(path=Path(path)), dry_run=dry_run)
        except ContentError as exc:
            for error in exc.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(f"{exc}; nothing was written.") from None
        prefix = "Dry run, nothing written. " if dry_run else ""
        self.stdout.write(prefix + report.summary())
