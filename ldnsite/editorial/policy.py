"""The editorial rules: the workflow's states, what the public may see, who publishes.

Each rule is one function here, asked by pages, the API, the admin and commands
alike. `published_q()` is the one place that says what the public may see;
`can_publish()` the one place that says who may publish.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Min, Model, Q
from django.utils import timezone

if TYPE_CHECKING:
    from ldnsite.editorial.models import EditorialModel


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


# Fields only a reviewer (the publish permission) may set.
PUBLISHING_FIELDS = (
    "status",
    "published_at",
    "unpublish_at",
    "last_reviewed",
    "next_review_due",
    "reviewed_by",
)


# The moments at which an item appears to or disappears from the public.
SCHEDULE_FIELDS = ("published_at", "unpublish_at")


def published_q(prefix: str = "", now: datetime.datetime | None = None) -> Q:
    """Published, the publication time has come and the unpublishing time has not.

    Both times are compared with the clock at query time, so scheduled
    publishing and unpublishing need no worker. `prefix` reaches through a
    relation, e.g. `published_q("study__")`.
    """
    now = now or timezone.now()
    return Q(
        **{
            f"{prefix}status": Status.PUBLISHED,
            f"{prefix}published_at__lte": now,
        }
    ) & (
        Q(**{f"{prefix}unpublish_at__isnull": True})
        | Q(**{f"{prefix}unpublish_at__gt": now})
    )


def next_scheduled_change(
    models: Iterable[type[Model]], now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """The earliest moment after `now` at which a published item of `models`
    is scheduled to appear or disappear (`SCHEDULE_FIELDS`), or None.

    What the public sees changes at that moment with no write, so whatever
    stores pages must expire by then. One query per model.
    """
    now = now or timezone.now()
    moments = []
    for model in models:
        found = model._default_manager.filter(status=Status.PUBLISHED).aggregate(
            **{
                name: Min(name, filter=Q(**{f"{name}__gt": now}))
                for name in SCHEDULE_FIELDS
            }
        )
        moments += [moment for moment in found.values() if moment is not None]
    return min(moments, default=None)


def can_publish(user, model: type[models.Model]) -> bool:
    """Whether `user` holds the model's `publish_<model>` permission.

    The admin and the API both ask this; nothing else decides who publishes.
    """
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")


def may_preview(user, model: type[Model]) -> bool:
    """Whether `user` may see the model's items the public may not (drafts, items
    in review, scheduled or archived ones), and write them through the API.

    An active staff member holding the model's view or change permission: the
    one preview rule of the pages and the API. Unticking "staff status" or
    "active" revokes it at once, whatever the groups or the API token.
    """
    if not (user.is_active and user.is_staff):
        return False
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.change_{opts.model_name}") or (
        user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    )


def keep_publishing_fields(obj: EditorialModel) -> None:
    """Put the publishing fields back to their saved (or default) values."""
    saved = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None
    for name in PUBLISHING_FIELDS:
        field = obj._meta.get_field(name)
        value = getattr(saved, field.attname) if saved else field.get_default()
        setattr(obj, field.attname, value)


def refused_publishing_changes(
    user, obj: EditorialModel, values: dict[str, object]
) -> list[str]:
    """The publishing fields in `values` that `user` may not set on `obj`, in order.

    A user with the publish permission may set any of them. Anyone else may send
    the current values unchanged, and may move a draft to "in review" (what the
    admin's "Submit for review" action does); any other change is refused.
    `obj` is the saved object, or an unsaved one holding the defaults.
    """
    if can_publish(user, type(obj)):
        return []
    refused = []
    for name in PUBLISHING_FIELDS:
        if name not in values:
            continue
        field = obj._meta.get_field(name)
        current = getattr(obj, field.attname if name == "reviewed_by" else name)
        new = values[name]
        if name == "reviewed_by" and isinstance(new, models.Model):
            new = new.pk
        if new == current:
            continue
        if (
            name == "status"
            and obj.pk
            and current == Status.DRAFT
            and new == Status.IN_REVIEW
        ):
            continue
        refused.append(name)
    return refused


def needs_review(user, obj: models.Model) -> bool:
    """Whether a write by `user` to the saved item `obj` waits for review.

    The one routing rule of every write path (admin forms and inlines, the API,
    importers): a change to a published item by someone without the publish
    permission is stored as a pending change (`ldnsite.editorial.pending`) and
    the public keeps the live version. Reads the saved status, not `obj`'s.
    """
    if obj is None or obj.pk is None or can_publish(user, type(obj)):
        return False
    saved = type(obj)._default_manager.filter(pk=obj.pk).values_list("status")
    return saved.first() == (Status.PUBLISHED,)
