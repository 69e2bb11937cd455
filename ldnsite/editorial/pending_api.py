"""Pending changes in the API: writes held for review answer 202, staff read them.

`PendingWritesMixin` (in `EditorialViewSet`) asks
`ldnsite.editorial.policy.needs_review()` before every create, update and
delete; a held write is stored with `ldnsite.editorial.pending` and answered with
202 and the pending change (its address in `Location`). `PendingChangeViewSet`
serves `/api/v1/pending-changes/` to staff.
"""

from __future__ import annotations

import copy

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response

from ldnsite.editorial.models import EditorialModel
from ldnsite.editorial.pending import (
    PendingChange,
    child_write_parents,
    open_change,
    parent_relations,
    propose_child,
    propose_values,
    set_fields,
)
from ldnsite.editorial.policy import needs_review
from ldnsite.editorial.review import staff_name
from ldnsite.rest import MAX_PK, HyperlinkedIdentityField


class PendingTargetSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="`app.model`, e.g. `studies.study`.")
    id = serializers.IntegerField()
    title = serializers.CharField()


@extend_schema_field(PendingTargetSerializer)
class PendingTargetField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, change: PendingChange):
        ct = change.content_type
        return {
            "type": f"{ct.app_label}.{ct.model}",
            "id": change.object_id,
            "title": str(change.target) if change.target is not None else "",
        }


class PendingChangeSerializer(serializers.ModelSerializer):
    """A change to a published item waiting for review (staff only)."""

    url = HyperlinkedIdentityField(view_name="pendingchange-detail")
    target = PendingTargetField()
    author = serializers.SerializerMethodField(help_text="Who proposed it (name).")
    review_url = serializers.SerializerMethodField(
        help_text="The admin page where a Reviewer compares, approves or sends back."
    )
    data = serializers.JSONField(
        read_only=True,
        help_text=(
            "The proposal: `fields` (every editable field), `children` (whole "
            "lists of rows, e.g. `findings`, `mechanism_links`; a row without "
            "`id` is new) and `moved` (rows leaving for another item)."
        ),
    )

    class Meta:
        model = PendingChange
        fields = (
            "id",
            "url",
            "target",
            "state",
            "author",
            "reason",
            "reviewer_comment",
            "created_at",
            "updated_at",
            "review_url",
            "data",
        )
        read_only_fields = fields

    def get_author(self, change: PendingChange) -> str:
        return staff_name(change.author)

    def get_review_url(self, change: PendingChange) -> str:
        url = reverse("admin:editorial_review", args=[change.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class PendingChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """Changes waiting for review (and past ones), oldest first; staff only."""

    serializer_class = PendingChangeSerializer
    permission_classes = [IsAdminUser]
    queryset = PendingChange.objects.select_related(
        "content_type", "author__staff_profile"
    ).prefetch_related("target")

    def get_object(self):
        value = self.kwargs.get("pk", "")
        if not (value.isascii() and value.isdigit() and 0 < int(value) <= MAX_PK):
            raise Http404
        return super().get_object()


# --- Holding writes ------------------------------------------------------------------

NOT_HELD = object()


def _model_values(model, validated_data: dict) -> dict:
    names = {f.name for f in model._meta.concrete_fields}
    return {k: v for k, v in validated_data.items() if k in names}


def _reason(validated_data: dict) -> str:
    return str(
        validated_data.get("change_reason") or validated_data.get("reason") or ""
    )


def hold_write(user, model, instance, validated_data: dict, *, delete=False):
    """The pending change a write is held as, None if it withdrew the change
    (equal to the live version), or `NOT_HELD` when the write goes live."""
    values = _model_values(model, validated_data)
    if issubclass(model, EditorialModel):
        if delete or instance is None or not needs_review(user, instance):
            return NOT_HELD
        return propose_values(
            instance, values, user=user, reason=_reason(validated_data)
        )
    if not parent_relations(model):
        return NOT_HELD
    child = copy.copy(instance) if instance is not None else model()
    for name, value in values.items():
        setattr(child, name, value)
    if not child_write_parents(user, child, saved=instance):
        return NOT_HELD
    if instance is not None and not delete:
        _start_from_pending(child, instance, values)
    return propose_child(
        user, child, saved=instance, delete=delete, reason=_reason(validated_data)
    )


def _start_from_pending(child, instance, values: dict) -> None:
    """Keep earlier pending edits of this row that the write does not touch."""
    for fk_name, relation in parent_relations(type(child)):
        change = open_change(getattr(instance, fk_name))
        rows = change.data.get("children", {}).get(relation, []) if change else []
        row = next((r for r in rows if r["id"] == instance.pk), None)
        if row is not None:
            untouched = {
                k: v
                for k, v in row.items()
                if k not in values and k.removesuffix("_id") not in values
            }
            set_fields(child, untouched, parent=fk_name)


class PendingWritesMixin:
    """Writes that need review are stored as pending changes and answered 202."""

    # Read by `ldnsite.rest.AutoSchema` to document the 202 answer.
    accepted_response_serializer = PendingChangeSerializer

    def accepted(self, change: PendingChange) -> Response:
        data = PendingChangeSerializer(change, context=self.get_serializer_context())
        body = data.data
        return Response(
            body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]}
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        model = serializer.Meta.model
        held = hold_write(request.user, model, None, serializer.validated_data)
        if held is NOT_HELD:
            self.perform_create(serializer)
            headers = self.get_success_headers(serializer.data)
            return Response(
                serializer.data, status=status.HTTP_201_CREATED, headers=headers
            )
        return self.accepted(held)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        model = serializer.Meta.model
        held = hold_write(request.user, model, instance, serializer.validated_data)
        if held is NOT_HELD:
            self.perform_update(serializer)
            if getattr(instance, "_prefetched_objects_cache", None):
                instance._prefetched_objects_cache = {}
            return Response(serializer.data)
        if held is None:
            return Response(self.get_serializer(instance).data)
        return self.accepted(held)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        model = self.get_serializer_class().Meta.model
        held = hold_write(request.user, model, instance, {}, delete=True)
        if held is NOT_HELD:
            self.perform_destroy(instance)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if held is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return self.accepted(held)
