"""`POST /api/v1/studies/import/`: the citation import, for staff with a token.

The study viewset takes `CitationImportMixin`; the work is done by
`studies.imports` (the admin page and the `import_citations` command call the
same functions).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from ldnsite.editorial.policy import may_preview
from studies.citation_formats import (
    FORMATS,
    MAX_FILE_BYTES,
    CitationFileError,
    decode_upload,
)
from studies.evidence import Design
from studies.imports import (
    STATUS_LABELS,
    CitationDocument,
    CitationImportError,
    ImportReport,
    citations_import,
    citations_preview,
)
from studies.models import Study
from studies.serializers import AuthorSerializer


class CanImportStudies(BasePermission):
    """Staff with the "add study" permission (the Editor and Reviewer roles)."""

    message = "Importing citations needs a staff account that may add studies."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and may_preview(user, Study)
            and user.has_perm("studies.add_study")
        )


class CitationImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        required=False, help_text="The citation file (multipart upload)."
    )
    text = serializers.CharField(
        required=False,
        trim_whitespace=False,
        help_text="The citation text, instead of a file.",
    )
    format = serializers.ChoiceField(
        choices=list(FORMATS),
        required=False,
        help_text="The format; detected from the content when left out.",
    )
    dry_run = serializers.BooleanField(
        default=True, help_text="Preview only (the default): nothing is written."
    )
    fill_duplicates = serializers.BooleanField(
        default=False,
        help_text=(
            "Fill the empty fields of the studies that chosen duplicates match "
            "(never overwriting). Needs the “change study” permission."
        ),
    )
    records = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text=(
            "Positions (from a preview) of the records to import; by default every "
            "new record, and every duplicate when `fill_duplicates`."
        ),
    )

    def validate(self, attrs):
        if ("file" in attrs) == ("text" in attrs):
            raise serializers.ValidationError(
                {"file": ["Send either a file or a text, not both and not neither."]}
            )
        return attrs


class CitationValuesSerializer(serializers.Serializer):
    """A record's values, under the keys of the site's citation exports."""

    title = serializers.CharField()
    authors = AuthorSerializer(many=True)
    authors_et_al = serializers.BooleanField()
    journal = serializers.CharField(allow_blank=True)
    year = serializers.IntegerField(allow_null=True)
    volume = serializers.CharField(allow_blank=True)
    issue = serializers.CharField(allow_blank=True)
    pages = serializers.CharField(allow_blank=True)
    doi = serializers.CharField(allow_blank=True)
    pmid = serializers.IntegerField(allow_null=True)
    registry_id = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    abstract = serializers.CharField(allow_blank=True)
    keywords = serializers.ListField(child=serializers.CharField())
    design = serializers.ChoiceField(choices=Design.choices)
    sample_size = serializers.IntegerField(allow_null=True)


class DuplicateMatchSerializer(serializers.Serializer):
    study = serializers.IntegerField(
        source="ref", help_text="The existing study's id, or the earlier record."
    )
    label = serializers.CharField()
    reason = serializers.CharField(help_text="e.g. “same DOI”.")
    score = serializers.IntegerField(
        allow_null=True, help_text="Title similarity (0-100), for title matches."
    )


class RecordReportSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    label = serializers.CharField(help_text="Where the record is in the file.")
    status = serializers.ChoiceField(choices=list(STATUS_LABELS.items()))
    why = serializers.CharField(help_text="The status in words, with the reason.")
    values = CitationValuesSerializer(
        help_text="What was read (partial for an invalid record)."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field errors of an invalid record, by field.",
    )
    ignored = serializers.ListField(
        child=serializers.CharField(),
        help_text="Fields the format carried that a study does not keep.",
    )
    notes = serializers.ListField(child=serializers.CharField())
    duplicate_of = DuplicateMatchSerializer(source="match", allow_null=True)
    duplicate_of_record = serializers.IntegerField(source="same_as", allow_null=True)
    fillable = serializers.ListField(
        child=serializers.CharField(),
        help_text="Empty fields of the matched study this record could fill.",
    )
    outcome = serializers.CharField(
        help_text="After an import: created, filled or skipped; empty in a preview."
    )
    study = serializers.IntegerField(
        source="study_id", allow_null=True, help_text="The study created or filled."
    )
    filled = serializers.ListField(child=serializers.CharField())

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.status == "duplicate_in_file":
            data["duplicate_of"] = None  # the earlier record is duplicate_of_record
        return data


class ImportCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    duplicate_in_file = serializers.IntegerField()
    invalid = serializers.IntegerField()


class ImportReportSerializer(serializers.Serializer):
    source = serializers.CharField()
    dry_run = serializers.BooleanField()
    counts = ImportCountsSerializer()
    created = serializers.SerializerMethodField()
    filled = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    records = RecordReportSerializer(many=True)

    def get_created(self, report: ImportReport) -> int:
        return report.outcome_count("created")

    def get_filled(self, report: ImportReport) -> int:
        return report.outcome_count("filled")

    def get_summary(self, report: ImportReport) -> str:
        return report.summary()


IMPORT_DESCRIPTION = f"""Import citations (RIS, BibTeX, PubMed .nbib, CSL-JSON or this
site's CSV export) as **draft** studies.

Send a `file` (multipart) or a `text` (JSON or form). By default this is a
**preview** (`dry_run` true): every record is reported as `new`, `duplicate` (of
an existing study: same DOI, same PubMed ID, or the same title, year and first
author), `duplicate_in_file` (of an earlier record) or `invalid` (with its field
errors), and nothing is written. Send the same file again with `dry_run` false,
and `records` to choose, to import: new records become drafts; chosen duplicates
fill the empty fields of their study when `fill_duplicates` is true. All or
nothing. Needs a staff token with the "add study" permission. Files up to
{MAX_FILE_BYTES // 1024 // 1024} MB."""


class CitationImportMixin:
    """Adds `POST studies/import/` to the study viewset."""

    @extend_schema(
        operation_id="studies_import",
        summary="Import citations (preview first)",
        description=IMPORT_DESCRIPTION,
        request={
            "multipart/form-data": CitationImportRequestSerializer,
            "application/json": CitationImportRequestSerializer,
        },
        responses={
            200: OpenApiResponse(
                ImportReportSerializer, description="The per-record report."
            )
        },
        examples=[
            OpenApiExample(
                "Preview pasted RIS",
                value={
                    "text": "TY  - JOUR\nTI  - Low-dose naltrexone for pain\n"
                    "AU  - Younger, J.\nPY  - 2014\nER  - \n",
                    "format": "ris",
                },
                request_only=True,
            )
        ],
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[JSONParser, MultiPartParser, FormParser],
        permission_classes=[CanImportStudies],
        filterset_class=None,
        pagination_class=None,
    )
    def citations(self, request, *args, **kwargs):
        serializer = CitationImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["fill_duplicates"] and not request.user.has_perm(
            "studies.change_study"
        ):
            self.permission_denied(
                request, message="Filling existing studies needs “change study”."
            )
        field = "file" if "file" in data else "text"
        try:
            if "file" in data:
                upload = data["file"]
                if upload.size > MAX_FILE_BYTES:
                    raise CitationFileError(
                        f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB."
                    )
                text = decode_upload(upload.read(), name=upload.name or "the file")
                name = upload.name or "upload"
            else:
                text, name = data["text"], "API text"
            documents = [
                CitationDocument(text=text, format=data.get("format"), name=name)
            ]
            if data["dry_run"]:
                report = citations_preview(documents=documents)
            else:
                report = citations_import(
                    documents=documents,
                    user=request.user,
                    records=data.get("records"),
                    fill_duplicates=data["fill_duplicates"],
                )
        except CitationFileError as exc:
            raise serializers.ValidationError({field: [str(exc)]}) from None
        except CitationImportError as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}) from None
        return Response(ImportReportSerializer(report).data)
