import unicodedata

from django.db.models import Prefetch
from django.views.generic import DetailView, ListView, TemplateView

from conditions.filters import ConditionFilter
from conditions.models import Condition, FAQEntry, GlossaryTerm, Mechanism, Outcome
from ldnsite.cache import RememberedPaginator
from ldnsite.editorial.views import FilteredListView, PublishedOrPreviewMixin
from studies import condition_evidence
from studies.evidence import Direction, EvidenceLevel
from studies.evidence_map import evidence_map_from_conditions
from studies.models import Study

FINDINGS_PER_PAGE = 30


class HomeView(TemplateView):
    """The home page: conditions with their headline, the evidence map, the
    latest studies.

    Three queries: the conditions, their stored summaries (which give both the
    headlines and the map), and the five most recently published studies.
    """

    template_name = "conditions/home.html"

    def get_context_data(self, **kwargs):
        conditions = list(Condition.objects.published().for_list())
        return super().get_context_data(
            conditions=conditions,
            evidence_map=evidence_map_from_conditions(conditions),
            latest_studies=Study.objects.published().order_by("-published_at", "-pk")[
                :5
            ],
            **kwargs,
        )


class ConditionListView(FilteredListView):
    """Conditions, filtered and sorted by `ConditionFilter` (name by default).

    Queries: the count, the page of conditions, their stored summaries
    (prefetch), the mechanism choices; the mechanism lookup for a mechanism
    filter adds one. Certainty filters and sorts are SQL on the stored rows.
    """

    template_name = "conditions/condition_list.html"
    filterset_class = ConditionFilter

    def get_queryset(self):
        return Condition.objects.published().for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        outcome = self.filterset.chosen_outcome() if self.filterset.is_valid() else None
        context["chosen_outcome"] = Outcome(outcome) if outcome else None
        for condition in context.get("object_list") or ():
            condition.listed_summary = (
                condition.summary_for(outcome) if outcome else condition.headline
            )
        return context


class ConditionDetailView(PublishedOrPreviewMixin, DetailView):
    """A condition: headline, summary-of-findings table, reviews, doses studied,
    the replication plots, a page of findings by level and direction, and FAQ.
    The parts read from all its findings come from `condition_evidence.digest()`.

    Queries: the condition (with its reviewer), its summaries, mechanisms and
    FAQ (prefetches), the doses, the reviews, the replication counts and marks,
    then the count and the page of findings; the same whatever the number of
    findings.
    """

    template_name = "conditions/condition_detail.html"

    def base_queryset(self):
        return Condition.objects.for_page().prefetch_related(
            Prefetch(
                "faq_entries",
                queryset=FAQEntry.objects.published(),
                to_attr="published_faq",
            )
        )

    def get_context_data(self, **kwargs):
        condition = self.object
        findings = condition_evidence.public_findings(condition).for_condition_page()
        page = RememberedPaginator(
            findings,
            FINDINGS_PER_PAGE,
            key=condition_evidence.findings_key(condition),
            rows=True,  # no index gives the page's order
        ).get_page(self.request.GET.get("findings"))
        digest = condition_evidence.digest(condition)
        return super().get_context_data(
            headline=condition.headline,
            evidence_html=digest.evidence_html,
            doses=digest.doses,
            mechanisms=condition.published_mechanisms,
            findings_page=page,
            findings_by_level=findings_by_level(page.object_list),
            faq=condition.published_faq,
            structured_data=condition_json_ld(
                self.request, condition, page.object_list
            ),
            **kwargs,
        )


def findings_by_level(findings) -> list[dict]:
    """Findings as [{level, label, columns: [{direction, label, findings}]}].

    Levels in order (1 first), only those with findings; every level has the
    directions in the same order, so nulls and harms sit beside benefits ("not
    reported" only where a study reports no result).
    """
    levels: dict[int, dict[str, list]] = {}
    for finding in findings:
        by_direction = levels.setdefault(
            finding.evidence_level,
            {d: [] for d in Direction.values if d != Direction.NOT_REPORTED},
        )
        by_direction.setdefault(finding.direction, []).append(finding)
    return [
        {
            "level": level,
            "label": EvidenceLevel(level).label,
            "count": sum(len(items) for items in by_direction.values()),
            "columns": [
                {
                    "direction": direction,
                    "label": Direction(direction).label,
                    "findings": items,
                }
                for direction, items in by_direction.items()
            ],
        }
        for level, by_direction in sorted(levels.items())
    ]


def condition_json_ld(request, condition: Condition, findings) -> dict:
    """schema.org `MedicalCondition` for the condition page."""
    studies = list({f.study_id: f.study for f in findings}.values())
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalCondition",
        "name": condition.name,
        "description": condition.summary,
        "url": request.build_absolute_uri(condition.get_absolute_url()),
        "possibleTreatment": {
            "@type": "Drug",
            "name": "Naltrexone (low dose)",
            "nonProprietaryName": "naltrexone",
        },
    }
    if condition.alias_list:
        data["alternateName"] = condition.alias_list
    if studies:
        data["study"] = [
            {
                "@type": "MedicalStudy",
                "name": study.title,
                "url": request.build_absolute_uri(study.get_absolute_url()),
                **({"sameAs": study.doi_url} if study.doi else {}),
            }
            for study in studies
        ]
    if condition.last_reviewed:
        data["lastReviewed"] = condition.last_reviewed.isoformat()
    return data


class MechanismListView(ListView):
    """Mechanisms with their published conditions and a count of their studies.

    Queries: the mechanisms with the study count, their published conditions.
    """

    template_name = "conditions/mechanism_list.html"

    def get_queryset(self):
        return Mechanism.objects.published().for_list()


class MechanismDetailView(PublishedOrPreviewMixin, DetailView):
    """A mechanism with the published conditions and studies tied to it."""

    template_name = "conditions/mechanism_detail.html"

    def base_queryset(self):
        return Mechanism.objects.for_page()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            conditions=self.object.published_conditions,
            studies=self.object.published_studies,
            **kwargs,
        )


class FAQView(ListView):
    """Published FAQ entries: general ones first, then by condition (A to Z).

    An entry tied to a condition that is not public is shown with the general
    ones. Queries: the entries, their published conditions.
    """

    template_name = "conditions/faq.html"

    def get_queryset(self):
        return FAQEntry.objects.published().for_list()

    def get_context_data(self, **kwargs):
        general, by_condition = [], {}
        for entry in self.object_list:
            if entry.condition is None:
                general.append(entry)
            else:
                by_condition.setdefault(entry.condition, []).append(entry)
        conditions = sorted(by_condition, key=lambda c: (c.name.lower(), c.pk))
        groups = [{"condition": c, "entries": by_condition[c]} for c in conditions]
        return super().get_context_data(general=general, groups=groups, **kwargs)


class GlossaryView(ListView):
    """Published glossary terms, A to Z, grouped by their first letter.

    Sorted in Python, accents folded ("Ánalgesia" under A), because database
    collations differ between SQLite and PostgreSQL. One query.
    """

    template_name = "conditions/glossary.html"

    def get_queryset(self):
        return GlossaryTerm.objects.published()

    def get_context_data(self, **kwargs):
        letters: dict[str, list] = {}
        for term in sorted(self.object_list, key=lambda t: (sort_key(t.term), t.pk)):
            letters.setdefault(initial(term.term), []).append(term)
        ordered = sorted(letters.items(), key=lambda item: letter_order(item[0]))
        return super().get_context_data(
            letters=[
                {"letter": letter, "anchor": letter_anchor(letter), "terms": terms}
                for letter, terms in ordered
            ],
            **kwargs,
        )


def sort_key(text: str) -> str:
    """`text` without accents and case, for an A–Z that readers expect."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def initial(text: str) -> str:
    """The A–Z heading for a term: its first letter without accents, "0–9" or "#"."""
    first = sort_key(text)[:1].upper()
    if "A" <= first <= "Z":
        return first
    return "0–9" if first.isdigit() else "#"


def letter_order(letter: str) -> tuple[int, str]:
    """Digits first, then A to Z, then anything else."""
    return ({"0–9": 0, "#": 2}.get(letter, 1), letter)


def letter_anchor(letter: str) -> str:
    return {"0–9": "letter-digits", "#": "letter-other"}.get(
        letter, f"letter-{letter.lower()}"
    )
