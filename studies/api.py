"""API viewsets for studies (with citation exports) and findings."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ldnsite.editorial.api import EditorialViewSet
from studies.exports import (
    EXPORT_RENDERERS,
    CitationRenderer,
    CSLJSONRenderer,
    citation,
)
from studies.filters import FindingFilter, StudyFilter
from studies.import_api import CitationImportMixin
from studies.serializers import (
    FindingSerializer,
    StudyListSerializer,
    StudySerializer,
)

EXPORT_FORMATS = [r.format for r in EXPORT_RENDERERS]
FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", *EXPORT_FORMATS],
    description=(
        f"`json` (default) or a citation export: {', '.join(EXPORT_FORMATS)}. "
        "The `Accept` header works too. Generated clients, which read one media "
        "type per answer, fetch exports through the `export` operations."
    ),
)
EXPORT_FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=EXPORT_FORMATS,
    required=True,
    description="The citation format (the `Accept` header works too).",
)
CSL_ITEM = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "type": {"type": "string"}},
    "required": ["id", "type"],
}


def export_responses(json_response=None) -> dict:
    """200 answers per media type: JSON (if given), or one of the citation exports.

    A generated client reads the first media type it knows: the export-only
    operations start with `text/csv`, so their function returns the body as text
    whatever the format.
    """
    text = OpenApiResponse(response=OpenApiTypes.STR, description="Citations")
    json = {(200, "application/json"): json_response} if json_response else {}
    return {
        **json,
        **{
            (200, renderer.media_type): text
            for renderer in sorted(
                EXPORT_RENDERERS, key=lambda r: not r.media_type.startswith("text/")
            )
            if renderer is not CSLJSONRenderer
        },
        (200, CSLJSONRenderer.media_type): OpenApiResponse(
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
    export_list=extend_schema(
        operation_id="v1_studies_export_list",
        parameters=[EXPORT_FORMAT_PARAMETER],
        responses=export_responses(),
        filters=True,
        description=(
            "Every published study matching the filters, in one citation format "
            "(no pages): the same as the list with `format`."
        ),
    ),
    export_detail=extend_schema(
        operation_id="v1_studies_export_retrieve",
        parameters=[EXPORT_FORMAT_PARAMETER],
        responses=export_responses(),
        description=(
            "One study in one citation format: the same as the detail with `format`."
        ),
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
        if self.action in ("export_list", "export_detail"):
            return [r() for r in EXPORT_RENDERERS]
        return [JSONRenderer()]

    def shape(self, queryset):
        if self.action in ("list", "export_list"):
            # The list shows no findings nor mechanisms (the detail does), and
            # exports are citations: no relations.
            return queryset.with_level()
        return super().shape(queryset)

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
            return self.export_list(request)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        if self._exporting():
            return self.export_detail(request, *args, **kwargs)
        return super().retrieve(request, *args, **kwargs)

    @action(detail=False, url_path="export")
    def export_list(self, request, *args, **kwargs):
        studies = self.filter_queryset(self.get_queryset())
        return self._export(studies, "ldn-studies")

    @action(detail=True, url_path="export")
    def export_detail(self, request, *args, **kwargs):
        study = self.get_object()
        return self._export([study], f"ldn-study-{study.pk}")


class FindingViewSet(EditorialViewSet):
    """Findings: one study's result for one condition and outcome. The list is
    in a condition page's order unless `ordering` says otherwise: strongest
    level first, newest study first, undated last."""

    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    # A condition page's order comes from the studies (level, year, title):
    # which findings fill a page is remembered (`RememberedPaginator`).
    remember_page_rows = True

    def shape(self, queryset):
        if self.action == "list":
            return queryset.for_condition_page()
        return super().shape(queryset)
