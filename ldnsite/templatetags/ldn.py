from django import template

from ldnsite.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """Render staff Markdown through the sanitiser: `{{ condition.body|markdown }}`."""
    return render_markdown(text)
