"""What every API endpoint shares: visibility, the publishing rule, paging, caching.

The apps' `api.py` modules build on `EditorialViewSet` and `EditorialSerializer`;
`ldnsite/api.py` routes them under `/api/v1/`.
"""

from __future__ import annotations

import copy
import re

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import ProtectedError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny, DjangoModelPermissions
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler as drf_exception_handler

from ldnsite.addresses import address
from ldnsite.markdown import normalise_newlines

SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,200}$")
# Primary keys are 64-bit: a longer number cannot name a row (and must not reach
# PostgreSQL, which refuses it).
MAX_PK = 2**63 - 1


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Other content depends on this item."
    default_code = "conflict"


def exception_handler(exc, context):
    """DRF's handler, plus: a delete that other rows protect is a 409, not a 500."""
    if isinstance(exc, ProtectedError):
        names = sorted({str(obj) for obj in exc.protected_objects})[:10]
        exc = Conflict(f"Other content depends on this item: {'; '.join(names)}.")
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    if response is not None and request is not None:
        # Errors are always JSON, even when a citation format was asked for.
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = "application/json"
    return response


# --- Serializers ---------------------------------------------------------------


class HyperlinkedIdentityField(serializers.HyperlinkedIdentityField):
    """DRF's, with the address filled in from the pattern reversed once
    (`ldnsite.addresses.address`) rather than reversed for every row."""

    def get_url(self, obj, view_name, request, format):
        if format or request is None or getattr(request, "versioning_scheme", None):
            return super().get_url(obj, view_name, request, format)
        if hasattr(obj, "pk") and obj.pk in (None, ""):
            return None
        value = getattr(obj, self.lookup_field)
        path = address(view_name, **{self.lookup_url_kwarg: value})
        return request.build_absolute_uri(path)


class HtmlUrlField(serializers.ReadOnlyField):
    """The object's public page, as an absolute URL."""

    def __init__(self, **kwargs):
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, obj) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


extend_schema_field(OpenApiTypes.URI)(HtmlUrlField)


class SlugRelatedField(serializers.SlugRelatedField):
    """Looks up only well-formed slugs (PostgreSQL refuses e.g. NUL characters)."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not SLUG.match(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:50])
        return super().to_internal_value(data)


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Looks up only ids that fit a 64-bit key."""

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and data > MAX_PK:
            self.fail("does_not_exist", pk_value=str(data)[:50])
        return super().to_internal_value(data)


class StaffTextField(serializers.CharField):
    """A model's text field, stored with LF line endings (`normalise_newlines`)."""

    def to_internal_value(self, data):
        return normalise_newlines(super().to_internal_value(data))


class ModelValidationMixin:
    """Run the model's own `full_clean()` (fields, `clean()`, constraints) on writes.

    Errors come back as 400 with the model's messages, keyed by field. The
    model's text fields are `StaffTextField`s (LF line endings), as in the admin.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.TextField: StaffTextField,
    }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = copy.copy(self.instance) if self.instance else model()
        concrete = {f.name for f in model._meta.concrete_fields}
        for name, value in attrs.items():
            if name in concrete:
                setattr(instance, name, value)
        before = {name: getattr(instance, name) for name in concrete}
        try:
            instance.full_clean()
        except DjangoValidationError as exc:
            errors = exc.message_dict
            if NON_FIELD_ERRORS in errors:
                errors["non_field_errors"] = errors.pop(NON_FIELD_ERRORS)
            raise serializers.ValidationError(errors) from None
        # `clean()` may fill in values (e.g. the publication time of a new
        # publication): keep them.
        for name, value in before.items():
            if getattr(instance, name) != value:
                attrs[name] = getattr(instance, name)
        return attrs


# --- Schema ---------------------------------------------------------------------

_DETAIL = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})
_FIELD_ERRORS = OpenApiTypes.OBJECT

ERROR_RESPONSES = {
    "400": (
        _FIELD_ERRORS,
        "Invalid query parameter or body: field names mapped to messages, or "
        "`detail` for a malformed body.",
    ),
    "401": (_DETAIL, "The token or session is invalid, or a write needs one."),
    "403": (_DETAIL, "Not allowed: a missing permission, or the publishing rule."),
    "404": (_DETAIL, "No such item (or not public), or no such page."),
    "406": (_DETAIL, "None of the accepted formats can be produced."),
    "409": (_DETAIL, "Other content depends on this item."),
    "415": (_DETAIL, "The body is not JSON."),
    "429": (_DETAIL, "Too many anonymous requests; see the Retry-After header."),
}


class TokenScheme(OpenApiAuthenticationExtension):
    """DRF's token header, with the `Token` prefix it wants (not `Bearer`)."""

    target_class = "rest_framework.authentication.TokenAuthentication"
    name = "tokenAuth"
    match_subclasses = True
    priority = 1  # over drf-spectacular's own, which has no word on the format

    def get_security_definition(self, auto_schema):
        keyword = self.target.keyword
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                f"A staff user's API token. Send `Authorization: {keyword} <key>`: "
                f"the word `{keyword}`, one space, then the key (not `Bearer`). "
                "Staff create tokens in the admin (Auth Token › Tokens). Reads need "
                "no token; writes do."
            ),
        }


class SessionScheme(OpenApiAuthenticationExtension):
    """The admin's session cookie; writes also need the CSRF token."""

    target_class = "rest_framework.authentication.SessionAuthentication"
    name = "cookieAuth"
    match_subclasses = True
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "A staff user's admin session; writes also send the CSRF token "
                "in the `X-CSRFToken` header."
            ),
        }


def anonymous_may_call(permissions, method: str) -> bool:
    """Whether these permission objects let an anonymous client use `method`."""
    for permission in permissions:
        if isinstance(permission, DjangoModelPermissions):
            if permission.authenticated_users_only or permission.perms_map.get(method):
                return False
        elif not isinstance(permission, AllowAny):
            return False
    return True


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema with the error responses each operation can give,
    and anonymous access declared where the permissions allow it."""

    _raw_schema_response = False

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and isinstance(
            serializer, serializers.ModelSerializer
        ):
            # A model serializer writes every field it reads, null or not: a
            # generated client may count on each one (no "unset" case).
            schema["required"] = sorted(schema["properties"])
        return schema

    def get_auth(self):
        auths = super().get_auth()
        if {} not in auths and anonymous_may_call(
            self.view.get_permissions(), self.method
        ):
            auths.append({})
        return auths

    def _get_response_for_code(self, serializer, status_code, *args, **kwargs):
        # A raw JSON schema (the CSL-JSON export, already an array) is the whole
        # answer: neither wrap it in an array nor in a page.
        raw = (
            serializer.response
            if isinstance(serializer, OpenApiResponse)
            else serializer
        )
        self._raw_schema_response = isinstance(raw, dict) and "type" in raw
        try:
            return super()._get_response_for_code(
                serializer, status_code, *args, **kwargs
            )
        finally:
            self._raw_schema_response = False

    def _is_list_view(self, serializer=None) -> bool:
        return not self._raw_schema_response and super()._is_list_view(serializer)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        accepted = getattr(self.view, "accepted_response_serializer", None)
        if accepted and self.method in ("POST", "PUT", "PATCH", "DELETE"):
            responses["202"] = self._get_response_for_code(
                OpenApiResponse(
                    response=accepted,
                    description=(
                        "The item is published and you may not publish it: the "
                        "change waits for review (`Location` is its address); "
                        "the public keeps the published version."
                    ),
                ),
                "202",
                media_types=["application/json"],
            )
        for code, (schema, description) in ERROR_RESPONSES.items():
            if code == "409" and self.method != "DELETE":
                continue
            if code == "415" and self.method not in ("POST", "PUT", "PATCH"):
                continue
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=schema, description=description),
                    code,
                    media_types=["application/json"],
                )
        return responses
