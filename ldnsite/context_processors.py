"""Template context every public page shares."""

from __future__ import annotations

from django.utils.http import urlencode

# The only query parameter a canonical address keeps (see `canonical_url`).
PAGE_PARAMETER = "page"


def canonical_url(request) -> str:
    """This page's absolute address, without its query string.

    One exception: page 2 onwards of an unfiltered list keeps `?page=N`, since
    it lists other items than page 1. A filtered or sorted list (any other
    non-empty parameter) points to the list itself, and so does `?page=1`.
    """
    url = request.build_absolute_uri(request.path)
    given = {key: value for key, value in request.GET.items() if value.strip()}
    page = given.get(PAGE_PARAMETER, "")
    if (
        set(given) == {PAGE_PARAMETER}
        and page.isascii()
        and page.isdigit()
        and len(page) <= 9
    ):
        if int(page) > 1:
            url += "?" + urlencode({PAGE_PARAMETER: int(page)})
    return url


def site(request) -> dict[str, object]:
    """`canonical_url` (see `canonical_url()`), and for the main navigation
    `nav_section` (the first part of the path, e.g. "studies") and `nav_is_index`
    (this is the section's own page, not one item in it)."""
    parts = [part for part in request.path.split("/") if part]
    return {
        "canonical_url": canonical_url(request),
        "nav_section": parts[0] if parts else "",
        "nav_is_index": len(parts) == 1,
    }
