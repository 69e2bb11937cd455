"""The Python-written widgets give the same HTML as Django's widget templates."""

from __future__ import annotations

import pytest
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict

from conditions.filters import ConditionFilter
from ldnsite.forms_renderer import WidgetRenderer
from studies.filters import StudyFilter
from tests.factories import make_condition, make_mechanism

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("filterset", "query"),
    [
        (StudyFilter, ""),
        (StudyFilter, "design=rct&design=cohort&q=a<b%22&year_min=2000&level=9"),
        (ConditionFilter, "q=x&ordering=name&category=autoimmune"),
    ],
)
def test_widgets_match_djangos_templates(filterset, query):
    make_condition(name='Pain & "fog" <b>')
    make_mechanism(name="Glia & co")
    form = filterset(QueryDict(query)).form
    form.is_valid()
    for field in form:
        widget = field.field.widget
        attrs = field.build_widget_attrs({"id": field.auto_id})
        expected = widget.render(
            field.html_name, field.value(), attrs, renderer=DjangoTemplates()
        )
        written = widget.render(
            field.html_name, field.value(), attrs, renderer=WidgetRenderer()
        )
        assert written == expected, field.name
