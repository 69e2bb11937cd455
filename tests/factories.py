"""Plain builders for test data: `make_condition(**overrides)` and friends."""

from __future__ import annotations

import datetime
import importlib
import itertools

from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from conditions.models import Condition, FAQEntry, GlossaryTerm, Mechanism
from ldnsite.editorial.policy import Status
from studies.authors import parse_authors
from studies.evidence import Design, Direction
from studies.models import Finding, Outcome, Study

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def published(**overrides):
    """Editorial values of a published, reviewed item."""
    return {
        "status": Status.PUBLISHED,
        "published_at": timezone.now() - datetime.timedelta(days=1),
        "last_reviewed": datetime.date(2026, 1, 1),
        "next_review_due": datetime.date(2099, 1, 1),
        **overrides,
    }


def make_mechanism(**overrides) -> Mechanism:
    n = _n()
    fields = {
        "name": f"Mechanism {n}",
        "slug": f"mechanism-{n}",
        "summary": "How it may act.",
        "support_level": "human",
        **published(),
    }
    fields.update(overrides)
    return Mechanism.objects.create(**fields)


def make_condition(**overrides) -> Condition:
    n = _n()
    fields = {
        "name": f"Condition {n}",
        "slug": f"condition-{n}",
        "category": "pain_syndrome",
        "summary": "A condition.",
        "dose_min_mg": "0.5",
        "dose_max_mg": "4.5",
        **published(),
    }
    fields.update(overrides)
    return Condition.objects.create(**fields)


def make_study(**overrides) -> Study:
    """A published RCT; `authors` may be given as pasted text ("Doe J, Roe A")."""
    n = _n()
    if isinstance(overrides.get("authors"), str):
        overrides["authors"], et_al = parse_authors(overrides["authors"])
        overrides.setdefault("authors_et_al", et_al)
    fields = {
        "title": f"Study {n}",
        "slug": f"study-{n}",
        "authors": [{"family": "Doe", "given": "J."}],
        "journal": "Journal of Pain",
        "year": 2020,
        "design": Design.RCT,
        **published(),
    }
    fields.update(overrides)
    return Study.objects.create(**fields)


def make_finding(*, study=None, condition=None, **overrides) -> Finding:
    fields = {
        "study": study or make_study(),
        "condition": condition or make_condition(),
        "outcome": Outcome.PAIN,
        "direction": Direction.BENEFIT,
        "effect": "Pain fell.",
    }
    fields.update(overrides)
    return Finding.objects.create(**fields)


def make_studies_of(
    condition,
    sizes,
    *,
    outcome: str = Outcome.PAIN,
    design: str = "rct",
    direction: str = Direction.BENEFIT,
) -> list[Finding]:
    """One published study of `design` per size, each with its finding for
    `condition` × `outcome` (participants = the study's size)."""
    return [
        make_finding(
            condition=condition,
            outcome=outcome,
            direction=direction,
            participants=size,
            study=make_study(design=design, sample_size=size),
        )
        for size in sizes
    ]


def make_faq(**overrides) -> FAQEntry:
    n = _n()
    fields = {
        "question": f"Question {n}?",
        "slug": f"question-{n}",
        "answer": "An answer.",
        "order": n,
        **published(),
    }
    fields.update(overrides)
    return FAQEntry.objects.create(**fields)


def make_term(**overrides) -> GlossaryTerm:
    n = _n()
    fields = {
        "term": f"Term {n}",
        "slug": f"term-{n}",
        "definition": "A definition.",
        **published(),
    }
    fields.update(overrides)
    return GlossaryTerm.objects.create(**fields)


def make_staff(username: str, *, role: str | None = None, **extra) -> User:
    """A staff user, optionally in the "Editor" or "Reviewer" group."""
    user = User.objects.create_user(
        username=username, password="pw", is_staff=True, **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def restore_roles() -> None:
    """Make the Editor and Reviewer groups as their data migration does.

    A live-server test ends by emptying every table, which removes them too.
    """
    apps = MigrationLoader(connection).project_state().apps
    roles = importlib.import_module("studies.migrations.0002_create_editorial_roles")
    roles.create_roles(apps, None)
    lockouts = importlib.import_module(
        "ldnsite.migrations.0002_reviewers_lift_lockouts"
    )
    lockouts.grant(apps, None)


def make_user(username: str, **extra) -> User:
    """A signed-up user who is not staff and holds no permission."""
    return User.objects.create_user(username=username, password="pw", **extra)


# Editorial states the public must never see.
HIDDEN_STATES = {
    "draft": {"status": Status.DRAFT, "published_at": None},
    "in_review": {"status": Status.IN_REVIEW, "published_at": None},
    "archived": {"status": Status.ARCHIVED},
    "scheduled": {
        "status": Status.PUBLISHED,
        "published_at": timezone.now() + datetime.timedelta(days=30),
    },
    "unpublished": {
        "status": Status.PUBLISHED,
        "published_at": timezone.now() - datetime.timedelta(days=30),
        "unpublish_at": timezone.now() - datetime.timedelta(days=1),
    },
}


def change_study(change: str, study, *, finding=None, condition=None) -> None:
    """One change the public sees: "publish" (a draft), "unpublish" (back to
    review), "archive" and "edit" (queryset updates: a new title),
    "delete_finding" (`finding`) or "add_finding" (for `condition`)."""
    if change == "publish":
        study.mark_published()
        study.save()
    elif change == "unpublish":
        study.status = Status.IN_REVIEW
        study.save()
    elif change == "archive":
        Study.objects.filter(pk=study.pk).update(status=Status.ARCHIVED)
    elif change == "edit":
        Study.objects.filter(pk=study.pk).update(title="A renamed trial")
    elif change == "delete_finding":
        finding.delete()
    else:
        make_finding(study=study, condition=condition)
