"""Staff as the public sees them: a reviewer's name as shown and credentials.

A staff user's login name never reaches a public page or the API; pages credit
a review to the reviewer's profile (`ldnsite.staff.reviewer_credit()`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ldnsite.editorial.pending import PendingChange

__all__ = ["PendingChange", "Role", "StaffProfile"]


class Role(models.TextChoices):
    """The editorial roles, each a group made by `studies` migration 0002."""

    EDITOR = "Editor", "Editor: writes and changes content, cannot publish"
    REVIEWER = "Reviewer", "Reviewer: reviews, publishes, archives and deletes"


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    display_name = models.CharField(
        "name as shown",
        max_length=150,
        help_text="How the public sees this person, e.g. “Dr Rita Osei”.",
    )
    credentials = models.CharField(
        max_length=200,
        blank=True,
        help_text="Role and qualifications, e.g. “Consultant in pain medicine”.",
    )

    class Meta:
        verbose_name = "staff profile"

    def __str__(self) -> str:
        return self.display_name
