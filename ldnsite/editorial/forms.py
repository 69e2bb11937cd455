"""Admin form pieces shared by every editorial model: the reason, and fields
that a form saved untouched leaves as they were stored."""

from __future__ import annotations

import datetime

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

    def clean(self):
        """Keep the stored value of a date and time the form left untouched.

        Times set by the clock (publishing) hold microseconds, which the time
        box neither shows nor sends back: without this, saving the form would
        truncate them and history would show the field as changed.
        """
        cleaned = super().clean()
        for name, stored in self.initial.items():
            if (
                isinstance(stored, datetime.datetime)
                and name in cleaned
                and name not in self.changed_data
            ):
                cleaned[name] = stored
        return cleaned
