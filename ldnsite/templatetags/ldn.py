import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ldnsite.markdown import render_markdown
from ldnsite.staff import reviewer_credit
from studies.evidence import (
    BODY_DIRECTION_SYMBOLS,
    CERTAINTY_SYMBOLS,
    DIRECTION_SYMBOLS,
)

register = template.Library()

# What `json_script` escapes: none of these can then end the <script> block or
# open a comment inside it, whatever a staff member typed.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Render staff Markdown through the sanitiser: `{{ condition.body|markdown }}`."""
    return render_markdown(text)


@register.filter(name="direction_symbol")
def direction_symbol(direction: str) -> str:
    """The symbol beside a direction's word: `{{ f.direction|direction_symbol }}`."""
    return DIRECTION_SYMBOLS.get(direction, "")


@register.filter(name="body_direction_symbol")
def body_direction_symbol(direction: str) -> str:
    """The symbol of a body of evidence's direction (benefit, no clear benefit …)."""
    return BODY_DIRECTION_SYMBOLS.get(direction, "")


@register.filter(name="certainty_symbol")
def certainty_symbol(certainty: str) -> str:
    """Filled dots for a certainty (●●○○ low), always shown beside its word."""
    return CERTAINTY_SYMBOLS.get(certainty, "")


@register.filter(name="json_ld")
def json_ld(data: dict):
    """A schema.org JSON-LD block: `{{ structured_data|json_ld }}`.

    The JSON is escaped like `json_script`'s, so `</script>` in a value cannot
    end the block; the type is `application/ld+json`, which browsers never run.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_JSON_ESCAPES)),
    )


@register.filter(name="reviewer_credit")
def reviewer_credit_filter(user):
    """`{{ item.reviewed_by|reviewer_credit }}`: name as shown, then credentials.

    Never the login name (see `ldnsite.staff.reviewer_credit`).
    """
    credit = reviewer_credit(user)
    if credit is None:
        return ""
    if credit["credentials"]:
        return format_html("{}, {}", credit["name"], credit["credentials"])
    return credit["name"]
