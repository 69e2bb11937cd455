"""Template context every public page shares."""

from __future__ import annotations


def site(request) -> dict[str, str]:
    """`canonical_url`: this page's absolute address without its query string."""
    return {"canonical_url": request.build_absolute_uri(request.path)}
