"""API viewsets for conditions, mechanisms, FAQ entries and glossary terms."""

from __future__ import annotations

from conditions.filters import (
    ConditionFilter,
    FAQFilter,
    GlossaryFilter,
    MechanismFilter,
)
from conditions.serializers import (
    ConditionListSerializer,
    ConditionSerializer,
    FAQEntrySerializer,
    GlossaryTermSerializer,
    MechanismSerializer,
)
from ldnsite.editorial.api import EditorialViewSet


class ConditionViewSet(EditorialViewSet):
    """Conditions, with the stored evidence per outcome and the headline; the
    detail adds mechanisms and the number of findings with their paged list."""

    serializer_class = ConditionSerializer
    filterset_class = ConditionFilter
    lookup_field = "slug"

    def get_serializer_class(self):
        if self.action == "list":
            return ConditionListSerializer
        return ConditionSerializer

    def get_model(self):
        return ConditionSerializer.Meta.model


class MechanismViewSet(EditorialViewSet):
    serializer_class = MechanismSerializer
    filterset_class = MechanismFilter
    lookup_field = "slug"


class FAQEntryViewSet(EditorialViewSet):
    serializer_class = FAQEntrySerializer
    filterset_class = FAQFilter
    lookup_field = "slug"


class GlossaryTermViewSet(EditorialViewSet):
    serializer_class = GlossaryTermSerializer
    filterset_class = GlossaryFilter
    lookup_field = "slug"
