"""Reviewers see failed sign-ins and lift a lockout (delete its access attempt)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),
    ("axes", "view_accesslog"),
    ("axes", "view_accessfailurelog"),
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    reviewer, _ = Group.objects.get_or_create(name="Reviewer")
    reviewer.permissions.add(
        *(
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Reviewer"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="axes",
                codename__in=[codename for _, codename in PERMISSIONS],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ldnsite", "0001_staff_profile"),
        ("axes", "0010_accessattemptexpiration"),
        ("studies", "0002_create_editorial_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
