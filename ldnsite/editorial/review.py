"""Review in the admin: pending changes on the change form, the queue, the diff page.

- `PendingChangeAdminMixin` (in `EditorialAdmin`): an Editor's save of a published
  item, its inlines included, becomes the item's pending change; the change form
  shows "Changes waiting for review by X since Y" and, to Editors, the pending
  version to refine.
- `PendingChildAdminMixin` (the finding admin): a row saved on its own page is
  held for review like an inline row of its item.
- `review_queue()`: new items in review and pending changes, oldest first (the
  admin index).
- `review_view()`: live vs pending side by side, with "Approve" and "Send back".
"""

from __future__ import annotations

import datetime

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import DateTimeField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from ldnsite.editorial.models import EditorialModel
from ldnsite.editorial.pending import (
    ApplyError,
    PendingChange,
    approve,
    child_relations,
    child_write_parents,
    diff,
    open_change,
    pending_rows,
    propose,
    propose_child,
    row_of,
    send_back,
    set_fields,
)
from ldnsite.editorial.policy import Status, can_publish, needs_review

MAX_ID = 2**63 - 1
HELD = "_editorial_held"  # request attribute: the write waits for review


def staff_name(user) -> str:
    """A staff user as colleagues know them (the admin only)."""
    if user is None:
        return "someone"
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    return user.get_full_name() or user.get_username()


def write_reason(form) -> str:
    """The reason given with a save, when the form asks for one."""
    cleaned = getattr(form, "cleaned_data", None) or {}
    return str(cleaned.get("change_reason") or cleaned.get("reason") or "")


def review_url(change: PendingChange) -> str:
    return reverse("admin:editorial_review", args=[change.pk])


# --- The change form -------------------------------------------------------------


def pending_formset(formset_class, model, relation: str, rows: list[dict]):
    """`formset_class` showing the rows of a pending change instead of the live ones.

    Existing rows are forms over unsaved copies holding the pending values; new
    rows are extra forms filled in (kept even when left unchanged).
    """
    new_rows = [r for r in rows if not r["id"]]
    fk = formset_class.fk

    def initial(row):
        values = {}
        for field in fk.model._meta.concrete_fields:
            if field.attname in row:
                values[field.name] = row[field.attname]
        return values

    class PendingFormSet(formset_class):
        extra = formset_class.extra + len(new_rows)

        def __init__(self, *args, **kwargs):
            kwargs["initial"] = [initial(r) for r in new_rows]
            super().__init__(*args, **kwargs)
            existing = [r for r in rows if r["id"]]
            self._queryset = pending_rows(model, relation, existing, self.instance)

        def _construct_form(self, i, **kwargs):
            form = super()._construct_form(i, **kwargs)
            first = self.initial_form_count()
            if first <= i < first + len(new_rows):
                form.empty_permitted = False
                form.pending_new = True
            return form

    return PendingFormSet


def formset_rows(formset) -> list[dict]:
    """The rows a submitted inline formset asks for (deleted, blank ones left out)."""
    rows = []
    for form in formset.forms:
        if formset.can_delete and formset._should_delete_form(form):
            continue
        if form.instance.pk is None and not (
            form.has_changed() or getattr(form, "pending_new", False)
        ):
            continue
        rows.append(row_of(form.instance, formset.fk))
    return rows


def relation_of(formset_class) -> str | None:
    fk = getattr(formset_class, "fk", None)
    return fk.remote_field.get_accessor_name() if fk is not None else None


class PendingChangeAdminMixin:
    """Holds an Editor's save of a published item (fields and inlines) for review."""

    change_form_template = "admin/editorial/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        request.editorial_change_form = True
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None or not getattr(request, "editorial_change_form", False):
            return obj
        change = open_change(obj)
        obj._pending_change = change
        obj._editing_pending = bool(change) and needs_review(request.user, obj)
        if obj._editing_pending:
            set_fields(obj, change.data["fields"])
        return obj

    def get_formsets_with_inlines(self, request, obj=None):
        change = getattr(obj, "_pending_change", None)
        editing = getattr(obj, "_editing_pending", False)
        for formset_class, inline in super().get_formsets_with_inlines(request, obj):
            relation = relation_of(formset_class)
            rows = (
                change.data.get("children", {}).get(relation)
                if editing and relation in child_relations(self.model)
                else None
            )
            if rows is not None:
                formset_class = pending_formset(
                    formset_class, self.model, relation, rows
                )
            yield formset_class, inline

    def save_model(self, request, obj, form, change):
        if change and needs_review(request.user, obj):
            setattr(
                request,
                HELD,
                propose(obj, user=request.user, reason=write_reason(form)),
            )
            request._editorial_held_obj = obj
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not hasattr(request, HELD):
            return super().save_related(request, form, formsets, change)
        for formset in formsets:  # Nothing saved: the change log lists no rows.
            formset.new_objects, formset.changed_objects = [], []
            formset.deleted_objects = []
        relations = child_relations(self.model)
        children = {
            relation_of(fs): formset_rows(fs)
            for fs in formsets
            if relation_of(fs) in relations
        }
        setattr(
            request,
            HELD,
            propose(
                request._editorial_held_obj,
                user=request.user,
                children=children,
                reason=write_reason(form),
            ),
        )

    def response_change(self, request, obj):
        if not hasattr(request, HELD):
            return super().response_change(request, obj)
        return held_response(self, request, obj, request.path)

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        pending = getattr(obj, "_pending_change", None)
        context.update(
            pending_change=pending,
            pending_by=staff_name(pending.author) if pending else "",
            editing_pending=getattr(obj, "_editing_pending", False),
            pending_review_url=review_url(pending) if pending else "",
        )
        return super().render_change_form(request, context, add, change, form_url, obj)


def held_response(model_admin, request, obj, next_url: str):
    held = getattr(request, HELD)
    if held is None:
        model_admin.message_user(
            request,
            f"“{obj}” is the same as its published version: nothing waits for review.",
            messages.INFO,
        )
    else:
        model_admin.message_user(
            request,
            f"Your change to “{obj}” waits for review. The public still sees the "
            "published version until a Reviewer approves it.",
            messages.WARNING,
        )
    return HttpResponseRedirect(next_url)


class PendingChildAdminMixin:
    """A child row saved on its own admin page (e.g. a finding) is held for review
    when an item it belongs to, or leaves, needs review."""

    def save_model(self, request, obj, form, change):
        saved = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        if child_write_parents(request.user, obj, saved=saved):
            setattr(
                request,
                HELD,
                propose_child(
                    request.user, obj, saved=saved, reason=write_reason(form)
                ),
            )
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not hasattr(request, HELD):
            super().save_related(request, form, formsets, change)

    def delete_model(self, request, obj):
        if child_write_parents(request.user, obj, saved=obj):
            setattr(request, HELD, propose_child(request.user, obj, delete=True))
            return
        super().delete_model(request, obj)

    def response_change(self, request, obj):
        if not hasattr(request, HELD):
            return super().response_change(request, obj)
        return held_response(self, request, obj, request.path)

    def response_add(self, request, obj, post_url_continue=None):
        if not hasattr(request, HELD):
            return super().response_add(request, obj, post_url_continue)
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return held_response(self, request, obj, url)

    def response_delete(self, request, obj_display, obj_id):
        if not hasattr(request, HELD):
            return super().response_delete(request, obj_display, obj_id)
        setattr(request, HELD, getattr(request, HELD) or True)
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return held_response(self, request, obj_display, url)


# --- The queue -------------------------------------------------------------------

LONG_AGO = Value(
    datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC), output_field=DateTimeField()
)


def editorial_models(admin_site, request) -> list:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, EditorialModel)
        and model in admin_site._registry
        and admin_site._registry[model].has_view_permission(request)
    ]


def review_queue(admin_site, request) -> list[dict]:
    """New items in review and open pending changes, oldest first.

    One query for the changes, one per kind of item they change, one per
    editorial model for the items in review, one for who submitted those.
    """
    models = editorial_models(admin_site, request)
    rows = []
    changes = (
        PendingChange.objects.exclude(state=PendingChange.State.APPROVED)
        .select_related("content_type", "author__staff_profile")
        .prefetch_related("target")
    )
    for change in changes:
        model = change.content_type.model_class()
        if model not in models or change.target is None:
            continue
        rows.append(
            {
                "kind": "Change to a published item",
                "model": model._meta.verbose_name,
                "title": str(change.target),
                "who": staff_name(change.author),
                "since": change.created_at,
                "url": review_url(change),
                "state": change.get_state_display(),
                "comment": change.reviewer_comment
                if change.state == PendingChange.State.SENT_BACK
                else "",
            }
        )
    waiting = []
    for model in models:
        history = model.history.model.objects
        left_draft = (
            history.filter(id=OuterRef(OuterRef("pk")))
            .exclude(status=Status.IN_REVIEW)
            .order_by("-history_date")
            .values("history_date")[:1]
        )
        entered = history.filter(
            id=OuterRef("pk"),
            status=Status.IN_REVIEW,
            history_date__gt=Coalesce(Subquery(left_draft), LONG_AGO),
        ).order_by("history_date")
        opts = model._meta
        for obj in model._default_manager.filter(status=Status.IN_REVIEW).annotate(
            submitted_at=Subquery(entered.values("history_date")[:1]),
            submitted_by=Subquery(entered.values("history_user_id")[:1]),
        ):
            waiting.append((model, obj))
    users = get_user_model()._default_manager.select_related("staff_profile")
    by_id = users.in_bulk({obj.submitted_by for _, obj in waiting} - {None})
    for model, obj in waiting:
        opts = model._meta
        rows.append(
            {
                "kind": "New item in review",
                "model": opts.verbose_name,
                "title": str(obj),
                "who": staff_name(by_id.get(obj.submitted_by)),
                "since": obj.submitted_at or obj.updated_at,
                "url": reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
                ),
                "state": "In review",
                "comment": "",
            }
        )
    rows.sort(key=lambda row: row["since"])
    return rows


# --- The review page -------------------------------------------------------------


class ReviewForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
        max_length=2000,
        help_text=(
            "Approving: stored in the history as the reason for the change. "
            "Sending back: what the Editor should change (required)."
        ),
    )


def review_view(admin_site, request, pk: int):
    """Live vs pending side by side; Reviewers approve or send back (POST)."""
    if not 0 < pk <= MAX_ID:
        raise Http404("No such change.")
    change = get_object_or_404(
        PendingChange.objects.select_related(
            "content_type", "author__staff_profile", "reviewer__staff_profile"
        ),
        pk=pk,
    )
    model = change.model
    model_admin = admin_site._registry.get(model)
    if model_admin is None or not model_admin.has_view_permission(request):
        raise PermissionDenied
    may_review = can_publish(request.user, model) and change.is_open
    opts = model._meta
    item_url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change", args=[change.object_id]
    )
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not may_review:
            raise PermissionDenied
        action = next((a for a in ("approve", "send_back") if a in request.POST), None)
        if form.is_valid() and action:
            comment = form.cleaned_data["comment"].strip()
            if action == "send_back" and not comment:
                form.add_error("comment", "Say what the Editor should change.")
            elif action == "send_back":
                send_back(change, reviewer=request.user, comment=comment)
                messages.success(request, "Sent back to the Editor with your comment.")
                return HttpResponseRedirect(reverse("admin:index"))
            else:
                try:
                    obj = approve(change, reviewer=request.user, comment=comment)
                except ApplyError as exc:
                    messages.error(request, f"The change cannot go live: {exc}")
                else:
                    messages.success(request, f"“{obj}” is live with the change.")
                    return HttpResponseRedirect(item_url)
    try:
        comparison = diff(change)
    except model.DoesNotExist:
        raise Http404("The item no longer exists.") from None
    context = {
        **admin_site.each_context(request),
        "title": f"Review the change to “{comparison['object']}”",
        "subtitle": None,
        "opts": opts,
        "change": change,
        "author": staff_name(change.author),
        "reviewer": staff_name(change.reviewer) if change.reviewer else "",
        "diff": comparison,
        "item_url": item_url,
        "may_review": may_review,
        "form": form,
    }
    return TemplateResponse(request, "admin/editorial/review.html", context)
