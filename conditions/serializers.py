"""API representations of conditions, mechanisms, FAQ entries and glossary terms."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conditions.models import Condition, FAQEntry, GlossaryTerm, Mechanism
from ldnsite.rest import (
    EDITORIAL_FIELDS,
    EDITORIAL_READ_ONLY,
    EditorialSerializer,
    HtmlUrlField,
    SlugRelatedField,
)
from studies.evidence import ConditionEvidence
from studies.models import Finding
from studies.serializers import (
    ConditionRefSerializer,
    MechanismRefSerializer,
    StudyShortSerializer,
)


class GradeSerializer(serializers.Serializer):
    grade = serializers.CharField()
    grade_label = serializers.CharField()
    studies = serializers.IntegerField(help_text="Published studies counted.")


class EvidenceSerializer(GradeSerializer):
    """A condition's grade with the counts behind it (see studies/evidence.py)."""

    findings = serializers.IntegerField()
    by_level = serializers.DictField(
        child=serializers.IntegerField(), help_text="Studies per evidence level."
    )
    by_direction = serializers.DictField(
        child=serializers.IntegerField(), help_text="Studies per direction."
    )
    benefit_share = serializers.FloatField()
    reason = serializers.CharField()

    def to_representation(self, evidence: ConditionEvidence):
        data = super().to_representation(evidence)
        data["by_level"] = {str(k): v for k, v in evidence.by_level.items()}
        return data


class ConditionFindingSerializer(serializers.ModelSerializer):
    """A finding as its condition's detail lists it, with its study in short form."""

    url = serializers.HyperlinkedIdentityField(view_name="finding-detail")
    study = StudyShortSerializer(read_only=True)

    class Meta:
        model = Finding
        fields = ("id", "url", "outcome", "direction", "effect", "study")


class ConditionListSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="condition-detail", lookup_field="slug"
    )
    html_url = HtmlUrlField()
    grade = serializers.SerializerMethodField()

    class Meta:
        model = Condition
        fields = (
            "url",
            "html_url",
            "slug",
            "name",
            "aliases",
            "category",
            "summary",
            "dose_min_mg",
            "dose_max_mg",
            "grade",
        )

    @extend_schema_field(GradeSerializer)
    def get_grade(self, condition: Condition):
        return GradeSerializer(condition.evidence).data


class ConditionSerializer(EditorialSerializer):
    """A condition in full: grade and counts, mechanisms, findings with studies."""

    url = serializers.HyperlinkedIdentityField(
        view_name="condition-detail", lookup_field="slug"
    )
    evidence = serializers.SerializerMethodField()
    mechanisms = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()

    class Meta:
        model = Condition
        fields = (
            "url",
            "html_url",
            "slug",
            "name",
            "aliases",
            "category",
            "summary",
            "body",
            "dose_min_mg",
            "dose_max_mg",
            "titration_notes",
            "evidence",
            "mechanisms",
            "findings",
            *EDITORIAL_FIELDS,
        )
        read_only_fields = EDITORIAL_READ_ONLY

    @extend_schema_field(EvidenceSerializer)
    def get_evidence(self, condition: Condition):
        return EvidenceSerializer(condition.evidence).data

    @extend_schema_field(MechanismRefSerializer(many=True))
    def get_mechanisms(self, condition: Condition):
        mechanisms = getattr(condition, "published_mechanisms", None)
        if mechanisms is None:
            mechanisms = condition.mechanisms.published()
        return MechanismRefSerializer(mechanisms, many=True, context=self.context).data

    @extend_schema_field(ConditionFindingSerializer(many=True))
    def get_findings(self, condition: Condition):
        findings = getattr(condition, "published_findings", None)
        if findings is None:
            findings = (
                Finding.objects.of_published_studies()
                .with_level()
                .select_related("study")
                .filter(condition=condition)
                .order_by("evidence_level", "study__title", "pk")
            )
        return ConditionFindingSerializer(
            findings, many=True, context=self.context
        ).data


class MechanismSerializer(EditorialSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="mechanism-detail", lookup_field="slug"
    )

    class Meta:
        model = Mechanism
        fields = (
            "url",
            "html_url",
            "slug",
            "name",
            "summary",
            "body",
            "support_level",
            *EDITORIAL_FIELDS,
        )
        read_only_fields = EDITORIAL_READ_ONLY


class FAQEntrySerializer(EditorialSerializer):
    """An FAQ entry; `condition` is shown when public, written as `condition_slug`."""

    url = serializers.HyperlinkedIdentityField(
        view_name="faqentry-detail", lookup_field="slug"
    )
    condition = ConditionRefSerializer(read_only=True, allow_null=True)
    condition_slug = SlugRelatedField(
        source="condition",
        slug_field="slug",
        queryset=Condition.objects.all(),
        write_only=True,
        required=False,
        allow_null=True,
    )

    class Meta:
        model = FAQEntry
        fields = (
            "url",
            "html_url",
            "slug",
            "question",
            "answer",
            "order",
            "condition",
            "condition_slug",
            *EDITORIAL_FIELDS,
        )
        read_only_fields = EDITORIAL_READ_ONLY


class GlossaryTermSerializer(EditorialSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="glossaryterm-detail", lookup_field="slug"
    )

    class Meta:
        model = GlossaryTerm
        fields = (
            "url",
            "html_url",
            "slug",
            "term",
            "definition",
            *EDITORIAL_FIELDS,
        )
        read_only_fields = EDITORIAL_READ_ONLY
