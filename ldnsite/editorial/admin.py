"""Admin behaviour shared by every editorial model: roles, workflow actions, review.

Who may publish is decided once, by `ldnsite.editorial.policy.can_publish()` (the
model's custom `publish_<model>` permission), which the API shares. Every write
path of the admin goes through `save_model()`, which keeps the publishing fields
unchanged for users without it: the add and change forms, the history "revert"
form and the actions.
"""

from __future__ import annotations

import datetime

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import update_change_reason

from ldnsite.editorial.models import EditorialModel
from ldnsite.editorial.policy import (
    PUBLISHING_FIELDS,
    Status,
    can_publish,
    keep_publishing_fields,
)
from ldnsite.editorial.review import PendingChangeAdminMixin


class ReviewDueFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Review overdue"),
            ("due_30", "Due within 30 days"),
            ("never", "Never reviewed"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        match self.value():
            case "overdue":
                return queryset.review_overdue(today)
            case "due_30":
                return queryset.filter(
                    next_review_due__gte=today,
                    next_review_due__lte=today + datetime.timedelta(days=30),
                )
            case "never":
                return queryset.filter(last_reviewed__isnull=True)
        return queryset


class CachedChoicesInlineMixin:
    """Evaluate the choices of `cached_choice_fields` once per formset, not per row.

    Without this a select in an inline runs one query per row.
    """

    cached_choice_fields: tuple[str, ...] = ()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        names = [n for n in self.cached_choice_fields if n in formset.form.base_fields]
        if not names:
            return formset

        class CachedChoicesFormSet(formset):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                self._cached_choices = {}

            def _cached(self, name, field):
                if name not in self._cached_choices:
                    self._cached_choices[name] = list(field.choices)
                return self._cached_choices[name]

            def add_fields(self, form, index):
                super().add_fields(form, index)
                for name in names:
                    form.fields[name].choices = self._cached(name, form.fields[name])

        return CachedChoicesFormSet


# Row ids are 64-bit: a larger number names no row (and PostgreSQL refuses it).
MAX_ID = 2**63 - 1


def id_or_404(field, value: str):
    """`value` as the field's Python value, or a 404 when it cannot name a row."""
    try:
        parsed = field.to_python(unquote(value))
    except (ValidationError, ValueError, TypeError):
        raise Http404("No such item.") from None
    if isinstance(parsed, int) and not 0 < parsed <= MAX_ID:
        raise Http404("No such item.")
    return parsed


class HistoryIdsAdmin(SimpleHistoryAdmin):
    """History pages answer 404 for ids that cannot name a row (not a 500)."""

    def history_view(self, request, object_id, extra_context=None):
        id_or_404(self.model._meta.pk, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        id_or_404(self.model._meta.pk, object_id)
        history_model = getattr(
            self.model, self.model._meta.simple_history_manager_attribute
        ).model
        id_or_404(history_model._meta.pk, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class EditorialAdmin(PendingChangeAdminMixin, HistoryIdsAdmin):
    """Base admin for models that inherit `EditorialModel`.

    An Editor's save of a published item waits for review
    (`ldnsite.editorial.review.PendingChangeAdminMixin`)."""

    actions = ["submit_for_review", "publish", "archive", "mark_reviewed_today"]
    editorial_list_display = ("status", "published_at", "next_review_due", "overdue")
    editorial_fieldset = (
        "Publishing and review",
        {
            "fields": (
                "status",
                "published_at",
                ("last_reviewed", "next_review_due"),
                "reviewed_by",
                ("created_at", "updated_at"),
            )
        },
    )
    always_readonly = ("reviewed_by", "created_at", "updated_at")

    # --- permissions --------------------------------------------------------

    def can_publish(self, request: HttpRequest) -> bool:
        return can_publish(request.user, self.model)

    # Lets `@admin.action(permissions=["publish"])` find the permission.
    has_publish_permission = can_publish

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), *self.always_readonly]
        if not self.can_publish(request):
            fields += [f for f in PUBLISHING_FIELDS if f not in fields]
        return fields

    # --- saving --------------------------------------------------------------

    def save_model(self, request, obj: EditorialModel, form, change):
        if self.can_publish(request):
            if "last_reviewed" in form.changed_data and obj.last_reviewed:
                obj.reviewed_by = request.user
            if obj.status == Status.PUBLISHED and obj.published_at is None:
                obj.published_at = timezone.now()
        else:
            self._keep_publishing_fields(obj)
        super().save_model(request, obj, form, change)

    def _keep_publishing_fields(self, obj: EditorialModel) -> None:
        """Undo any change to the publishing fields (e.g. by reverting a version)."""
        keep_publishing_fields(obj)

    # --- list ------------------------------------------------------------------

    @admin.display(boolean=True, description="review overdue")
    def overdue(self, obj: EditorialModel) -> bool:
        return obj.review_is_overdue

    # --- actions ---------------------------------------------------------------

    def _apply(self, request, queryset: QuerySet, change, reason: str) -> int:
        """Save each object in turn so that every change leaves a history row."""
        done = 0
        # Lock plain rows: PostgreSQL refuses FOR UPDATE on the changelist's
        # queryset when it has a GROUP BY or an outer join.
        pks = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            for obj in self.model._default_manager.filter(
                pk__in=pks
            ).select_for_update():
                if change(obj) is False:
                    continue
                obj._history_user = request.user
                obj.save()
                update_change_reason(obj, reason)
                done += 1
        return done

    def _report(self, request, done: int, total: int, verb: str) -> None:
        name = (
            self.model._meta.verbose_name
            if done == 1
            else (self.model._meta.verbose_name_plural)
        )
        self.message_user(request, f"{done} {name} {verb}.", messages.SUCCESS)
        if done < total:
            self.message_user(
                request,
                f"{total - done} skipped: not in a state this action applies to.",
                messages.WARNING,
            )

    @admin.action(description="Submit selected for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        def change(obj):
            if obj.status != Status.DRAFT:
                return False
            obj.status = Status.IN_REVIEW

        done = self._apply(request, queryset, change, "Submitted for review")
        self._report(request, done, queryset.count(), "submitted for review")

    @admin.action(description="Publish selected", permissions=["publish"])
    def publish(self, request, queryset):
        def change(obj):
            if obj.status == Status.PUBLISHED:
                return False
            obj.mark_published()

        done = self._apply(request, queryset, change, "Published")
        self._report(request, done, queryset.count(), "published")

    @admin.action(description="Archive selected", permissions=["publish"])
    def archive(self, request, queryset):
        def change(obj):
            if obj.status == Status.ARCHIVED:
                return False
            obj.status = Status.ARCHIVED

        done = self._apply(request, queryset, change, "Archived")
        self._report(request, done, queryset.count(), "archived")

    @admin.action(
        description="Mark selected as reviewed today", permissions=["publish"]
    )
    def mark_reviewed_today(self, request, queryset):
        def change(obj):
            obj.mark_reviewed(user=request.user)

        done = self._apply(request, queryset, change, "Reviewed")
        self._report(request, done, queryset.count(), "marked as reviewed today")
