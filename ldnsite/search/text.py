"""Staff text as search shows it: plain, one line, with only our `<mark>`s."""

from __future__ import annotations

import html
import re

import nh3
from django.utils.safestring import SafeString, mark_safe

# Around each match, in a PostgreSQL headline or an FTS5 highlight; `marked()`
# turns balanced pairs into `<mark>`.
MARK_START, MARK_STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_STOP}]*){MARK_STOP}")
_SPACES = re.compile(r"\s+")

# Markdown punctuation that reads as noise in a one-line snippet.
# A headline may cut a link before its closing parenthesis.
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*\)?")
_MD_EMPHASIS = re.compile(r"\*\*|__|`+")
_MD_STAR = re.compile(r"\*(?=\S)([^*\n]+?)(?<=\S)\*")
_MD_LINE_START = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+\.\s+)", re.MULTILINE)


def tidy_markdown(text: str) -> str:
    """Drop Markdown syntax (links keep their text) and fold the lines into one."""
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_LINE_START.sub("", text)
    text = _MD_EMPHASIS.sub("", text)
    text = _MD_STAR.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def plain_text(text) -> str:
    """Staff Markdown as plain one-line text: tags (and script content) removed."""
    if text is None:
        return ""
    text = str(text).replace(MARK_START, "").replace(MARK_STOP, "")
    return html.unescape(nh3.clean(tidy_markdown(text), tags=set()))


def marked(headline: str | None) -> SafeString:
    """A headline of staff text, made safe: escaped text and our `<mark>`s.

    Matches are marked with two private-use characters, not with `<mark>`: nh3
    removes all markup staff typed (with the content of script and style) and
    escapes the text, and only then are balanced pairs turned into `<mark>`.
    So a `<mark>` typed by staff, an unclosed `<svg>` or a cut-off tag cannot
    add or hide one. (The SQLite index holds `plain_text()` already; cleaning
    it again is harmless.)
    """
    text = nh3.clean(tidy_markdown(headline or ""), tags=set(), strip_comments=True)
    text = _MARKED.sub(r"<mark>\1</mark>", text)
    text = text.replace(MARK_START, "").replace(MARK_STOP, "")
    return mark_safe(_SPACES.sub(" ", text).strip())  # noqa: S308 - escaped by nh3


def has_mark(headline: str | None) -> bool:
    return bool(headline) and MARK_START in headline
