"""Staff users in the admin: one form sets name, credentials, staff status and role."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.urls import path

from ldnsite.editorial.review import review_queue, review_view
from ldnsite.models import PendingChange, Role, StaffProfile
from ldnsite.staff import roles_of, staff_user_setup

User = get_user_model()


class StaffUserCreationForm(AdminUserCreationForm):
    display_name = forms.CharField(
        label="Name as shown",
        max_length=150,
        help_text="How the public sees this person, e.g. “Dr Rita Osei”.",
    )
    credentials = forms.CharField(
        max_length=200,
        required=False,
        help_text="Role and qualifications, e.g. “Consultant in pain medicine”.",
    )
    role = forms.ChoiceField(choices=Role.choices, widget=forms.RadioSelect)

    class Meta(AdminUserCreationForm.Meta):
        fields = ("username", "email")


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fields = ("display_name", "credentials")


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    add_form = StaffUserCreationForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "usable_password",
                    "password1",
                    "password2",
                    "display_name",
                    "credentials",
                    "email",
                    "role",
                ),
            },
        ),
    )
    list_display = (
        "username",
        "public_name",
        "email",
        "roles",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_select_related = ("staff_profile",)
    inlines = [StaffProfileInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @admin.display(description="name as shown", ordering="staff_profile__display_name")
    def public_name(self, obj) -> str:
        profile = getattr(obj, "staff_profile", None)
        return profile.display_name if profile else "—"

    @admin.display(description="roles")
    def roles(self, obj) -> str:
        return ", ".join(roles_of(obj)) or "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            staff_user_setup(
                user=obj,
                role=form.cleaned_data["role"],
                display_name=form.cleaned_data["display_name"],
                credentials=form.cleaned_data["credentials"],
            )


@admin.register(PendingChange)
class PendingChangeAdmin(admin.ModelAdmin):
    """Not a list of its own: serves the review page of one change
    (`ldnsite.editorial.review`); the queue is on the admin index."""

    def get_model_perms(self, request):
        return {}  # Hidden from the index's app list.

    def get_urls(self):
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review),
                name="editorial_review",
            )
        ]

    def review(self, request, pk):
        return review_view(self.admin_site, request, pk)


def review_queue_section(site, request) -> dict:
    return {"review_queue": review_queue(site, request)}


admin.site.index_sections.append(review_queue_section)
