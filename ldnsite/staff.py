"""Staff accounts: creating one with its role, and how the public sees a reviewer.

The admin's "add staff user" form and `manage.py create_staff_user` both call
`staff_user_create()`; public pages and the API both call `reviewer_credit()`.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from ldnsite.models import Role, StaffProfile

# Shown when a reviewer has no public name: never their login name.
UNNAMED_REVIEWER = "a medical reviewer"


def reviewer_credit(user) -> dict[str, str] | None:
    """{"name", "credentials"} for a public "Reviewed by", or None without a user.

    Reads `user.staff_profile`: select `reviewed_by__staff_profile` with the item.
    """
    if user is None:
        return None
    profile = getattr(user, "staff_profile", None)
    if profile is not None:
        return {"name": profile.display_name, "credentials": profile.credentials}
    return {"name": user.get_full_name() or UNNAMED_REVIEWER, "credentials": ""}


def roles_of(user) -> list[str]:
    """The editorial roles a user holds (reads the prefetched groups if any)."""
    names = {group.name for group in user.groups.all()}
    return [role.value for role in Role if role.value in names]


def staff_user_setup(
    *, user, role: Role | str, display_name: str, credentials: str = ""
) -> None:
    """Make a saved user staff, in one editorial role, with a public profile."""
    role = Role(role)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.get(name=role.value))
    StaffProfile.objects.update_or_create(
        user=user, defaults={"display_name": display_name, "credentials": credentials}
    )


@transaction.atomic
def staff_user_create(
    *,
    username: str,
    password: str,
    role: Role | str,
    display_name: str,
    credentials: str = "",
    email: str = "",
):
    """A staff user with a public profile and one editorial role, all at once.

    Raises `django.core.exceptions.ValidationError` for a taken or malformed
    username or a weak password, `ValueError` for an unknown role; nothing is
    written then.
    """
    role = Role(role)
    User = get_user_model()
    user = User(username=username, email=email, is_staff=True)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    staff_user_setup(
        user=user, role=role, display_name=display_name, credentials=credentials
    )
    return user
