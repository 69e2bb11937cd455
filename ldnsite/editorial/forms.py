"""Admin form pieces shared by every editorial model: the reason, staff text."""

from __future__ import annotations

from django import forms

from ldnsite.editorial.models import REASON_MAX_LENGTH
from ldnsite.markdown import normalise_newlines


class StaffTextField(forms.CharField):
    """A textarea's text with LF line endings (`normalise_newlines`).

    Cleaning before the comparison with the stored value means a form saved
    untouched changes nothing, and history shows no field as changed.
    """

    def to_python(self, value):
        return normalise_newlines(super().to_python(value))


class EditorialAdminForm(forms.ModelForm):
    """The admin's change form for an editorial model (and its revert form)."""

    change_reason = forms.CharField(
        label="Reason for this change",
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text="Optional; kept in the history (never shown to the public).",
        widget=forms.TextInput(attrs={"size": 80}),
    )

    def clean_change_reason(self) -> str:
        return " ".join(self.cleaned_data["change_reason"].split())
