"""Form widgets written in Python, the same HTML as Django's widget templates.

Django renders every option of a select or checkbox list through its own
template include: the study list's filters ran about 500 of them per request,
most of the page's time. `WidgetRenderer` writes those widgets (select, radio
and checkbox lists, plain inputs) directly and leaves every other template to
Django (`FORM_RENDERER` in settings).
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape


def _text(value) -> str:
    return str(conditional_escape(value))


def attrs(attributes: dict) -> str:
    """`django/forms/widgets/attrs.html`."""
    out = []
    for name, value in attributes.items():
        if value is False:
            continue
        out.append(
            f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"'
        )
    return "".join(out)


def input_tag(widget: dict) -> str:
    """`input.html`."""
    value = widget.get("value")
    shown = "" if value is None else f' value="{_text(value)}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{shown}{attrs(widget['attrs'])}>"
    )


def input_option(option: dict) -> str:
    """`checkbox_option.html` / `radio_option.html` through `input_option.html`
    (each included template keeps its closing newline)."""
    if not option.get("wrap_label"):
        return f"{input_tag(option)}\n\n\n"
    target = option["attrs"].get("id")
    label_for = f' for="{_text(target)}"' if target else ""
    label = _text(option["label"])
    return f"<label{label_for}>{input_tag(option)}\n {label}</label>\n\n"


def select(widget: dict) -> str:
    """`select.html` with `select_option.html`."""
    parts = [f'<select name="{_text(widget["name"])}"{attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{_text(option["value"])}"'
                f"{attrs(option['attrs'])}>{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def multiple_input(widget: dict) -> str:
    """`multiple_input.html` (checkbox lists and radio buttons)."""
    widget_id = widget["attrs"].get("id")
    css = widget["attrs"].get("class")
    parts = [
        "<div",
        f' id="{_text(widget_id)}"' if widget_id else "",
        f' class="{_text(css)}"' if css else "",
        ">",
    ]
    for group, options, _ in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            parts.append(f"<div>\n    {input_option(option)}</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


WRITERS = {
    "django/forms/widgets/select.html": select,
    "django/forms/widgets/checkbox_select.html": multiple_input,
    "django/forms/widgets/radio.html": multiple_input,
    **{
        f"django/forms/widgets/{name}.html": input_tag
        for name in ("input", "text", "number", "search", "email", "url", "hidden")
    },
}


class WidgetRenderer(DjangoTemplates):
    """Django's template renderer, with the common widgets written in Python."""

    def render(self, template_name, context, request=None):
        writer = WRITERS.get(template_name)
        if writer is None or "widget" not in context:
            return super().render(template_name, context, request=request)
        return writer(context["widget"])
