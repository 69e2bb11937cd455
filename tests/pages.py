"""Shared helpers for the page tests: a small published site, its page addresses,
hostile staff text and an audit of what a browser would run."""

from __future__ import annotations

from html.parser import HTMLParser

from django.urls import reverse

from tests.factories import (
    make_condition,
    make_faq,
    make_finding,
    make_mechanism,
    make_study,
    make_term,
)

# Staff text that would run script if it reached a page unescaped or unsanitised.
XSS = (
    "Hi <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))"
)


def make_site():
    """One published item of every kind, linked together: (condition, mechanism,
    study)."""
    condition = make_condition()
    study = make_study(key_finding="Pain fell.")
    make_finding(study=study, condition=condition)
    mechanism = make_mechanism()
    make_faq(condition=condition)
    make_term()
    return condition, mechanism, study


def public_pages(condition, mechanism, study) -> list[str]:
    """Every kind of public HTML page, for the items of `make_site()`."""
    return [
        reverse("conditions:home"),
        reverse("conditions:list"),
        condition.get_absolute_url(),
        reverse("conditions:mechanism-list"),
        mechanism.get_absolute_url(),
        reverse("studies:list"),
        study.get_absolute_url(),
        reverse("studies:evidence"),
        reverse("conditions:faq"),
        reverse("conditions:glossary"),
        reverse("search") + "?q=pain",
    ]


class _RunnableAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") != "application/ld+json":
            if not (attrs.get("src") or "").startswith("/static/"):
                self.problems.append(f"<script {attrs}>")
        if tag == "img":
            self.problems.append("<img>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}")
            if (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"{tag} {name}={value}")


def runnable(body: str) -> list[str]:
    """What in `body` a browser would run or fetch from staff text: inline or
    foreign scripts, images, event handlers, `javascript:` URLs. Our own scripts
    (`/static/…`) and JSON-LD blocks are fine."""
    audit = _RunnableAudit()
    audit.feed(body)
    return audit.problems
