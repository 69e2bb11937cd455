"""API viewsets for studies (with citation exports) and findings."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ldnsite.rest import EditorialViewSet
from studies.exports import EXPORT_RENDERERS, CitationRenderer, citation
from studies.filters import FindingFilter, StudyFilter
from studies.import_api import CitationImportMixin
from studies.serializers import (
    FindingSerializer,
    StudyListSerializer,
    StudySerializer,
)

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", *(r.format for r in EXPORT_RENDERERS)],
    description=(
        "`json` (default) or a citation export: `csv`, `ris`, `bibtex`, `csljson`. "
        "The `Accept` header works too."
    ),
)
CSL_ITEM = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "type": {"type": "string"}},
    "required": ["id", "type"],
}


def export_responses(json_response) -> dict:
    """200 answers per media type: JSON, or one of the citation exports."""
    text = OpenApiResponse(response=OpenApiTypes.STR, description="Citations")
    return {
        (200, "application/json"): json_response,
        (200, "text/csv"): text,
        (200, "application/x-research-info-systems"): text,
        (200, "application/x-bibtex"): text,
        (200, "application/vnd.citationstyles.csl+json"): OpenApiResponse(
            response={"type": "array", "items": CSL_ITEM},
            description="CSL-JSON items",
        ),
    }


@extend_schema_view(
    list=extend_schema(
        parameters=[FORMAT_PARAMETER],
        responses=export_responses(StudyListSerializer(many=True)),
        description=(
            "Published studies, filtered. With a citation `format`, every matching "
            "study is exported at once (no pages)."
        ),
    ),
    retrieve=extend_schema(
        parameters=[FORMAT_PARAMETER],
        responses=export_responses(StudySerializer),
    ),
)
class StudyViewSet(CitationImportMixin, EditorialViewSet):
    """Studies, with findings and mechanisms on the detail, citation exports, and
    the citation import (`CitationImportMixin`)."""

    serializer_class = StudySerializer
    filterset_class = StudyFilter

    def get_serializer_class(self):
        if self.action == "list":
            return StudyListSerializer
        return StudySerializer

    def get_model(self):
        return StudySerializer.Meta.model

    def get_renderers(self):
        if self.action in ("list", "retrieve"):
            return [JSONRenderer(), *(r() for r in EXPORT_RENDERERS)]
        return [JSONRenderer()]

    def shape(self, queryset):
        if self.action == "list":
            return queryset.for_api_list()
        return queryset.for_api_detail()

    def _exporting(self) -> bool:
        return isinstance(self.request.accepted_renderer, CitationRenderer)

    def _export(self, studies, filename: str) -> Response:
        build = self.request.build_absolute_uri
        data = [citation(s, html_url=build(s.get_absolute_url())) for s in studies]
        extension = self.request.accepted_renderer.extension
        return Response(
            data,
            headers={
                "Content-Disposition": f'attachment; filename="{filename}.{extension}"'
            },
        )

    def list(self, request, *args, **kwargs):
        if self._exporting():
            studies = self.filter_queryset(self.get_queryset())
            return self._export(studies, "ldn-studies")
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        if self._exporting():
            study = self.get_object()
            return self._export([study], f"ldn-study-{study.pk}")
        return super().retrieve(request, *args, **kwargs)


class FindingViewSet(EditorialViewSet):
    """Findings: one study's result for one condition and outcome."""

    serializer_class = FindingSerializer
    filterset_class = FindingFilter

    def shape(self, queryset):
        return queryset.for_api_list()
