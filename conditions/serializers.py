"""API representations of conditions, mechanisms, FAQ entries and glossary terms."""

from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from conditions.models import (
    Condition,
    FAQEntry,
    GlossaryTerm,
    Mechanism,
    Outcome,
)
from ldnsite.editorial.api import (
    EDITORIAL_FIELDS,
    EDITORIAL_READ_ONLY,
    EditorialSerializer,
)
from ldnsite.rest import (
    HtmlUrlField,
    HyperlinkedIdentityField,
    SlugRelatedField,
)
from studies import condition_evidence
from studies.evidence import DowngradeReason
from studies.models import EvidenceSummary
from studies.serializers import (
    ConditionRefSerializer,
    MechanismRefSerializer,
)


class DowngradeSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DowngradeReason.choices)
    short = serializers.CharField(help_text="A few words, as the headline says it.")
    text = serializers.CharField(help_text="The reason with its figures.")


class EvidenceSummarySerializer(serializers.ModelSerializer):
    """One body of evidence (this condition × one outcome), as stored when the
    evidence last changed; the rule is on the "How we grade" page."""

    downgrades = DowngradeSerializer(
        many=True, read_only=True, help_text="Each step down, with its reason."
    )

    class Meta:
        model = EvidenceSummary
        fields = (
            "outcome",
            "direction",
            "certainty",
            "headline",
            "studies",
            "participants",
            "participants_complete",
            "randomised_trials",
            "randomised_participants",
            "reviews",
            "background",
            "not_reported",
            "basis",
            "downgrades",
            "computed_at",
        )
        extra_kwargs = {
            "studies": {"help_text": "Primary studies that vote."},
            "participants": {
                "help_text": "Participants in the voting studies (recorded ones)."
            },
            "participants_complete": {
                "help_text": "False when a voting study does not report its number."
            },
            "reviews": {
                "help_text": "Systematic reviews and meta-analyses: shown, never votes."
            },
            "background": {
                "help_text": "Narrative and scoping reviews, preclinical, not stated."
            },
            "not_reported": {"help_text": "Primary studies that report no result."},
        }


class EvidenceFieldsMixin(serializers.Serializer):
    """`headline` and `evidence` from the stored summaries (`with_evidence()`)."""

    main_outcome = serializers.CharField(source="headline_outcome", read_only=True)
    headline = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    @extend_schema_field(EvidenceSummarySerializer(allow_null=True))
    def get_headline(self, condition: Condition):
        row = condition.headline
        return EvidenceSummarySerializer(row).data if row else None

    @extend_schema_field(EvidenceSummarySerializer(many=True))
    def get_evidence(self, condition: Condition):
        return EvidenceSummarySerializer(condition.summaries, many=True).data


class ConditionListSerializer(EvidenceFieldsMixin, serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="condition-detail", lookup_field="slug")
    html_url = HtmlUrlField()

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
            "main_outcome",
            "headline",
            "evidence",
        )


class ConditionSerializer(EvidenceFieldsMixin, EditorialSerializer):
    """A condition in full: evidence per outcome, mechanisms, and how many
    findings it has with the address of their paged list (`findings_url`).

    `main_outcome` is written as the staff choice (empty: the default for the
    category) and read as the outcome in effect.
    """

    url = HyperlinkedIdentityField(view_name="condition-detail", lookup_field="slug")
    main_outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        required=False,
        allow_blank=True,
        help_text=(
            "The outcome of the headline; empty: pain for chronic pain and "
            "musculoskeletal conditions, disease activity otherwise."
        ),
    )
    mechanisms = serializers.SerializerMethodField()
    findings_count = serializers.SerializerMethodField(
        help_text="Public findings for this condition (of published studies)."
    )
    findings_url = serializers.SerializerMethodField(
        help_text="The paged list of those findings: `findings/?condition=<slug>`."
    )

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
            "main_outcome",
            "headline",
            "evidence",
            "mechanisms",
            "findings_count",
            "findings_url",
            *EDITORIAL_FIELDS,
        )
        read_only_fields = EDITORIAL_READ_ONLY

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["main_outcome"] = instance.headline_outcome
        return data

    @extend_schema_field(MechanismRefSerializer(many=True))
    def get_mechanisms(self, condition: Condition):
        mechanisms = getattr(condition, "published_mechanisms", None)
        if mechanisms is None:
            mechanisms = condition.mechanisms.published()
        return MechanismRefSerializer(mechanisms, many=True, context=self.context).data

    def get_findings_count(self, condition: Condition) -> int:
        return condition_evidence.findings_count(condition)

    def get_findings_url(self, condition: Condition) -> str:
        url = reverse("finding-list", request=self.context.get("request"))
        return f"{url}?{urlencode({'condition': condition.slug})}"


class MechanismSerializer(EditorialSerializer):
    url = HyperlinkedIdentityField(view_name="mechanism-detail", lookup_field="slug")

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

    url = HyperlinkedIdentityField(view_name="faqentry-detail", lookup_field="slug")
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
    url = HyperlinkedIdentityField(view_name="glossaryterm-detail", lookup_field="slug")

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
