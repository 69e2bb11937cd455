"""Importing citations: a preview of every record, then the confirmed writes.

`citations_preview()` reads one or more citation documents (an uploaded file,
pasted text, or what a DOI/PMID look-up fetched) and reports every record as
**new**, **duplicate** of an existing study (with the reason), **duplicate within
this file** (of an earlier record) or **invalid** (with its field errors). It
writes nothing and runs a fixed number of queries whatever the number of records.

`citations_import()` runs the same preview again on the same documents (the
admin and the API never trust record data sent back by a client: only which
records to take) and then, in one transaction, creates the chosen new records as
drafts and, when asked, fills the empty fields of the studies the chosen
duplicates match (never overwriting a value). Every write leaves a history row
naming the user and the source. Any failure writes nothing.

The management command `import_citations`, `POST /api/v1/studies/import/` and the
admin's "Import citations" page all call these two functions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ldnsite.editorial.pending import propose_values
from ldnsite.editorial.policy import Status, needs_review
from ldnsite.search.index import index_objects
from studies.authors import authors_line
from studies.citation_formats import (
    MAX_RECORDS,
    RECORD_KEYS,
    CitationFileError,
    ParsedRecord,
    parse_citations,
)
from studies.duplicates import DuplicateIndex, Match, Work
from studies.models import Study

NEW = "new"
DUPLICATE = "duplicate"
DUPLICATE_IN_FILE = "duplicate_in_file"
INVALID = "invalid"
STATUS_LABELS = {
    NEW: "new",
    DUPLICATE: "duplicate",
    DUPLICATE_IN_FILE: "duplicate within this file",
    INVALID: "invalid",
}
# Fields a duplicate may fill on the study it matches (when they are empty there):
# every record field but the title it matched on, the design (a curator's call)
# and the et al. flag (it goes with the authors).
FILLABLE = tuple(
    key for key in RECORD_KEYS if key not in {"title", "design", "authors_et_al"}
)
SLUG_TRIES = 5


class CitationImportError(Exception):
    """The import was refused as a whole (nothing was written).

    `field` names what was wrong for an API answer ("records" for a position
    that does not exist).
    """

    def __init__(self, message: str, *, field: str = "non_field_errors"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CitationDocument:
    """A citation text to read: its content, format (None: detect) and name."""

    text: str
    format: str | None = None
    name: str = ""


@dataclass
class RecordReport:
    position: int
    label: str
    status: str
    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    document: str = ""
    format: str = ""
    match: Match | None = None  # the existing study (DUPLICATE)
    same_as: int | None = None  # the earlier record (DUPLICATE_IN_FILE)
    fillable: list[str] = field(default_factory=list)
    # After an import: "created", "filled", "skipped" or "" (preview).
    outcome: str = ""
    study_id: int | None = None
    filled: list[str] = field(default_factory=list)
    # The filled fields wait for review (a published study, no publish permission).
    waits_for_review: bool = False

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def why(self) -> str:
        """The report's one line about this record's status."""
        if self.status == DUPLICATE and self.match:
            return f"duplicate of study #{self.match.ref}: {self.match.reason}"
        if self.status == DUPLICATE_IN_FILE and self.match:
            return (
                f"duplicate within this file of record {self.same_as}: "
                f"{self.match.reason}"
            )
        if self.status == INVALID:
            return "invalid: " + "; ".join(
                f"{name}: {' '.join(texts)}" for name, texts in self.errors.items()
            )
        return "new"

    @property
    def selected_by_default(self) -> bool:
        """New records are taken; duplicates when they would fill something."""
        return self.status == NEW or (self.status == DUPLICATE and bool(self.fillable))


@dataclass
class ImportReport:
    source: str
    records: list[RecordReport]
    dry_run: bool = True

    def count(self, status: str) -> int:
        return sum(1 for r in self.records if r.status == status)

    def outcome_count(self, outcome: str) -> int:
        return sum(1 for r in self.records if r.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in STATUS_LABELS}

    def summary(self) -> str:
        counts = self.counts
        line = (
            f"{_n(len(self.records), 'record')}: {counts[NEW]} new, "
            f"{_n(counts[DUPLICATE], 'duplicate')} of existing studies, "
            f"{_n(counts[DUPLICATE_IN_FILE], 'duplicate')} within the file, "
            f"{counts[INVALID]} invalid."
        )
        if self.dry_run:
            return line + " Nothing was written (preview)."
        created = _n(self.outcome_count("created"), "draft study", "draft studies")
        waiting = sum(1 for r in self.records if r.waits_for_review)
        return line + (
            f" Created {created}, filled empty fields of "
            f"{self.outcome_count('filled')}"
            + (f" ({waiting} waiting for review)" if waiting else "")
            + f", skipped {self.outcome_count('skipped')}."
        )


def _validate(study: Study, label: str) -> None:
    """The model's own checks, before a bulk write that skips `save()`.

    Uniqueness is settled before (in memory, by DOI and PubMed ID, and by
    `_slugs`); a failure stops the whole import, naming the record.
    """
    try:
        study.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise CitationImportError(
            f"{label}: {'; '.join(exc.messages)} Nothing was imported."
        ) from None


def _n(count: int, singular: str, plural: str = "") -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _read(documents: Sequence[CitationDocument]) -> list[tuple[ParsedRecord, str, str]]:
    out = []
    offset = 0
    for document in documents:
        try:
            format, records = parse_citations(
                document.text, format=document.format, filename=document.name
            )
        except CitationFileError as exc:
            if len(documents) > 1 and document.name:
                raise CitationFileError(f"{document.name}: {exc}") from None
            raise
        for record in records:
            record.position += offset
            out.append((record, document.name, format))
        offset += len(records)
    if offset > MAX_RECORDS:
        raise CitationFileError(
            f"{offset} records at once; the limit is {MAX_RECORDS} per import."
        )
    return out


def _fillable(study_values: dict[str, Any], values: dict[str, Any]) -> list[str]:
    return [
        name
        for name in FILLABLE
        if values.get(name) not in (None, "", [])
        and study_values.get(name) in (None, "", [])
    ]


def citations_preview(*, documents: Sequence[CitationDocument]) -> ImportReport:
    """Read, check and match every record; write nothing (a fixed number of queries).

    Raises `CitationFileError` when a document cannot be read at all.
    """
    parsed = _read(documents)
    index = DuplicateIndex.from_database()  # one query
    in_file = DuplicateIndex()
    reports: list[RecordReport] = []
    for record, name, format in parsed:
        report = RecordReport(
            position=record.position,
            label=record.label,
            status=NEW,
            values=record.values,
            errors=record.errors,
            ignored=record.ignored,
            notes=record.notes,
            document=name,
            format=format,
        )
        reports.append(report)
        if not record.valid:
            report.status = INVALID
            continue
        work = Work.of(record.position, record.values)
        if match := index.find(work):
            report.status, report.match = DUPLICATE, match
        elif match := in_file.find(work):
            report.status, report.match = DUPLICATE_IN_FILE, match
            report.same_as = match.ref
        in_file.add(work)
    duplicates = [r for r in reports if r.status == DUPLICATE]
    if duplicates:  # one query for the matched studies' current values
        current = {
            row["pk"]: row
            for row in Study.objects.filter(
                pk__in={r.match.ref for r in duplicates}
            ).values("pk", *FILLABLE)
        }
        for report in duplicates:
            report.fillable = _fillable(current[report.match.ref], report.values)
    source = ", ".join(d.name for d in documents if d.name) or "pasted text"
    return ImportReport(source=source, records=reports)


def _slugs(reports: list[RecordReport]) -> dict[int, str]:
    """A unique slug per new record: title (and year), suffixed on a clash."""
    bases = {}
    for report in reports:
        base = slugify(report.values["title"])
        if len(base) > 80:  # cut at a word
            base = base[:81].rsplit("-", 1)[0]
        base = base.strip("-") or "study"
        if report.values.get("year"):
            base = f"{base}-{report.values['year']}"
        bases[report.position] = base
    tries = {
        base if n == 1 else f"{base}-{n}"
        for base in bases.values()
        for n in range(1, SLUG_TRIES + 1)
    }
    taken = set(Study.objects.filter(slug__in=tries).values_list("slug", flat=True))
    slugs = {}
    for position, base in bases.items():
        for n in range(1, SLUG_TRIES + 1):
            slug = base if n == 1 else f"{base}-{n}"
            if slug not in taken:
                break
        else:
            slug = f"{base}-{uuid.uuid4().hex[:8]}"
        taken.add(slug)
        slugs[position] = slug
    return slugs


def citations_import(
    *,
    documents: Sequence[CitationDocument],
    user: AbstractBaseUser | None,
    records: Iterable[int] | None = None,
    fill_duplicates: bool = False,
) -> ImportReport:
    """Preview again, then write the chosen records in one transaction.

    `records` are the positions to take (default: every new record, and every
    duplicate of an existing study when `fill_duplicates`). A chosen new record
    becomes a draft study; a chosen duplicate fills the empty fields of its study
    when `fill_duplicates`, and is skipped otherwise. Duplicates within the file
    and invalid records are never written. Raises `CitationImportError` (nothing
    written) for a position that does not exist or a record the model refuses.
    """
    report = citations_preview(documents=documents)
    report.dry_run = False
    by_position = {r.position: r for r in report.records}
    if records is None:
        chosen = {
            r.position
            for r in report.records
            if r.status == NEW or (r.status == DUPLICATE and fill_duplicates)
        }
    else:
        chosen = set(records)
        unknown = sorted(chosen - by_position.keys())
        if unknown:
            raise CitationImportError(
                f"No record at position(s) {', '.join(map(str, unknown))}: the file "
                f"has records 1 to {len(report.records)}.",
                field="records",
            )
    reason = f"Imported from {report.source}"[:100]
    user = user if user is not None and user.is_authenticated else None
    for r in report.records:
        r.outcome = "skipped"
    try:
        with transaction.atomic():
            _create(report, chosen, by_position, user, reason)
            if fill_duplicates:
                _fill(report, chosen, user, reason)
    except IntegrityError as exc:
        # A study saved meanwhile by someone else (same DOI, PubMed ID or slug).
        raise CitationImportError(
            f"The database refused the import ({exc}). Nothing was imported; "
            "preview the file again."
        ) from None
    return report


def _create(report, chosen, by_position, user, reason) -> None:
    new = [by_position[p] for p in sorted(chosen) if by_position[p].status == NEW]
    if not new:
        return
    slugs = _slugs(new)
    studies = []
    for r in new:
        study = Study(
            **{key: r.values[key] for key in RECORD_KEYS},
            slug=slugs[r.position],
            status=Status.DRAFT,
            published_at=None,
        )
        _validate(study, r.label)
        studies.append(study)
    created = bulk_create_with_history(
        studies,
        Study,
        batch_size=500,
        default_user=user,
        default_change_reason=reason,
    )
    # bulk_create() sends no post_save: index the new studies for search here.
    index_objects(Study, created)
    for r, study in zip(new, created, strict=True):
        r.outcome, r.study_id = "created", study.pk


def _fill(report: ImportReport, chosen: set[int], user, reason: str) -> None:
    wanted = [
        r for r in report.records if r.position in chosen and r.status == DUPLICATE
    ]
    if not wanted:
        return
    studies = {
        s.pk: s
        for s in Study.objects.select_for_update().filter(
            pk__in={r.match.ref for r in wanted}
        )
    }
    changed: dict[int, Study] = {}
    fields: set[str] = set()
    # A DOI or PubMed ID is unique: one already given (to a study created by this
    # import, or filled a moment ago) is not filled in again.
    taken = {
        (name, r.values[name])
        for r in report.records
        if r.outcome == "created"
        for name in ("doi", "pmid")
        if r.values[name]
    }
    for r in wanted:
        study = studies[r.match.ref]
        filled = [
            name
            for name in _fillable(
                {name: getattr(study, name) for name in FILLABLE}, r.values
            )
            if name not in ("doi", "pmid") or (name, r.values[name]) not in taken
        ]
        for name in filled:
            setattr(study, name, r.values[name])
            if name in ("doi", "pmid"):
                taken.add((name, r.values[name]))
            if name == "authors":
                study.authors_et_al = r.values["authors_et_al"]
                # bulk_update() skips pre_save(): write the derived line here.
                study.authors_text = authors_line(study.authors, study.authors_et_al)
                fields.update(("authors_et_al", "authors_text"))
        r.study_id = study.pk
        r.filled = filled
        r.outcome = "filled" if filled else "skipped"
        if filled:
            fields.update(filled)
            changed[study.pk] = study
    if not changed:
        return
    now = timezone.now()
    for study in changed.values():
        study.updated_at = now
        _validate(study, f"Study #{study.pk}")
    # Filling a published study is a change to it: without the publish
    # permission it waits for review like any other.
    for pk, study in list(changed.items()):
        if user is not None and needs_review(user, study):
            values = {name: getattr(study, name) for name in fields}
            propose_values(Study.objects.get(pk=pk), values, user=user, reason=reason)
            del changed[pk]
            for r in wanted:
                if r.study_id == pk and r.outcome == "filled":
                    r.waits_for_review = True
    if not changed:
        return
    bulk_update_with_history(
        list(changed.values()),
        Study,
        sorted({*fields, "updated_at"}),
        batch_size=500,
        default_user=user,
        default_change_reason=reason,
    )
    index_objects(Study, changed.values())
