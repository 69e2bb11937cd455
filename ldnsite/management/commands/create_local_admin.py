from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"
PASSWORD = "ldn-local-admin"


class Command(BaseCommand):
    help = (
        "Create the local superuser admin / ldn-local-admin (DEBUG only) and print "
        "how to log in."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site", default="http://127.0.0.1:8000", help="where the site is served"
        )

    def handle(self, *args, site, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to create a known-password user with DEBUG off: "
                "use `manage.py createsuperuser`."
            )
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        state = "Created" if created else "Already there:"
        self.stdout.write(
            f"{state} admin user. Log in at {site.rstrip('/')}/admin/ as "
            f"{USERNAME} / {PASSWORD} (local only)."
        )
