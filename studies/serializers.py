"""API representations of studies and findings, and the short forms others embed."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conditions.models import Condition, Mechanism
from ldnsite.editorial.api import (
    EDITORIAL_FIELDS,
    EDITORIAL_READ_ONLY,
    ChangeReasonMixin,
    EditorialSerializer,
)
from ldnsite.rest import (
    HtmlUrlField,
    HyperlinkedIdentityField,
    ModelValidationMixin,
    PrimaryKeyRelatedField,
    SlugRelatedField,
)
from studies.authors import normalise_author, validate_authors
from studies.models import Finding, Study


class AuthorSerializer(serializers.Serializer):
    """One author: a person (`family`, `given`) or a collective author (`literal`)."""

    family = serializers.CharField(required=False, max_length=200)
    given = serializers.CharField(
        required=False, max_length=200, help_text="Given names, or initials “J. W.”."
    )
    literal = serializers.CharField(
        required=False,
        max_length=200,
        help_text="A collective author, e.g. “LDN Trial Group”; alone.",
    )


@extend_schema_field(AuthorSerializer(many=True))
class AuthorsField(serializers.JSONField):
    """The ordered author list, validated by the model's rule and normalised."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            validate_authors(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return [normalise_author(person) for person in value]


FINDING_RESULT_FIELDS = (
    "participants",
    "dose_min_mg",
    "dose_max_mg",
    "follow_up_weeks",
    "effect_measure",
    "effect_value",
    "effect_ci_low",
    "effect_ci_high",
)
"""A finding's numbers: who was analysed, the dose, follow-up, the estimate."""


class ConditionRefSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="condition-detail", lookup_field="slug")

    class Meta:
        model = Condition
        fields = ("url", "slug", "name")


class MechanismRefSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="mechanism-detail", lookup_field="slug")

    class Meta:
        model = Mechanism
        fields = ("url", "slug", "name", "support_level")


class StudyShortSerializer(serializers.ModelSerializer):
    """A study in short form, as condition pages and findings embed it."""

    url = HyperlinkedIdentityField(view_name="study-detail")
    html_url = HtmlUrlField()
    authors = AuthorsField(read_only=True)
    evidence_level = serializers.IntegerField(read_only=True)

    class Meta:
        model = Study
        fields = (
            "id",
            "url",
            "html_url",
            "title",
            "authors",
            "authors_et_al",
            "journal",
            "year",
            "doi",
            "pmid",
            "design",
            "evidence_level",
        )


class StudyListSerializer(StudyShortSerializer):
    class Meta(StudyShortSerializer.Meta):
        fields = (
            *StudyShortSerializer.Meta.fields,
            "sample_size",
            "comparator",
            "risk_of_bias",
            "key_finding",
            "published_at",
        )


class StudyFindingSerializer(serializers.ModelSerializer):
    """A finding as its study's detail lists it."""

    url = HyperlinkedIdentityField(view_name="finding-detail")
    condition = ConditionRefSerializer(read_only=True)

    class Meta:
        model = Finding
        fields = (
            "id",
            "url",
            "condition",
            "outcome",
            "direction",
            "effect",
            *FINDING_RESULT_FIELDS,
        )


class StudySerializer(EditorialSerializer):
    """A study in full: citation, design, public findings and mechanisms."""

    url = HyperlinkedIdentityField(view_name="study-detail")
    source_url = serializers.URLField(
        source="url", max_length=500, required=False, allow_blank=True
    )
    authors = AuthorsField(required=False)
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False
    )
    evidence_level = serializers.IntegerField(read_only=True)
    findings = serializers.SerializerMethodField()
    mechanisms = serializers.SerializerMethodField()

    class Meta:
        model = Study
        fields = (
            "id",
            "url",
            "html_url",
            "slug",
            "title",
            "authors",
            "authors_et_al",
            "journal",
            "year",
            "volume",
            "issue",
            "pages",
            "doi",
            "pmid",
            "registry_id",
            "source_url",
            "design",
            "evidence_level",
            "sample_size",
            "comparator",
            "risk_of_bias",
            "dose",
            "duration",
            "abstract",
            "keywords",
            "summary",
            "key_finding",
            "findings",
            "mechanisms",
            *EDITORIAL_FIELDS,
        )
        read_only_fields = EDITORIAL_READ_ONLY

    @extend_schema_field(StudyFindingSerializer(many=True))
    def get_findings(self, study: Study):
        findings = getattr(study, "public_findings", None)
        if findings is None:
            findings = study.findings.published().select_related("condition")
        return StudyFindingSerializer(findings, many=True, context=self.context).data

    @extend_schema_field(MechanismRefSerializer(many=True))
    def get_mechanisms(self, study: Study):
        mechanisms = getattr(study, "published_mechanisms", None)
        if mechanisms is None:
            mechanisms = study.mechanisms.published()
        return MechanismRefSerializer(mechanisms, many=True, context=self.context).data


class FindingSerializer(
    ChangeReasonMixin, ModelValidationMixin, serializers.ModelSerializer
):
    """A finding with its study and condition; written with `study_id` and
    `condition_slug`."""

    url = HyperlinkedIdentityField(view_name="finding-detail")
    html_url = HtmlUrlField()
    study = StudyShortSerializer(read_only=True)
    condition = ConditionRefSerializer(read_only=True)
    study_id = PrimaryKeyRelatedField(
        source="study", queryset=Study.objects.all(), write_only=True
    )
    condition_slug = SlugRelatedField(
        source="condition",
        slug_field="slug",
        queryset=Condition.objects.all(),
        write_only=True,
    )
    evidence_level = serializers.IntegerField(read_only=True)

    class Meta:
        model = Finding
        fields = (
            "id",
            "url",
            "html_url",
            "study",
            "condition",
            "study_id",
            "condition_slug",
            "outcome",
            "direction",
            "effect",
            *FINDING_RESULT_FIELDS,
            "evidence_level",
            "created_at",
            "updated_at",
            "reason",
        )
        read_only_fields = ("created_at", "updated_at")
        validators = []  # The model's own constraint check runs in `validate()`.
