"""Staff-written text: line endings on input, Markdown to safe HTML on output.

Python-Markdown passes raw HTML and `javascript:` links through; nh3 removes
scripts, event-handler attributes and any URL scheme but http, https and mailto.
"""

from __future__ import annotations

import functools

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li",
    "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}


def normalise_newlines(text: str) -> str:
    """Line endings as stored: LF. Browsers send a textarea with CRLF, so a form
    saved untouched would otherwise differ from the stored text (and history
    would show the field as changed). The admin's text fields
    (`ldnsite.editorial.forms.StaffTextField`) and the API's
    (`ldnsite.rest.StaffTextField`) clean with it."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


def render_markdown(text: str) -> SafeString:
    """`text` as sanitised HTML. The last `RENDERED_KEPT` texts rendered are
    kept in the process: rendering is a pure function of the text, so a kept
    one is never stale, and pages that show many items render each once."""
    return mark_safe(_sanitised_html(text or ""))  # noqa: S308 - sanitised by nh3


RENDERED_KEPT = 4096


@functools.lru_cache(maxsize=RENDERED_KEPT)
def _sanitised_html(text: str) -> str:
    html = md.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
