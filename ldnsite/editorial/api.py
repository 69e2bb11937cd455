"""API base classes for editorial content: visibility, the publishing rule, caching.

The apps' `api.py` modules build on `EditorialViewSet` and `EditorialSerializer`;
`ldnsite/api.py` routes them under `/api/v1/`. Generic API pieces (errors, related
fields, the schema) are in `ldnsite.rest`.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import conditional_page
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions
from simple_history.utils import update_change_reason

from ldnsite.editorial.models import REASON_MAX_LENGTH, EditorialModel
from ldnsite.editorial.pending_api import PendingWritesMixin
from ldnsite.editorial.policy import (
    PUBLISHING_FIELDS,
    can_publish,
    may_preview,
    refused_publishing_changes,
)
from ldnsite.rest import (
    MAX_PK,
    SLUG,
    HtmlUrlField,
    ModelValidationMixin,
)
from ldnsite.staff import reviewer_credit


class ReviewerSerializer(serializers.Serializer):
    """Who reviewed an item, as the public sees them (never a login or user id)."""

    name = serializers.CharField()
    credentials = serializers.CharField(allow_blank=True)


@extend_schema_field(ReviewerSerializer(allow_null=True))
class ReviewerField(serializers.Field):
    """`reviewed_by` as `{name, credentials}` (`ldnsite.staff.reviewer_credit`)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance.reviewed_by

    def to_representation(self, user):
        return reviewer_credit(user)


class ChangeReasonMixin(serializers.Serializer):
    """A write-only `reason`, stored as the change reason of the history row the
    write leaves (what the admin form's "Reason for this change" does)."""

    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text=(
            "Why this change is made, kept in the item's history (not shown to "
            "the public). Optional."
        ),
    )

    def create(self, validated_data):
        reason = validated_data.pop("reason", "")
        instance = super().create(validated_data)
        if reason:
            update_change_reason(instance, reason)
        return instance

    def update(self, instance, validated_data):
        reason = validated_data.pop("reason", "")
        if reason:
            instance._change_reason = reason
        return super().update(instance, validated_data)


class EditorialSerializer(
    ChangeReasonMixin, ModelValidationMixin, serializers.ModelSerializer
):
    """A writable editorial model with the admin's publishing rule.

    Without the `publish_<model>` permission, a write that would change a
    publishing field is refused as a whole with 403, naming the fields.
    """

    html_url = HtmlUrlField()
    reviewed_by = ReviewerField()

    def validate(self, attrs):
        request = self.context["request"]
        model = self.Meta.model
        target = self.instance or model()
        refused = refused_publishing_changes(request.user, target, attrs)
        if refused:
            opts = model._meta
            raise PermissionDenied(
                f"You may not change {', '.join(refused)}: publishing needs the "
                f"{opts.app_label}.publish_{opts.model_name} permission "
                "(the Reviewer role)."
            )
        if can_publish(request.user, model):
            last = attrs.get("last_reviewed")
            if last and last != getattr(self.instance, "last_reviewed", None):
                attrs["reviewed_by"] = request.user
        return super().validate(attrs)


EDITORIAL_FIELDS = (*PUBLISHING_FIELDS, "created_at", "updated_at", "reason")
EDITORIAL_READ_ONLY = ("reviewed_by", "created_at", "updated_at")


# --- Views -----------------------------------------------------------------------


class StaffWritePermission(DjangoModelPermissions):
    """Anyone reads; a write needs `may_preview()` (an active staff member) and
    the model permission of the method (add, change, delete).

    A token keeps working after "staff status" or "active" is unticked, so the
    check is made on every request, not when the token is issued.
    """

    authenticated_users_only = False  # reads are open (the schema says so too)
    message = (
        "Writing needs an active staff account with the permission for this "
        "content (the Editor or Reviewer role)."
    )

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return may_preview(user, view.get_model()) and super().has_permission(
            request, view
        )


class EditorialViewSet(PendingWritesMixin, viewsets.ModelViewSet):
    """List, detail and staff writes for one model.

    Everyone sees what `.published()` returns; users whom `may_preview()`
    allows (active staff with the model's view or change permission) also see
    drafts, items in review, archived and scheduled ones (to edit them). Writes
    need the same, plus the method's model permission (`StaffWritePermission`).

    A write that needs review (a published item, or a finding of one, changed
    without the publish permission) is answered 202 (`PendingWritesMixin`).
    """

    permission_classes = [StaffWritePermission]
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        # A weak ETag from the body answers If-None-Match with 304.
        return conditional_page(super().as_view(actions, **initkwargs))

    def shape(self, queryset):
        """The page-shaped queryset for this action: the model's `for_list()`
        for lists, `for_page()` for one item (the same the pages read)."""
        if self.action == "list":
            return queryset.for_list()
        return queryset.for_page()

    def can_preview(self) -> bool:
        return may_preview(self.request.user, self.get_model())

    def get_model(self):
        return self.get_serializer_class().Meta.model

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.get_model().objects.none()
        manager = self.get_model().objects
        return self.shaped(manager.all() if self.can_preview() else manager.published())

    def shaped(self, rows):
        """`shape()`, plus the reviewer's public profile that `reviewed_by` shows
        (lists show it too)."""
        if self.action == "list" and issubclass(self.get_model(), EditorialModel):
            rows = rows.select_related("reviewed_by__staff_profile")
        return self.shape(rows)

    def perform_create(self, serializer):
        super().perform_create(serializer)
        self.reread(serializer)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        self.reread(serializer)

    def reread(self, serializer) -> None:
        """Answer a write with the object as a read gives it.

        The saved instance lacks what the page-shaped queryset adds (annotations
        such as a finding's `evidence_level`, prefetched relations), and an
        annotation read before an update may be stale. The writer just wrote the
        object, so it is read back whatever its status.
        """
        model = self.get_model()
        serializer.instance = self.shaped(model.objects.all()).get(
            pk=serializer.instance.pk
        )

    def get_object(self):
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
        if self.lookup_field == "slug":
            valid = bool(SLUG.match(value))
        else:
            valid = value.isascii() and value.isdigit() and 0 < int(value) <= MAX_PK
        if not valid:
            raise Http404
        return super().get_object()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            elif response.status_code == status.HTTP_200_OK:
                patch_cache_control(
                    response, public=True, max_age=settings.API_CACHE_MAX_AGE
                )
        patch_vary_headers(response, ("Accept", "Authorization", "Cookie"))
        return response
