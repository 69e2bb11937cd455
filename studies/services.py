"""Loading the site's editorial content from a JSON file, all or nothing.

The file (see `studies/fixtures/ldn_content.json`) holds mechanisms, conditions,
studies with their findings, FAQ entries and glossary terms, each keyed by slug.
Loading is a sync of the records the file names: new ones are created, changed
ones updated (leaving a history row), equal ones untouched, and links (mechanisms,
findings) made to match the file. Records the file does not name are left alone.
Every record is validated with the models' own rules; if any fails, nothing is
written and the report lists each failure.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.dateparse import parse_date, parse_datetime
from simple_history.utils import update_change_reason

from conditions.models import (
    Condition,
    ConditionMechanism,
    FAQEntry,
    GlossaryTerm,
    Mechanism,
    SearchSynonym,
)
from ldnsite.editorial.policy import Status
from studies.models import CITATION_FIELDS, Finding, Study, StudyMechanism

DEFAULT_CONTENT = Path(__file__).resolve().parent / "fixtures" / "ldn_content.json"
CHANGE_REASON = "Loaded from the content file"

SECTIONS: list[tuple[str, type[models.Model], list[str]]] = [
    ("mechanisms", Mechanism, ["name", "summary", "body", "support_level"]),
    (
        "conditions",
        Condition,
        [
            "name",
            "aliases",
            "category",
            "summary",
            "body",
            "dose_min_mg",
            "dose_max_mg",
            "main_outcome",
            "titration_notes",
        ],
    ),
    (
        "studies",
        Study,
        [
            *CITATION_FIELDS,
            "comparator",
            "risk_of_bias",
            "dose",
            "duration",
            "summary",
            "key_finding",
        ],
    ),
    ("faq", FAQEntry, ["question", "answer", "order", "condition"]),
    ("glossary", GlossaryTerm, ["term", "definition"]),
]
EDITORIAL_FIELDS = ["status", "published_at", "last_reviewed", "next_review_due"]
FINDING_FIELDS = [
    "direction",
    "effect",
    "participants",
    "dose_min_mg",
    "dose_max_mg",
    "follow_up_weeks",
    "effect_measure",
    "effect_value",
    "effect_ci_low",
    "effect_ci_high",
]


class ContentError(Exception):
    """The file cannot be loaded; `errors` lists every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s) in the content file")
        self.errors = errors


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))

    def summary(self) -> str:
        if not self.changed:
            total = sum(self.unchanged.values())
            return f"Nothing to change: all {total} records already match the file."
        parts = []
        for name in sorted(set(self.created) | set(self.updated) | set(self.unchanged)):
            parts.append(
                f"{name}: {self.created[name]} created, {self.updated[name]} updated, "
                f"{self.unchanged[name]} unchanged"
            )
        return "; ".join(parts) + "."


def content_read(*, path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentError([f"cannot read {path}: {exc.strerror or exc}"]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ContentError([f"{path} is not valid JSON: {exc}"]) from None
    if not isinstance(data, dict):
        raise ContentError(["the file must hold a JSON object"])
    return data


def content_load(*, data: dict[str, Any], dry_run: bool = False) -> LoadReport:
    """Validate and write `data`; on any problem raise `ContentError`, write nothing."""
    loader = _Loader(data)
    with transaction.atomic():
        loader.run()
        if loader.errors:
            transaction.set_rollback(True)
            raise ContentError(loader.errors)
        if dry_run:
            transaction.set_rollback(True)
    return loader.report


class _Loader:
    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: list[str] = []
        self.report = LoadReport()
        self.defaults = self._editorial_defaults(data.get("editorial", {}))
        self.saved: dict[type[models.Model], dict[str, models.Model]] = {}

    # --- helpers -------------------------------------------------------------

    def _editorial_defaults(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.errors.append("editorial: must be an object")
            return {}
        defaults = {"status": raw.get("status", Status.PUBLISHED)}
        for name, parse in [
            ("published_at", parse_datetime),
            ("last_reviewed", parse_date),
            ("next_review_due", parse_date),
        ]:
            value = raw.get(name)
            parsed = parse(value) if isinstance(value, str) else None
            if value is not None and parsed is None:
                self.errors.append(f"editorial.{name}: {value!r} is not a valid date")
            defaults[name] = parsed
        if defaults["status"] == Status.PUBLISHED and defaults["published_at"] is None:
            defaults["published_at"] = datetime.datetime(
                2026, 1, 1, tzinfo=datetime.UTC
            )
        return defaults

    def _records(self, section: str) -> list[dict[str, Any]]:
        records = self.data.get(section, [])
        if not isinstance(records, list) or not all(
            isinstance(r, dict) for r in records
        ):
            self.errors.append(f"{section}: must be a list of objects")
            return []
        return records

    def _lookup(self, model: type[models.Model], slug: Any, where: str) -> Any:
        found = self.saved.get(model, {}).get(slug) if isinstance(slug, str) else None
        if found is None:
            found = model._default_manager.filter(slug=slug).first() if slug else None
        if found is None:
            self.errors.append(
                f"{where}: no {model._meta.verbose_name} with slug {slug!r}"
            )
        return found

    @staticmethod
    def _message(exc: ValidationError) -> str:
        if hasattr(exc, "error_dict"):
            return "; ".join(
                f"{name}: {' '.join(messages)}"
                for name, messages in exc.message_dict.items()
            )
        return " ".join(exc.messages)

    def _save(
        self, obj: models.Model, label: str, created: bool, changed: bool
    ) -> None:
        if created or changed:
            obj.save()
            update_change_reason(obj, CHANGE_REASON)
        counter = (
            self.report.created
            if created
            else self.report.updated
            if changed
            else self.report.unchanged
        )
        counter[label] += 1

    # --- sections ------------------------------------------------------------

    def run(self) -> None:
        for section, model, fields in SECTIONS:
            for index, record in enumerate(self._records(section)):
                where = f"{section}[{index}] ({record.get('slug', '?')})"
                obj = self._record(model, record, fields, where)
                if obj is None:
                    continue
                self.saved.setdefault(model, {})[obj.slug] = obj
                if section in ("conditions", "studies"):
                    self._sync_mechanisms(obj, record.get("mechanisms", []), where)
                if section == "studies":
                    self._sync_findings(obj, record.get("findings", []), where)
        self._seed_synonyms(self.data.get("synonyms", {}))

    def _seed_synonyms(self, synonyms: Any) -> None:
        """Add the search synonyms ({condition slug: [terms]}) that are missing.

        Only for conditions that exist (the file may name conditions a site
        has not written yet); synonyms staff added or removed stay as they are
        once written, except that a missing one is added again.
        """
        if not isinstance(synonyms, dict) or not all(
            isinstance(terms, list) and all(isinstance(t, str) for t in terms)
            for terms in synonyms.values()
        ):
            self.errors.append("synonyms: must map condition slugs to lists of terms")
            return
        conditions = {
            c.slug: c for c in Condition.objects.filter(slug__in=list(synonyms))
        }
        existing = {
            (condition_id, term.casefold())
            for condition_id, term in SearchSynonym.objects.filter(
                condition__in=conditions.values()
            ).values_list("condition_id", "term")
        }
        for slug, terms in synonyms.items():
            condition = conditions.get(slug)
            if condition is None:
                continue
            for term in terms:
                if (condition.pk, term.casefold()) in existing:
                    self.report.unchanged["search synonyms"] += 1
                    continue
                SearchSynonym.objects.create(condition=condition, term=term)
                existing.add((condition.pk, term.casefold()))
                self.report.created["search synonyms"] += 1

    def _record(self, model, record, fields, where) -> models.Model | None:
        slug = record.get("slug")
        if not isinstance(slug, str) or not slug:
            self.errors.append(f"{where}: a slug is required")
            return None
        unknown = set(record) - {
            "slug",
            "mechanisms",
            "findings",
            *fields,
            *EDITORIAL_FIELDS,
        }
        if unknown:
            self.errors.append(
                f"{where}: unknown field(s) {', '.join(sorted(unknown))}"
            )
            return None
        obj = model._default_manager.filter(slug=slug).first()
        created = obj is None
        if created:
            obj = model(slug=slug)
        values = {**self.defaults, **{k: v for k, v in record.items() if k in fields}}
        values.update({k: record[k] for k in EDITORIAL_FIELDS if k in record})
        if model is Condition and isinstance(values.get("aliases"), list):
            values["aliases"] = ", ".join(values["aliases"])
        if model is FAQEntry and "condition" in values:
            slug_ = values["condition"]
            values["condition"] = (
                self._lookup(Condition, slug_, f"{where}.condition") if slug_ else None
            )

        changed = False
        for name, value in values.items():
            field_ = model._meta.get_field(name)
            if field_.is_relation:
                current, new = getattr(obj, field_.attname), value.pk if value else None
                attname = field_.attname
            else:
                try:
                    new = field_.to_python(value)
                except ValidationError as exc:
                    self.errors.append(f"{where}: {name}: {' '.join(exc.messages)}")
                    return None
                if new is None and not field_.null:
                    new = ""
                current, attname = getattr(obj, field_.attname), field_.attname
            if current != new:
                setattr(obj, attname, new)
                changed = True
        try:
            obj.full_clean()
        except ValidationError as exc:
            self.errors.append(f"{where}: {self._message(exc)}")
            return None
        self._save(obj, model._meta.verbose_name_plural, created, changed)
        return obj

    def _sync_mechanisms(self, obj, slugs, where) -> None:
        if not isinstance(slugs, list):
            self.errors.append(f"{where}.mechanisms: must be a list of slugs")
            return
        link_model = (
            ConditionMechanism if isinstance(obj, Condition) else StudyMechanism
        )
        owner = "condition" if isinstance(obj, Condition) else "study"
        wanted = {}
        for slug in slugs:
            mechanism = self._lookup(Mechanism, slug, f"{where}.mechanisms")
            if mechanism is not None:
                wanted[mechanism.pk] = mechanism
        existing = {
            link.mechanism_id: link
            for link in link_model.objects.filter(**{owner: obj})
        }
        for pk in existing.keys() - wanted.keys():
            existing[pk].delete()
            self.report.updated["mechanism links"] += 1
        for pk in wanted.keys() - existing.keys():
            link = link_model(**{owner: obj, "mechanism": wanted[pk]})
            self._save(link, "mechanism links", created=True, changed=True)
        self.report.unchanged["mechanism links"] += len(wanted.keys() & existing.keys())

    def _sync_findings(self, study: Study, records, where) -> None:
        if not isinstance(records, list):
            self.errors.append(f"{where}.findings: must be a list of objects")
            return
        existing = {(f.condition_id, f.outcome): f for f in study.findings.all()}
        kept = set()
        for index, record in enumerate(records):
            here = f"{where}.findings[{index}]"
            if not isinstance(record, dict):
                self.errors.append(f"{here}: must be an object")
                continue
            condition = self._lookup(
                Condition, record.get("condition"), f"{here}.condition"
            )
            if condition is None:
                continue
            key = (condition.pk, record.get("outcome"))
            if key in kept:
                self.errors.append(f"{here}: duplicate condition and outcome")
                continue
            kept.add(key)
            finding = existing.get(key)
            created = finding is None
            if created:
                finding = Finding(
                    study=study, condition=condition, outcome=record.get("outcome")
                )
            unknown = set(record) - {"condition", "outcome", *FINDING_FIELDS}
            if unknown:
                self.errors.append(
                    f"{here}: unknown field(s) {', '.join(sorted(unknown))}"
                )
                continue
            changed = False
            for name in FINDING_FIELDS:
                field_ = Finding._meta.get_field(name)
                default = None if field_.null else ""
                try:
                    new = field_.to_python(record.get(name, default))
                except ValidationError as exc:
                    self.errors.append(f"{here}: {name}: {' '.join(exc.messages)}")
                    new = default
                if getattr(finding, name) != new:
                    setattr(finding, name, new)
                    changed = True
            try:
                finding.full_clean()
            except ValidationError as exc:
                self.errors.append(f"{here}: {self._message(exc)}")
                continue
            self._save(finding, "findings", created, changed)
        for key in existing.keys() - kept:
            existing[key].delete()
            self.report.updated["findings"] += 1
