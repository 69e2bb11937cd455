"""Changes to published content that wait for review: the model and its service.

A published item has a live version and at most one open `PendingChange`. When
`ldnsite.editorial.policy.needs_review()` says a write must wait (someone
without the publish permission changes a published item), the admin, the API and
the importers call `propose()` (the item's own fields and its child rows) or
`propose_child()` (one child row written on its own, e.g. a finding through the
API) instead of saving. The public keeps seeing the live rows: nothing here
touches them until `approve()` applies the change in one transaction, through the
models' own `save()` and `delete()` (so evidence summaries are recomputed and
every row written leaves a history row with the reviewer's comment).

What a change holds (`PendingChange.data`, JSON):

    {"fields": {name: value, ...},               # every editable field
     "children": {relation: [row, ...], ...},    # e.g. "findings", "mechanism_links"
     "base": {relation: [row id, ...]},          # the live rows they replace
     "moved": {relation: {row id: new parent id}}}

A row is `{"id": pk or null, field: value, ...}`: the rows the item will have.
Only relations that differ from the live rows are kept. A `base` row missing from
the list is deleted on approval, unless `moved` names the parent it goes to;
rows added live after the proposal are kept. The relations are the item model's
`pending_children`.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import json
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from ldnsite.editorial.policy import PUBLISHING_FIELDS, needs_review

# Not proposed: set by the database or derived on save.
SKIPPED_FIELDS = frozenset({*PUBLISHING_FIELDS, "created_at", "updated_at"})


class PendingChange(models.Model):
    """A proposed change to a published item, waiting for a Reviewer."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for review"
        SENT_BACK = "sent_back", "Sent back"
        APPROVED = "approved", "Approved"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    data = models.JSONField(encoder=DjangoJSONEncoder)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who last changed the proposal.",
    )
    reason = models.CharField(max_length=300, blank=True)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.WAITING, db_index=True
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer_comment = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "pending change"
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=~Q(state="approved"),
                name="one_open_pending_change_per_item",
                violation_error_message="This item already has a pending change.",
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"Change to {self.content_type.name} #{self.object_id}"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.APPROVED

    @property
    def model(self) -> type[models.Model]:
        return self.content_type.model_class()


class ApplyError(Exception):
    """An approved change that the models refuse (e.g. a slug taken meanwhile)."""


# --- Reading items and rows as data ----------------------------------------------


def _plain(value: Any) -> Any:
    """A field value as JSON keeps it, comparable between a form and the database."""
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def proposed_fields(model: type[models.Model], *, parent: str = "") -> list:
    """The fields a change may propose: editable, concrete, not publishing fields."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable
        and not f.primary_key
        and f.name not in SKIPPED_FIELDS
        and f.name != parent
    ]


def child_relations(model: type[models.Model]) -> dict[str, models.ForeignKey]:
    """`pending_children` of an item model: relation name → the child's foreign key."""
    return {
        name: model._meta.get_field(name).remote_field
        for name in getattr(model, "pending_children", ())
    }


def parent_relations(child_model: type[models.Model]) -> list[tuple[str, str]]:
    """(foreign key name, relation name) of each item model that owns these rows."""
    found = []
    for field in child_model._meta.concrete_fields:
        if not field.is_relation or field.related_model is None:
            continue
        for relation, fk in child_relations(field.related_model).items():
            if fk is field:
                found.append((field.name, relation))
    return found


def fields_of(obj: models.Model, *, parent: str = "") -> dict[str, Any]:
    return {
        f.attname: _plain(f.value_from_object(obj))
        for f in proposed_fields(type(obj), parent=parent)
    }


def row_of(child: models.Model, fk: models.ForeignKey) -> dict[str, Any]:
    return {"id": child.pk, **fields_of(child, parent=fk.name)}


def live_data(obj: models.Model) -> dict[str, Any]:
    """The saved item as a change would hold it (reads the database)."""
    saved = type(obj)._default_manager.get(pk=obj.pk)
    children = {
        relation: [row_of(c, fk) for c in getattr(saved, relation).order_by("pk")]
        for relation, fk in child_relations(type(obj)).items()
    }
    return {"fields": fields_of(saved), "children": children, "moved": {}}


def open_change(obj: models.Model) -> PendingChange | None:
    return (
        PendingChange.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=obj.pk,
        )
        .exclude(state=PendingChange.State.APPROVED)
        .select_related("author", "reviewer")
        .first()
    )


def set_fields(obj: models.Model, values: dict[str, Any], *, parent: str = "") -> None:
    """Put proposed values on an instance, in memory."""
    for f in proposed_fields(type(obj), parent=parent):
        if f.attname in values:
            setattr(obj, f.attname, f.to_python(values[f.attname]))


def pending_version(obj: models.Model, change: PendingChange) -> models.Model:
    """`obj` with the change's field values (a copy, not saved)."""
    version = copy.copy(obj)
    set_fields(version, change.data["fields"])
    return version


def pending_rows(
    model: type[models.Model], relation: str, rows: list[dict], parent: models.Model
) -> list[models.Model]:
    """A change's rows of one relation as unsaved instances (existing ones read)."""
    fk = child_relations(model)[relation]
    child_model = fk.model
    saved = child_model._default_manager.in_bulk([r["id"] for r in rows if r["id"]])
    instances = []
    for row in rows:
        child = saved.get(row["id"]) if row["id"] else None
        if child is None:
            child = child_model()
        set_fields(child, row, parent=fk.name)
        setattr(child, fk.name, parent)
        instances.append(child)
    return instances


# --- Proposing ----------------------------------------------------------------------


def propose(
    obj: models.Model,
    *,
    user,
    children: dict[str, list[dict]] | None = None,
    moved: dict[str, dict] | None = None,
    reason: str = "",
) -> PendingChange | None:
    """Store `obj`'s unsaved field values (and `children`, whole relations) as the
    item's pending change, merged into the open one.

    A proposal equal to the live version withdraws the open change (None).
    """
    with transaction.atomic():
        # Proposals to one item take turns (one open change per item).
        list(type(obj)._default_manager.select_for_update().filter(pk=obj.pk))
        live = live_data(obj)
        change = open_change(obj)
        data = copy.deepcopy(change.data) if change else {}
        data["fields"] = fields_of(obj)
        data.setdefault("children", {}).update(children or {})
        data.setdefault("moved", {})
        data.setdefault("base", {})
        for relation, moves in (moved or {}).items():
            data["moved"].setdefault(relation, {}).update(
                {str(k): v for k, v in moves.items()}
            )
        data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
        for relation in list(data["children"]):
            live_rows = live["children"][relation]
            if _same_rows(data["children"][relation], live_rows):
                # Rows as they are live are no change: leaving them out also
                # keeps rows others add meanwhile.
                del data["children"][relation]
                data["moved"].pop(relation, None)
                data["base"].pop(relation, None)
            else:
                # The live rows the proposal replaces: only these may be
                # deleted on approval.
                data["base"].setdefault(relation, [r["id"] for r in live_rows])
        if data["fields"] == live["fields"] and not data["children"]:
            if change:
                change.delete()
            return None
        if change is None:
            change = PendingChange(
                content_type=ContentType.objects.get_for_model(type(obj)),
                object_id=obj.pk,
            )
        change.data = data
        change.author = user
        change.reason = (reason or "")[:300]
        change.state = PendingChange.State.WAITING
        change.save()
        return change


def propose_values(
    obj: models.Model, values: dict[str, Any], *, user, reason: str = ""
) -> PendingChange | None:
    """Propose `values` (field name → value) on top of the item's pending version
    (or its live one), keeping earlier pending edits of other fields."""
    change = open_change(obj)
    version = pending_version(obj, change) if change else copy.copy(obj)
    for name, value in values.items():
        setattr(version, name, value)
    return propose(version, user=user, reason=reason)


def _same_rows(rows: list[dict], others: list[dict]) -> bool:
    return sorted(rows, key=_row_key) == sorted(others, key=_row_key)


def _row_key(row: dict) -> str:
    return json.dumps(row, sort_keys=True)


def current_rows(obj: models.Model, relation: str) -> list[dict]:
    """The rows of `relation` as the item will have them: pending, else live."""
    change = open_change(obj)
    if change and relation in change.data.get("children", {}):
        return copy.deepcopy(change.data["children"][relation])
    fk = child_relations(type(obj))[relation]
    return [row_of(c, fk) for c in getattr(obj, relation).order_by("pk")]


def child_write_parents(user, child: models.Model, *, saved=None) -> list:
    """The items a write of `child` changes that need review, with relation names.

    `child` holds the new values (or the deleted row); `saved` is the row as
    stored, when it exists (its parent may differ: a moved finding).
    """
    found = []
    for fk_name, relation in parent_relations(type(child)):
        parents = {getattr(child, fk_name)}
        if saved is not None:
            parents.add(getattr(saved, fk_name))
        for parent in parents:
            if parent is not None and needs_review(user, parent):
                found.append((parent, relation, fk_name))
    return found


def propose_child(
    user, child: models.Model, *, saved=None, delete: bool = False, reason: str = ""
) -> PendingChange | None:
    """Hold a write of one child row (add, change, move, delete) for review.

    Returns the pending change of the item the row goes to (else of the one it
    leaves), or None when no item it touches needs review (the write goes live).
    """
    held = child_write_parents(user, child, saved=saved)
    if not held:
        return None
    result = None
    with transaction.atomic():
        for parent, relation, fk_name in held:
            fk = type(parent)._meta.get_field(relation).remote_field
            rows = [r for r in current_rows(parent, relation) if r["id"] != child.pk]
            target_id = getattr(child, type(child)._meta.get_field(fk_name).attname)
            stays = not delete and target_id == parent.pk
            moves = {}
            if stays:
                rows.append(row_of(child, fk))
            elif not delete and child.pk:
                moves = {relation: {child.pk: target_id}}
            parent_now = type(parent)._default_manager.get(pk=parent.pk)
            change = open_change(parent_now)
            if change:
                parent_now = pending_version(parent_now, change)
            proposed = propose(
                parent_now,
                user=user,
                children={relation: rows},
                moved=moves,
                reason=reason,
            )
            if stays or result is None:
                result = proposed or result
    return result


# --- Reviewing ----------------------------------------------------------------------


def approve(change: PendingChange, *, reviewer, comment: str = "") -> models.Model:
    """Apply the change to the live item in one transaction; returns the item.

    Every row written leaves a history row by the reviewer, with the comment as
    its change reason. Raises `ApplyError` (nothing written) if a model refuses.
    """
    reason = (comment.strip() or "Approved change")[:100]
    model = change.model
    try:
        with transaction.atomic():
            obj = model._default_manager.select_for_update().get(pk=change.object_id)
            change.refresh_from_db()
            if not change.is_open:
                raise ApplyError("This change has already been approved.")
            set_fields(obj, change.data["fields"])
            obj.full_clean()
            obj._history_user = reviewer
            obj._change_reason = reason
            obj.save()
            for relation, rows in change.data.get("children", {}).items():
                moved = change.data.get("moved", {}).get(relation, {})
                base = change.data.get("base", {}).get(relation, [])
                _apply_rows(obj, relation, rows, moved, base, reviewer, reason)
            change.state = PendingChange.State.APPROVED
            change.reviewer = reviewer
            change.reviewer_comment = comment
            change.reviewed_at = timezone.now()
            change.save()
    except ValidationError as exc:
        raise ApplyError("; ".join(exc.messages)) from None
    return obj


def _apply_rows(obj, relation, rows, moved, base, reviewer, reason) -> None:
    fk = child_relations(type(obj))[relation]
    kept = {r["id"] for r in rows if r["id"]}
    gone = getattr(obj, relation).exclude(pk__in=kept).filter(pk__in=base)
    for child in gone.order_by("pk"):
        child._history_user = reviewer
        child._change_reason = reason
        target = moved.get(str(child.pk))
        if target is None:
            child.delete()
        else:
            setattr(child, fk.attname, target)
            child.full_clean()
            child.save()
    for child in pending_rows(type(obj), relation, rows, obj):
        child._history_user = reviewer
        child._change_reason = reason
        child.full_clean()
        child.save()


def send_back(change: PendingChange, *, reviewer, comment: str) -> None:
    change.state = PendingChange.State.SENT_BACK
    change.reviewer = reviewer
    change.reviewer_comment = comment
    change.reviewed_at = timezone.now()
    change.save()


# --- Comparing ----------------------------------------------------------------------


def diff(change: PendingChange) -> dict[str, Any]:
    """Live vs pending, as the review page shows it: fields, then each relation.

    Values are display text (choice labels, the names of related rows).
    """
    model = change.model
    obj = model._default_manager.get(pk=change.object_id)
    live = live_data(obj)
    labels = _labels(model, live, change.data)
    fields = []
    for f in proposed_fields(model):
        before = live["fields"].get(f.attname)
        after = change.data["fields"].get(f.attname, before)
        fields.append(
            {
                "label": f.verbose_name,
                "live": _shown(f, before, labels),
                "pending": _shown(f, after, labels),
                "changed": before != after,
            }
        )
    relations = []
    for relation, fk in child_relations(model).items():
        live_rows = {r["id"]: r for r in live["children"][relation]}
        rows = change.data.get("children", {}).get(relation)
        if rows is None:
            continue
        moved = change.data.get("moved", {}).get(relation, {})
        columns = proposed_fields(fk.model, parent=fk.name)
        entries = []
        seen = set()
        for row in rows:
            before = live_rows.get(row["id"]) if row["id"] else None
            seen.add(row["id"])
            if before is None:
                kind = "added"
            elif before == row:
                kind = "unchanged"
            else:
                kind = "changed"
            entries.append(_row_entry(columns, before, row, kind, labels))
        base = set(change.data.get("base", {}).get(relation, []))
        for row_id, before in live_rows.items():
            if row_id in seen:
                continue
            if row_id not in base:  # added live since: approval keeps it
                entries.append(_row_entry(columns, before, before, "unchanged", labels))
                continue
            kind = "moved away" if str(row_id) in moved else "removed"
            entries.append(_row_entry(columns, before, None, kind, labels))
        # Columns empty in every row, on both sides, are left out.
        shown = [
            i
            for i in range(len(columns))
            if any(not _blank(e["cells"][i]) for e in entries)
        ] or list(range(len(columns)))
        for entry in entries:
            entry["cells"] = [entry["cells"][i] for i in shown]
        relations.append(
            {
                "label": fk.model._meta.verbose_name_plural,
                "columns": [columns[i].verbose_name for i in shown],
                "rows": entries,
                "changed": any(e["kind"] != "unchanged" for e in entries),
            }
        )
    return {"object": obj, "fields": fields, "relations": relations}


def _row_entry(columns, before, after, kind, labels) -> dict:
    cells = []
    for f in columns:
        old = _shown(f, before.get(f.attname), labels) if before else ""
        new = _shown(f, after.get(f.attname), labels) if after else ""
        cells.append(
            {
                "live": old,
                "pending": new,
                "changed": kind == "changed" and old != new,
            }
        )
    return {"kind": kind, "cells": cells}


def _blank(cell: dict) -> bool:
    return cell["live"] in ("", "—") and cell["pending"] in ("", "—")


def _labels(model, *datas: dict) -> dict[tuple, str]:
    """The names of the rows the related fields of these changes point to: one
    query per related model, whatever the number of rows."""
    wanted: dict[type, set] = {}

    def collect(fields, values):
        for f in fields:
            if f.is_relation and values.get(f.attname) is not None:
                wanted.setdefault(f.related_model, set()).add(values[f.attname])

    relations = child_relations(model)
    for data in datas:
        collect(proposed_fields(model), data["fields"])
        for relation, rows in data.get("children", {}).items():
            fk = relations[relation]
            for row in rows:
                collect(proposed_fields(fk.model, parent=fk.name), row)
    return {
        (related, pk): str(row)
        for related, pks in wanted.items()
        for pk, row in related._default_manager.in_bulk(pks).items()
    }


def _shown(field, value, labels: dict[tuple, str]) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if field.is_relation:
        return labels.get((field.related_model, value), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(field.to_python(value), value))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
