"""The fields and querysets every public model shares: status, publication, review."""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ldnsite.editorial.policy import Status, published_q

# The length of a history row's change reason (django-simple-history's column).
REASON_MAX_LENGTH = 100


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's end (31 Jan → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


class EditorialQuerySet(models.QuerySet):
    def published(self) -> EditorialQuerySet:
        """What the public may see."""
        return self.filter(published_q())

    def for_list(self) -> EditorialQuerySet:
        """A row of a list (page or API): what it shows, in a fixed number of
        queries. Models that show related rows in lists add them."""
        return self

    def for_page(self) -> EditorialQuerySet:
        """One item's page or API detail: the reviewer's public profile (the
        "reviewed by" credit), and what the model's page shows besides."""
        return self.select_related("reviewed_by__staff_profile")

    def review_overdue(self, today: datetime.date | None = None) -> EditorialQuerySet:
        """Published or in review, with the next review date already passed."""
        today = today or timezone.localdate()
        return self.filter(
            status__in=[Status.PUBLISHED, Status.IN_REVIEW],
            next_review_due__lt=today,
        )


class EditorialModel(models.Model):
    """Status, publication and review fields shared by every public model."""

    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Visible to the public from this moment. A future date schedules it.",
    )
    unpublish_at = models.DateTimeField(
        "unpublish at",
        null=True,
        blank=True,
        help_text=(
            "Hidden from the public from this moment (it stays published here). "
            "Empty: no end."
        ),
    )
    last_reviewed = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EditorialQuerySet.as_manager()

    # Child rows edited with the item, whose changes wait for review with it
    # (`ldnsite.editorial.pending`): names of reverse relations.
    pending_children: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @classmethod
    def editorial_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        """Database checks for every editorial model (names need a model prefix)."""
        return [
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(published_at__isnull=False),
                name=f"{prefix}_published_has_date",
                violation_error_message="A published item needs a publication date.",
            ),
            models.CheckConstraint(
                condition=Q(unpublish_at__isnull=True)
                | Q(published_at__isnull=True)
                | Q(unpublish_at__gt=models.F("published_at")),
                name=f"{prefix}_unpublish_after_publish",
                violation_error_message=(
                    "The unpublishing time must come after the publication time."
                ),
            ),
            models.CheckConstraint(
                condition=Q(last_reviewed__isnull=True)
                | Q(next_review_due__isnull=True)
                | Q(next_review_due__gte=models.F("last_reviewed")),
                name=f"{prefix}_review_due_after_review",
                violation_error_message=(
                    "The next review cannot be due before the last review."
                ),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    @property
    def review_is_overdue(self) -> bool:
        return (
            self.status in (Status.PUBLISHED, Status.IN_REVIEW)
            and self.next_review_due is not None
            and self.next_review_due < timezone.localdate()
        )

    def mark_published(self, *, when: datetime.datetime | None = None) -> None:
        """Publish; an unpublishing time already passed is cleared (else it
        would stay hidden)."""
        now = timezone.now()
        self.status = Status.PUBLISHED
        if self.published_at is None or when is not None:
            self.published_at = when or now
        if self.unpublish_at is not None and self.unpublish_at <= now:
            self.unpublish_at = None

    def mark_reviewed(self, *, user, today: datetime.date | None = None) -> None:
        today = today or timezone.localdate()
        self.last_reviewed = today
        self.next_review_due = add_months(today, settings.REVIEW_INTERVAL_MONTHS)
        self.reviewed_by = user
