"""Admin behaviour shared by every editorial model: roles, workflow, review, history.

Who may publish is decided once, by `ldnsite.editorial.policy.can_publish()` (the
model's custom `publish_<model>` permission), which the API shares. Every write
path of the admin goes through `save_model()`, which keeps the publishing fields
unchanged for users without it: the add and change forms, the history "revert"
form and the actions. Each move of the workflow is one `WorkflowStep`, taken by
its list action and by its change-form button alike. Every save can carry a
reason (the form's "Reason for this change"), kept in its history row.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.admin import SimpleHistoryAdmin

from ldnsite.editorial.forms import EditorialAdminForm, StaffTextField
from ldnsite.editorial.models import REASON_MAX_LENGTH, EditorialModel
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


class StaffTextAdminMixin:
    """Text fields clean to LF line endings (`StaffTextField`), in forms and inlines.

    A textarea comes back with CRLF: without this, saving a form untouched would
    rewrite every text field and history would show them all as changed (see
    also `EditorialAdminForm.clean()` for times).
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.TextField) and not db_field.choices:
            kwargs.setdefault("form_class", StaffTextField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


REVERT_PREFIX = "Reverted to version of"


def reason_for(request: HttpRequest, form=None) -> str:
    """The history reason of this save: a revert's own and the one typed.

    Both are kept when a revert is given a reason, within the column's length.
    """
    typed = (form.cleaned_data.get("change_reason", "") if form else "") or ""
    reverted = getattr(request, "editorial_revert", None)
    if reverted is not None:
        who = reverted.history_user or "an unknown user"
        reason = (
            f"{REVERT_PREFIX} "
            f"{date_format(timezone.localtime(reverted.history_date), 'j M Y H:i')}"
            f" by {who}"
        )
        if typed:
            reason = f"{reason}: {typed}"
    else:
        reason = typed
    if len(reason) > REASON_MAX_LENGTH:
        reason = reason[: REASON_MAX_LENGTH - 1] + "…"
    return reason


def _reverted() -> str:
    return "Reverted"


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


class HistoryIdsAdmin(StaffTextAdminMixin, SimpleHistoryAdmin):
    """History pages answer 404 for ids that cannot name a row (not a 500); a
    save from the revert form is recorded as a revert.

    The history row of a revert says "Reverted to version of <date> by <user>"
    (its change reason, see `reason_for()`), and so does the admin log entry.
    """

    def history_view(self, request, object_id, extra_context=None):
        id_or_404(self.model._meta.pk, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        id_or_404(self.model._meta.pk, object_id)
        history_model = getattr(
            self.model, self.model._meta.simple_history_manager_attribute
        ).model
        id_or_404(history_model._meta.pk, version_id)
        if request.method == "POST":
            request.editorial_revert = (
                history_model.objects.select_related("history_user")
                .filter(pk=unquote(version_id))
                .first()
            )
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        reason = reason_for(request, form)
        if reason:
            obj._change_reason = reason
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """Inline rows (findings, mechanism links) share the parent's reason."""
        reason = reason_for(request, form)
        if reason:
            for inline_form in formset.forms:
                inline_form.instance._change_reason = reason
        super().save_formset(request, form, formset, change)

    def set_history_delta_changes(self, request, historical_records, *args, **kw):
        """The History page: a revert's row says "Reverted" (not "Changed"), and
        a row saved without a reason shows none (not "None")."""
        super().set_history_delta_changes(request, historical_records, *args, **kw)
        for record in historical_records:
            reason = record.history_change_reason or ""
            record.history_change_reason = reason
            if reason.startswith(REVERT_PREFIX):
                record.get_history_type_display = _reverted

    def log_change(self, request, obj, message):
        if getattr(request, "editorial_revert", None) is not None:
            message = reason_for(request)
        return super().log_change(request, obj, message)


@dataclass(frozen=True)
class WorkflowStep:
    """One move of the workflow, offered as a list action and a change-form button.

    `apply(obj, user)` changes the object in memory and returns False when the
    step does not apply to it (e.g. publishing what is already published).
    `permission` is the admin permission it needs: "change" or "publish".
    """

    name: str
    label: str
    permission: str
    reason: str
    done: str
    apply: Callable[[EditorialModel, object], bool | None]


def _submit_for_review(obj: EditorialModel, user) -> bool | None:
    if obj.status != Status.DRAFT:
        return False
    obj.status = Status.IN_REVIEW


def _publish(obj: EditorialModel, user) -> bool | None:
    if obj.status == Status.PUBLISHED:
        return False
    obj.mark_published()


def _archive(obj: EditorialModel, user) -> bool | None:
    if obj.status == Status.ARCHIVED:
        return False
    obj.status = Status.ARCHIVED


def _mark_reviewed(obj: EditorialModel, user) -> bool | None:
    obj.mark_reviewed(user=user)


SUBMIT_FOR_REVIEW = WorkflowStep(
    "submit_for_review",
    "Submit for review",
    "change",
    "Submitted for review",
    "submitted for review",
    _submit_for_review,
)
PUBLISH = WorkflowStep(
    "publish", "Publish", "publish", "Published", "published", _publish
)
ARCHIVE = WorkflowStep(
    "archive", "Archive", "publish", "Archived", "archived", _archive
)
MARK_REVIEWED = WorkflowStep(
    "mark_reviewed_today",
    "Mark as reviewed today",
    "publish",
    "Reviewed",
    "marked as reviewed today",
    _mark_reviewed,
)


class EditorialAdmin(PendingChangeAdminMixin, HistoryIdsAdmin):
    """Base admin for models that inherit `EditorialModel`.

    An Editor's save of a published item waits for review
    (`ldnsite.editorial.review.PendingChangeAdminMixin`)."""

    form = EditorialAdminForm
    change_form_template = "admin/editorial/change_form.html"
    actions = ["submit_for_review", "publish", "archive", "mark_reviewed_today"]
    # The buttons of the change form, in order (`workflow_buttons()`).
    workflow_steps: tuple[WorkflowStep, ...] = (SUBMIT_FOR_REVIEW, PUBLISH, ARCHIVE)
    editorial_list_display = (
        "status",
        "published_at",
        "unpublish_at",
        "next_review_due",
        "overdue",
    )
    editorial_fieldset = (
        "Publishing and review",
        {
            "fields": (
                "status",
                ("published_at", "unpublish_at"),
                ("last_reviewed", "next_review_due"),
                "reviewed_by",
                ("created_at", "updated_at"),
            )
        },
    )
    reason_fieldset = (None, {"fields": ("change_reason",)})
    always_readonly = ("reviewed_by", "created_at", "updated_at")

    # --- permissions --------------------------------------------------------

    def can_publish(self, request: HttpRequest) -> bool:
        return can_publish(request.user, self.model)

    # Lets `@admin.action(permissions=["publish"])` find the permission.
    has_publish_permission = can_publish

    def may_take(self, request: HttpRequest, step: WorkflowStep, obj=None) -> bool:
        """Whether the user holds the permission `step` needs."""
        if step.permission == "publish":
            return self.can_publish(request)
        return getattr(self, f"has_{step.permission}_permission")(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), *self.always_readonly]
        if not self.can_publish(request):
            fields += [f for f in PUBLISHING_FIELDS if f not in fields]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        may_write = (
            self.has_change_permission(request, obj)
            if obj is not None
            else self.has_add_permission(request)
        )
        if may_write:
            fieldsets.append(self.reason_fieldset)
        return fieldsets

    # --- the change form's workflow buttons ---------------------------------------

    def workflow_buttons(self, request, obj) -> list[WorkflowStep]:
        """The steps this user may take on `obj` now, shown as buttons.

        Each saves the form first, then takes the step (`save_model()`). Steps
        that need a pending change to act on (approve, send back) add theirs
        to `workflow_steps`.
        """
        if obj is None or not self.has_change_permission(request, obj):
            return []
        return [
            step
            for step in self.workflow_steps
            if self.may_take(request, step, obj)
            and step.apply(copy.copy(obj), request.user) is not False
        ]

    def requested_step(self, request) -> WorkflowStep | None:
        """The step whose button was pressed (`_workflow_<name>` in the POST)."""
        if request.method != "POST":
            return None
        return next(
            (s for s in self.workflow_steps if f"_workflow_{s.name}" in request.POST),
            None,
        )

    def render_change_form(self, request, context, add=False, change=False, **kw):
        context["workflow_buttons"] = self.workflow_buttons(
            request, context.get("original")
        )
        return super().render_change_form(request, context, add, change, **kw)

    def response_change(self, request, obj):
        if self.requested_step(request) is None:
            return super().response_change(request, obj)
        # Stay on the item: the buttons and status shown depend on the new state.
        return HttpResponseRedirect(request.path)

    # --- saving --------------------------------------------------------------

    def save_model(self, request, obj: EditorialModel, form, change):
        if self.can_publish(request):
            if "last_reviewed" in form.changed_data and obj.last_reviewed:
                obj.reviewed_by = request.user
            if obj.status == Status.PUBLISHED and obj.published_at is None:
                obj.published_at = timezone.now()
        else:
            self._keep_publishing_fields(obj)
        step = self.requested_step(request) if change else None
        if step is not None:
            self._take_from_form(request, obj, form, step)
        super().save_model(request, obj, form, change)

    def _take_from_form(self, request, obj, form, step: WorkflowStep) -> None:
        """Take a button's step on the object about to be saved (one history row)."""
        name = self.model._meta.verbose_name
        if not self.may_take(request, step, obj):
            self.message_user(
                request, f"You may not {step.label.lower()} this {name}.", "error"
            )
        elif step.apply(obj, request.user) is False:
            self.message_user(
                request,
                f"Saved; not {step.done}: the {name} is not in a state this "
                "applies to.",
                messages.WARNING,
            )
        else:
            if not form.cleaned_data.get("change_reason"):
                form.cleaned_data["change_reason"] = step.reason
            self.message_user(
                request, f"The {name} “{obj}” was {step.done}.", messages.SUCCESS
            )

    def _keep_publishing_fields(self, obj: EditorialModel) -> None:
        """Undo any change to the publishing fields (e.g. by reverting a version)."""
        keep_publishing_fields(obj)

    # --- list ------------------------------------------------------------------

    @admin.display(boolean=True, description="review overdue")
    def overdue(self, obj: EditorialModel) -> bool:
        return obj.review_is_overdue

    # --- actions ---------------------------------------------------------------

    def _apply(self, request, queryset: QuerySet, step: WorkflowStep) -> None:
        """Take `step` on each object in turn, so every change leaves a history
        row, and report how many it applied to."""
        done = 0
        # Lock plain rows: PostgreSQL refuses FOR UPDATE on the changelist's
        # queryset when it has a GROUP BY or an outer join.
        pks = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            for obj in self.model._default_manager.filter(
                pk__in=pks
            ).select_for_update():
                if step.apply(obj, request.user) is False:
                    continue
                obj._history_user = request.user
                obj._change_reason = step.reason
                obj.save()
                done += 1
        self._report(request, done, len(pks), step.done)

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
        self._apply(request, queryset, SUBMIT_FOR_REVIEW)

    @admin.action(description="Publish selected", permissions=["publish"])
    def publish(self, request, queryset):
        self._apply(request, queryset, PUBLISH)

    @admin.action(description="Archive selected", permissions=["publish"])
    def archive(self, request, queryset):
        self._apply(request, queryset, ARCHIVE)

    @admin.action(
        description="Mark selected as reviewed today", permissions=["publish"]
    )
    def mark_reviewed_today(self, request, queryset):
        self._apply(request, queryset, MARK_REVIEWED)
