"""Pagination and throttling named in `REST_FRAMEWORK` settings.

Kept apart from `ldnsite.rest`: DRF imports these while it defines its own views.
"""

from __future__ import annotations

import codecs
import json
from functools import partial

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser as DRFJSONParser
from rest_framework.permissions import (
    SAFE_METHODS,
    DjangoModelPermissionsOrAnonReadOnly,
)
from rest_framework.throttling import AnonRateThrottle

from ldnsite.cache import RememberedPaginator, count_in_window, public_request_key

# Deeper JSON than any of our payloads needs is refused before it is parsed:
# Python's parser would otherwise recurse until it fails with a RecursionError.
MAX_JSON_DEPTH = 32


def _too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets nest deeper than `limit` (strings skipped), in one pass."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class JSONParser(DRFJSONParser):
    """DRF's JSON parser, refusing what it would fail on with a 500: bytes that
    are not UTF-8, deep nesting and lone surrogates (`"\\ud800"`), each a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except UnicodeDecodeError:
            raise ParseError(f"The request body is not valid {encoding}.") from None
        if _too_deep(text):
            raise ParseError(
                f"JSON nested deeper than {MAX_JSON_DEPTH} levels is not accepted."
            )
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error: {exc}") from None
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError(
                "The JSON holds a lone surrogate (e.g. \\ud800), which is not text."
            ) from None
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100); every ordering ends with `pk`."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        """Count and page rows remembered (`RememberedPaginator`) for anonymous
        readers; signed-in clients, who may see drafts, count afresh."""
        key = public_request_key(request, public=not request.user.is_authenticated)
        # A view whose order no index gives remembers which rows fill a page.
        rows = getattr(view, "remember_page_rows", False)
        self.django_paginator_class = partial(RememberedPaginator, key=key, rows=rows)
        return super().paginate_queryset(queryset, request, view)


class AnonThrottle(AnonRateThrottle):
    """Anonymous requests per client IP, at `settings.API_ANON_RATE`.

    Counted in the default cache, shared by every app server, in fixed windows
    of the rate's period (`120/minute`: at most 120 from 10:04:00 to 10:04:59):
    one counter per client and window, one round trip to Redis per request,
    whatever the rate. (DRF's own throttle keeps every request's time in a list
    that is read and written back whole on each request.) The rate is read at
    request time, so it follows the settings (and tests).
    """

    def get_rate(self) -> str:
        return settings.API_ANON_RATE

    def window(self, request) -> tuple[str, int] | None:
        """(counter key, seconds) of the window this anonymous request counts
        in, or None when no rate is set."""
        if self.rate is None:
            return None
        now = self.timer()
        window = int(now // self.duration)
        self.wait_seconds = (window + 1) * self.duration - now
        ident = self.get_ident(request)
        key = self.cache_format % {"scope": self.scope, "ident": ident}
        return f"{key}:{window}", self.duration

    def allow_request(self, request, view) -> bool:
        if request.user and request.user.is_authenticated:
            return True
        window = self.window(request)
        if window is None:
            return True
        # The shared page cache counts an anonymous API request while it looks
        # the answer up (one round trip); otherwise it is counted here.
        count = getattr(request, "throttle_count", None)
        if count is None:
            count = count_in_window(*window)
        return count <= self.num_requests

    def wait(self) -> float:
        return self.wait_seconds


def client_address(request) -> str:
    """The client's address as the throttle and the admin lockout count it:
    `REMOTE_ADDR`, or the `API_NUM_PROXIES`-th address from the end of
    `X-Forwarded-For` when that many proxies are trusted."""
    return AnonThrottle().get_ident(request)


class ModelPermissionsOrReadOnly(DjangoModelPermissionsOrAnonReadOnly):
    """DRF's model permissions, anonymous reads allowed, without building the
    view's queryset for a read (which needs no permission): a list page built
    its queryset twice."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().has_permission(request, view)
