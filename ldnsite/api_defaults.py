"""Pagination and throttling named in `REST_FRAMEWORK` settings.

Kept apart from `ldnsite.rest`: DRF imports these while it defines its own views.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import AnonRateThrottle


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100); every ordering ends with `pk`."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class AnonThrottle(AnonRateThrottle):
    """Anonymous requests per client IP, at `settings.API_ANON_RATE`.

    Counted in the default cache; the rate is read at request time, so it follows
    the settings (and tests).
    """

    def get_rate(self) -> str:
        return settings.API_ANON_RATE
