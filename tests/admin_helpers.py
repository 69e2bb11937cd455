"""Helpers for admin tests: form data from a rendered page, actions, URLs."""

from __future__ import annotations

import calendar
import datetime

from django import forms
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.urls import reverse

from ldnsite.editorial.policy import Status


def _plain(value) -> str:
    """A widget's formatted value as the browser would post it."""
    if isinstance(value, list | tuple):  # Select.format_value() gives a list
        value = value[0] if value else ""
    return "" if value is None else str(value)


def _field_data(bound_field) -> dict:
    widget = bound_field.field.widget
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    name, value = bound_field.html_name, bound_field.value()
    if isinstance(widget, forms.MultiWidget):  # e.g. the split date/time
        parts = value if isinstance(value, list) else widget.decompress(value)
        return {
            name + suffix: _plain(sub.format_value(part))
            for suffix, sub, part in zip(
                widget.widgets_names, widget.widgets, parts, strict=True
            )
        }
    if isinstance(widget, forms.CheckboxInput):
        return {name: "on"} if value else {}
    if isinstance(widget, forms.SelectMultiple):
        return {name: [str(v) for v in value or []]}
    return {name: _plain(widget.format_value(value))}


def _form_data(form) -> dict:
    data = {}
    for bound_field in form:
        data.update(_field_data(bound_field))
    return data


def admin_form_data(response, **overrides) -> dict:
    """POST data for an admin add/change/revert page, from what the GET rendered.

    The main form's values plus every inline's management form and existing rows
    (extra blank rows are dropped: TOTAL_FORMS = INITIAL_FORMS). `overrides`
    replace or add keys.
    """
    assert response.status_code == 200, response.status_code
    data = _form_data(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets") or []:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.initial_forms))
        for form in formset.initial_forms:
            data.update(_form_data(form))
    data.update(overrides)
    return data


def form_errors(response) -> dict:
    """The main form's errors on a re-rendered (invalid) admin form."""
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors


def action_choices(client, model) -> set[str]:
    """The action names offered on the changelist to this client's user."""
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return {
        name
        for name, _label in response.context["action_form"].fields["action"].choices
    }


def run_action(client, model, action: str, *objects, follow=False, **extra):
    """POST a changelist action on `objects`, as the action bar would."""
    return client.post(
        admin_url(model, "changelist"),
        {
            "action": action,
            ACTION_CHECKBOX_NAME: [str(o.pk) for o in objects],
            "index": "0",
            **extra,
        },
        follow=follow,
    )


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def publishing_state(obj) -> tuple:
    obj.refresh_from_db()
    return (
        obj.status,
        obj.published_at,
        obj.last_reviewed,
        obj.next_review_due,
        obj.reviewed_by_id,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def months_later(day: datetime.date, months: int) -> datetime.date:
    """Written apart from ldnsite.editorial.models.add_months: same day, clamped."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# Review dates of an item whose review is long overdue.
OVERDUE = {
    "last_reviewed": datetime.date(2019, 1, 1),
    "next_review_due": datetime.date(2020, 1, 1),
}

PUBLISH_ATTEMPT = {
    "status": Status.PUBLISHED,
    "published_at_0": "2020-01-01",
    "published_at_1": "10:00:00",
    "last_reviewed": "2020-01-01",
    "next_review_due": "2020-06-01",
}
