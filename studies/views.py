"""The study pages: the filtered list, a study's page, and how evidence is graded."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.db.models import F
from django.shortcuts import redirect
from django.views.generic import DetailView, TemplateView

from ldnsite.cache import public_request_key, remember
from ldnsite.editorial.views import FilteredListView, PublishedOrPreviewMixin
from ldnsite.search.engine import snippet
from ldnsite.search.text import has_mark, marked
from studies import evidence
from studies.authors import natural_name
from studies.evidence_map import SYMBOLS, direction_counts, evidence_map
from studies.exports import (
    CITATION_STYLES,
    citation,
    citation_style,
    formatted_citation,
    highwire_tags,
    missing_citation_parts,
)
from studies.filters import StudyFilter, facet_counts
from studies.models import Outcome, Study

OUTCOME_ORDER = {value: index for index, value in enumerate(Outcome.values)}
NCT_ID = re.compile(r"^NCT\d{8}$", re.IGNORECASE)


def registry_url(registry_id: str) -> str:
    """ClinicalTrials.gov's page for an NCT id; "" for other registries."""
    registry_id = (registry_id or "").strip()
    if NCT_ID.match(registry_id):
        return f"https://clinicaltrials.gov/study/{registry_id.upper()}"
    return ""


def json_ld_person(person: dict[str, str]) -> dict[str, str]:
    """schema.org `Person` (or `Organization` for a collective author)."""
    if "literal" in person:
        return {"@type": "Organization", "name": person["literal"]}
    data = {"@type": "Person", "name": natural_name(person)}
    data["familyName"] = person["family"]
    if person.get("given"):
        data["givenName"] = person["given"]
    return data


def study_json_ld(
    c: dict[str, Any], study: Study, findings, build_uri
) -> dict[str, Any]:
    """schema.org `ScholarlyArticle` for a study page from its citation record `c`.

    `build_uri` makes URLs absolute. Volume and issue sit on a `PublicationIssue`
    inside a `PublicationVolume` inside the `Periodical`, as schema.org models them.
    """
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": c["title"][:110],
        "name": c["title"],
        "url": build_uri(study.get_absolute_url()),
    }
    if c["authors"]:
        data["author"] = [json_ld_person(person) for person in c["authors"]]
    if c["year"]:
        data["datePublished"] = str(c["year"])
    part_of: dict[str, Any] | None = None
    if c["journal"]:
        part_of = {"@type": "Periodical", "name": c["journal"]}
    if c["volume"]:
        part_of = {"@type": "PublicationVolume", "volumeNumber": c["volume"]} | (
            {"isPartOf": part_of} if part_of else {}
        )
    if c["issue"]:
        part_of = {"@type": "PublicationIssue", "issueNumber": c["issue"]} | (
            {"isPartOf": part_of} if part_of else {}
        )
    if part_of:
        data["isPartOf"] = part_of
    if c["pages"]:
        data["pagination"] = c["pages"]
    identifiers, same_as = [], []
    if study.doi:
        identifiers.append(
            {"@type": "PropertyValue", "propertyID": "DOI", "value": study.doi}
        )
        same_as.append(study.doi_url)
    if study.pmid:
        identifiers.append(
            {"@type": "PropertyValue", "propertyID": "PMID", "value": str(study.pmid)}
        )
        same_as.append(study.pubmed_url)
    if identifiers:
        data["identifier"] = identifiers
        data["sameAs"] = same_as
    conditions = {f.condition_id: f.condition for f in findings}.values()
    if conditions:
        data["about"] = [
            {
                "@type": "MedicalCondition",
                "name": condition.name,
                "url": build_uri(condition.get_absolute_url()),
            }
            for condition in conditions
        ]
    return data


class StudyDetailView(PublishedOrPreviewMixin, DetailView):
    """A study: citation, links, findings per condition, JSON-LD. Three queries."""

    template_name = "studies/study_detail.html"

    def base_queryset(self):
        return Study.objects.for_page()

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if kwargs.get("slug") != self.object.slug:
            return redirect(self.object, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_findings(self):
        """Its findings for public conditions (staff previewing a draft see its
        own), by condition, then outcome in the order outcomes are listed."""
        findings = sorted(
            self.object.public_findings,
            key=lambda f: (
                f.condition.name,
                f.condition_id,
                OUTCOME_ORDER.get(f.outcome, len(OUTCOME_ORDER)),
                f.pk,
            ),
        )
        for finding in findings:
            finding.direction_symbol = SYMBOLS[finding.direction]
        return findings

    def get_context_data(self, **kwargs):
        study = self.object
        findings = self.get_findings()
        build_uri = self.request.build_absolute_uri
        record = citation(study, html_url=build_uri(study.get_absolute_url()))
        missing = missing_citation_parts(record)
        style = citation_style(self.request.GET.get("style"))
        return super().get_context_data(
            findings=findings,
            mechanisms=study.published_mechanisms,
            level_label=evidence.EvidenceLevel(study.evidence_level).label,
            registry_url=registry_url(study.registry_id),
            citation_missing=_missing_phrase(missing),
            citation_style=style,
            citation_styles=CITATION_STYLES.values(),
            formatted_citation="" if missing else formatted_citation(record, style),
            highwire_tags=highwire_tags(record),
            structured_data=study_json_ld(record, study, findings, build_uri),
            **kwargs,
        )


def _missing_phrase(parts: list[str]) -> str:
    """["journal", "year"] → "journal and year are"; [] → ""."""
    if not parts:
        return ""
    words = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"{words} {'are' if len(parts) > 1 or parts == ['authors'] else 'is'}"


class StudyListView(FilteredListView):
    """Published studies, filtered and sorted; newest year first by default."""

    template_name = "studies/study_list.html"
    filterset_class = StudyFilter

    def get_queryset(self):
        return (
            Study.objects.published()
            .for_list()
            .order_by(F("year").desc(nulls_last=True), "title", "pk")
        )

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        fields = filterset.form.fields
        fields["q"].label = "Search studies"
        fields["q"].help_text = (
            "Words in the title, authors, journal, year or finding (all must "
            "occur), or a DOI, PubMed id or trial registry id."
        )
        filterset.search_headlines = True
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for study in context["object_list"]:
            if hasattr(study, "search_title"):
                study.title_html = marked(study.search_title)
                match = snippet(study)
                study.match_html = marked(match) if has_mark(match) else ""
            study.level_label = evidence.EvidenceLevel(study.evidence_level_value).label
            study.direction_summary = direction_counts(
                Counter(f.direction for f in study.public_findings)
            )
            study.finding_conditions = list(
                {f.condition_id: f.condition for f in study.public_findings}.values()
            )
        form = self.filterset.form
        if not form.is_bound or form.is_valid():
            key = public_request_key(self.request, "ordering")
            show_counts(
                form, remember(("facets", *key), lambda: facet_counts(self.filterset))
            )
        context["result_count"] = (
            context["paginator"].count
            if context.get("paginator")
            else len(context["object_list"])
        )
        return context


def show_counts(form, counts: dict[str, dict[str, int]]) -> None:
    """Write each choice's number of studies beside its label."""
    for name, per_choice in counts.items():
        field = form.fields[name]
        if name == "condition":
            field.label_from_instance = lambda obj, n=per_choice: (
                f"{obj.name} ({n.get(obj.slug, 0)})"
            )
            continue
        field.choices = [
            (value, f"{label} ({per_choice.get(str(value), 0)})" if value else label)
            for value, label in field.choices
        ]


class EvidenceView(TemplateView):
    """How we rate evidence, from the rule module's own constants, and the map."""

    template_name = "studies/evidence.html"

    def get_context_data(self, **kwargs):
        levels = [
            {
                "value": level.value,
                "label": level.label,
                "designs": [
                    {
                        "label": evidence.Design(design).label,
                        "role": evidence.Role(evidence.ROLE_OF_DESIGN[design]).label,
                    }
                    for design, design_level in evidence.DESIGN_LEVEL.items()
                    if design_level == level
                ],
                "start": evidence.LEVEL_START.get(level),
            }
            for level in evidence.EvidenceLevel
        ]
        for level in levels:
            if level["start"]:
                level["start"] = evidence.Certainty(level["start"]).label.lower()
        return super().get_context_data(
            levels=levels,
            rule=evidence.RULE_TEXT,
            agreement=evidence.DIRECTION_AGREEMENT_PERCENT,
            min_participants=evidence.IMPRECISION_MIN_PARTICIPANTS,
            small_study_ratio=evidence.SMALL_STUDY_RATIO,
            high_risk_share=evidence.HIGH_RISK_SHARE_PERCENT,
            downgrades=[
                (label, evidence.RULE_TEXT[value])
                for value, label in evidence.DowngradeReason.choices
            ],
            certainties=[
                (
                    evidence.CERTAINTY_SYMBOLS[value],
                    label,
                    evidence.CERTAINTY_MEANING[value],
                )
                for value, label in evidence.Certainty.choices
            ],
            directions=[
                (SYMBOLS[value], label) for value, label in evidence.Direction.choices
            ],
            body_directions=[
                (evidence.BODY_DIRECTION_SYMBOLS[value], label)
                for value, label in evidence.BodyDirection.choices
            ],
            evidence_map=evidence_map(),
            **kwargs,
        )
