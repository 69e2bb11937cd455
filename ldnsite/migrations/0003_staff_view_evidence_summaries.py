"""Editors and Reviewers see the stored evidence summaries (read-only) in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.get(
        content_type__app_label="studies", codename="view_evidencesummary"
    )
    for name in ("Editor", "Reviewer"):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(view)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="studies", codename="view_evidencesummary"
    ):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("ldnsite", "0002_reviewers_lift_lockouts"),
        ("studies", "0007_fill_evidence_summaries"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
