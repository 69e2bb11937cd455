"""Create the Editor and Reviewer groups with their permissions.

Editors add and change content but cannot publish; Reviewers also publish
(the custom publish_* permissions), archive and delete.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT = {
    "conditions": ["condition", "mechanism", "conditionmechanism", "faqentry", "glossaryterm"],
    "studies": ["study", "studymechanism", "finding"],
}
PUBLISHABLE = {
    "conditions": ["condition", "mechanism", "faqentry", "glossaryterm"],
    "studies": ["study"],
}


def codenames(actions):
    return [
        (app, f"{action}_{model}")
        for app, models in CONTENT.items()
        for model in models
        for action in actions
    ]


def create_roles(apps, schema_editor):
    # Permissions are normally made after migrate; make them now so the groups
    # can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(pairs):
        found = []
        for app, codename in pairs:
            found.append(
                Permission.objects.get(content_type__app_label=app, codename=codename)
            )
        return found

    editor_perms = perms(codenames(["add", "change", "view"]))
    reviewer_perms = (
        editor_perms
        + perms(codenames(["delete"]))
        + perms(
            (app, f"publish_{model}")
            for app, models in PUBLISHABLE.items()
            for model in models
        )
    )
    editor, _ = Group.objects.get_or_create(name="Editor")
    editor.permissions.set(editor_perms)
    reviewer, _ = Group.objects.get_or_create(name="Reviewer")
    reviewer.permissions.set(reviewer_perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editor", "Reviewer"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("conditions", "0001_initial"),
        ("studies", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
