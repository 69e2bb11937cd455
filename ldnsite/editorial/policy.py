"""The editorial rules: the workflow's states, what the public may see, who publishes.

Each rule is one function here, asked by pages, the API, the admin and commands
alike. `published_q()` is the one place that says what the public may see;
`can_publish()` the one place that says who may publish.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
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
    "last_reviewed",
    "next_review_due",
    "reviewed_by",
)


def published_q(prefix: str = "") -> Q:
    """Published, and the publication date has come (so scheduling needs no worker).

    `prefix` reaches through a relation, e.g. `published_q("study__")`.
    """
    return Q(
        **{
            f"{prefix}status": Status.PUBLISHED,
            f"{prefix}published_at__lte": timezone.now(),
        }
    )


def can_publish(user, model: type[models.Model]) -> bool:
    """Whether `user` holds the model's `publish_<model>` permission.

    The admin and the API both ask this; nothing else decides who publishes.
    """
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")


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


# The moments at which a published item changes what the public sees by itself,
# with no write: publication with a future date.
SCHEDULE_FIELDS = ("published_at",)


def next_scheduled_change(editorial_models, now=None):
    """The earliest moment after `now` at which a published item of one of
    `editorial_models` appears or goes by itself (`SCHEDULE_FIELDS`), or None.

    One query per model. Caches of public pages expire then.
    """
    now = now or timezone.now()
    moments = []
    for model in editorial_models:
        names = [f for f in SCHEDULE_FIELDS if _has_field(model, f)]
        if not names:
            continue
        found = model._default_manager.filter(status=Status.PUBLISHED).aggregate(
            **{
                name: models.Min(name, filter=Q(**{f"{name}__gt": now}))
                for name in names
            }
        )
        moments.extend(value for value in found.values() if value is not None)
    return min(moments, default=None)


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
