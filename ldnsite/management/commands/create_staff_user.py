import getpass
import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ldnsite.models import Role
from ldnsite.staff import staff_user_create

ROLES = {role.value.lower(): role for role in Role}


class Command(BaseCommand):
    help = (
        "Create a staff user with a public name, credentials and a role. The "
        "password is read from $STAFF_PASSWORD, or asked for at a terminal."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument(
            "--name", required=True, help="name as shown, e.g. 'Dr Rita Osei'"
        )
        parser.add_argument("--credentials", default="", help="e.g. 'Consultant'")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, role, name, credentials, email, **options):
        password = os.environ.get("STAFF_PASSWORD") or self._ask_password()
        try:
            user = staff_user_create(
                username=username,
                password=password,
                role=ROLES[role],
                display_name=name,
                credentials=credentials,
                email=email,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Created {ROLES[role].value.lower()} {user.username} "
            f"(shown as “{name}”); they sign in at /admin/."
        )

    def _ask_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(
                "Set STAFF_PASSWORD, or run at a terminal to be asked for it."
            )
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return first
