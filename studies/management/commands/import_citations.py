from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from studies.citation_formats import FORMATS, CitationFileError, decode_upload
from studies.imports import (
    CitationDocument,
    CitationImportError,
    ImportReport,
    citations_import,
    citations_preview,
)


class Command(BaseCommand):
    help = (
        "Import citations (RIS, BibTeX, PubMed .nbib, CSL-JSON or this site's CSV) "
        "as draft studies. Prints a report per record; duplicates are skipped "
        "unless --fill-duplicates fills their empty fields. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the citation file")
        parser.add_argument(
            "--format",
            choices=sorted(FORMATS),
            help="the file's format (default: detected from its content)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report only, write nothing"
        )
        parser.add_argument(
            "--fill-duplicates",
            action="store_true",
            help="fill empty fields of the studies that records duplicate",
        )
        parser.add_argument(
            "--user", help="username recorded in the history rows (default: none)"
        )

    def handle(self, *args, file, format, dry_run, fill_duplicates, user, **options):
        path = Path(file)
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user named {user!r}.")
        try:
            text = decode_upload(path.read_bytes(), name=path.name)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from None
        except CitationFileError as exc:
            raise CommandError(f"{exc} Nothing was imported.") from None
        documents = [CitationDocument(text=text, format=format, name=path.name)]
        try:
            if dry_run:
                report = citations_preview(documents=documents)
            else:
                report = citations_import(
                    documents=documents,
                    user=account,
                    fill_duplicates=fill_duplicates,
                )
        except (CitationFileError, CitationImportError) as exc:
            raise CommandError(f"{path.name}: {exc} Nothing was imported.") from None
        self._print(report)

    def _print(self, report: ImportReport) -> None:
        for record in report.records:
            line = f"{record.position:>4}. {record.label}: {record.why}"
            if record.outcome == "created":
                line += f" → created draft study #{record.study_id}"
            elif record.outcome == "filled":
                line += (
                    f" → filled {', '.join(record.filled)} of study #{record.study_id}"
                )
            self.stdout.write(line)
            for note in record.notes:
                self.stdout.write(f"        note: {note}")
            if record.ignored:
                self.stdout.write(f"        ignored: {', '.join(record.ignored)}")
        self.stdout.write(report.summary())
