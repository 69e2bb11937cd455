"""Page and API addresses, each URL pattern reversed once per process.

Lists, sitemaps and API pages ask for thousands of addresses a request, and
Django's `reverse()` matches the pattern anew each time. `address()` gives what
`reverse()` gives, filling in the address reversed once per name, script prefix
and argument names, for arguments that addresses carry unchanged (numbers and
slugs); anything else is reversed as usual.
"""

from __future__ import annotations

import functools
import re

from django.urls import get_script_prefix, reverse

PLAIN = re.compile(r"^[-a-zA-Z0-9_]+$")
# Markers that every pattern used here accepts (int, slug and [^/.]+ parts).
MARKER = 918273640


def address(view_name: str, **kwargs: int | str) -> str:
    """`reverse(view_name, kwargs=kwargs)`."""
    if not all(
        (isinstance(value, int) and not isinstance(value, bool) and value >= 0)
        or (isinstance(value, str) and PLAIN.match(value))
        for value in kwargs.values()
    ):
        return reverse(view_name, kwargs=kwargs)
    template = _template(get_script_prefix(), view_name, tuple(kwargs))
    return template.format(**kwargs)


@functools.cache
def _template(prefix: str, view_name: str, names: tuple[str, ...]) -> str:
    """The address of `view_name` with `{name}` for each argument."""
    markers = {name: str(MARKER + index) for index, name in enumerate(names)}
    url = reverse(view_name, kwargs=markers).replace("{", "{{").replace("}", "}}")
    for name, marker in markers.items():
        if url.count(marker) != 1:
            raise ValueError(f"{view_name}: cannot place {name} in {url}")
        url = url.replace(marker, "{" + name + "}")
    return url
