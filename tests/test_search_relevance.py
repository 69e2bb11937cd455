"""The relevance set: queries people type, and the item each should bring up.

Run on the site's own content (`load_ldn_content`) with generated studies added
as noise (same words, other authors, other years), on whichever database
DATABASE_URL names. The share of queries whose expected item is in the top three
of `/search/` (in page order; an identifier's redirect counts as first) is
printed, and must be at least 90%.
"""

from __future__ import annotations

import random

import pytest
from django.apps import apps
from django.urls import reverse

from studies.models import Study
from studies.services import DEFAULT_CONTENT, content_load, content_read
from tests.factories import make_study

pytestmark = pytest.mark.django_db

THRESHOLD = 0.9

# (query, (model label, slug)), as a patient, a clinician or a curator types it.
RELEVANCE_SET = [
    # Abbreviations and other names
    ("MS", ("conditions.condition", "multiple-sclerosis")),
    ("multiple sclerosis", ("conditions.condition", "multiple-sclerosis")),
    ("CRPS", ("conditions.condition", "complex-regional-pain-syndrome")),
    ("IBD", ("conditions.condition", "crohns-disease")),
    ("fibro", ("conditions.condition", "fibromyalgia")),
    ("RA", ("conditions.condition", "rheumatoid-arthritis")),
    ("rheumatoid", ("conditions.condition", "rheumatoid-arthritis")),
    ("osteoarthritis", ("conditions.condition", "osteoarthritis")),
    ("endometriosis", ("conditions.condition", "endometriosis")),
    ("depression", ("conditions.condition", "depression-and-anxiety")),
    ("anxiety", ("conditions.condition", "depression-and-anxiety")),
    ("neuropathy", ("conditions.condition", "neuropathic-pain")),
    ("nerve pain", ("conditions.condition", "neuropathic-pain")),
    ("facial pain", ("conditions.condition", "orofacial-pain")),
    ("central sensitization", ("conditions.condition", "centralized-pain")),
    ("long term pain", ("conditions.condition", "chronic-pain")),
    # Apostrophes and accents
    ("crohns", ("conditions.condition", "crohns-disease")),
    ("Crohn's disease", ("conditions.condition", "crohns-disease")),
    ("Crohn’s", ("conditions.condition", "crohns-disease")),
    ("Smabrekke", ("studies.study", "raknes-2017-ldn-chronic-pain-systematic-review")),
    # Misspellings
    ("fibromyalga", ("conditions.condition", "fibromyalgia")),
    ("fibromialgia", ("conditions.condition", "fibromyalgia")),
    ("multipel sclerosis", ("conditions.condition", "multiple-sclerosis")),
    ("endometriossis", ("conditions.condition", "endometriosis")),
    ("hyperalgesa", ("conditions.glossaryterm", "hyperalgesia")),
    # Questions
    ("how much ldn for fibromyalgia", ("conditions.condition", "fibromyalgia")),
    ("what dose of ldn", ("conditions.faqentry", "usual-ldn-dose")),
    ("ldn side effects", ("conditions.faqentry", "ldn-side-effects")),
    ("is ldn addictive", ("conditions.faqentry", "is-ldn-addictive")),
    (
        "does ldn help fibromyalgia",
        ("conditions.faqentry", "does-ldn-help-fibromyalgia"),
    ),
    (
        "ldn instead of opioid painkillers",
        ("conditions.faqentry", "can-ldn-replace-opioids"),
    ),
    ("is ldn approved", ("conditions.faqentry", "is-ldn-approved")),
    # Terms and mechanisms
    ("microglia", ("conditions.glossaryterm", "microglial-cells")),
    ("hormesis", ("conditions.glossaryterm", "hormesis")),
    ("biphasic dose response", ("conditions.mechanism", "hormetic-dose-response")),
    ("endorphin rebound", ("conditions.mechanism", "opioid-receptor-blockade")),
    ("cytokines", ("conditions.glossaryterm", "cytokines")),
    ("glial modulation", ("conditions.mechanism", "glial-modulation")),
    ("titration", ("conditions.glossaryterm", "titration")),
    ("off-label", ("conditions.glossaryterm", "off-label-use")),
    ("neuroinflammation", ("conditions.glossaryterm", "neuroinflammation")),
    (
        "opioid receptor antagonist",
        ("conditions.glossaryterm", "opioid-receptor-antagonist"),
    ),
    # Authors, years, titles
    (
        "Younger 2014",
        ("studies.study", "younger-2014-ldn-anti-inflammatory-chronic-pain"),
    ),
    ("Smith Crohn", ("studies.study", "smith-2014-ldn-improves-active-crohns-disease")),
    ("Raknes", ("studies.study", "raknes-2017-ldn-chronic-pain-systematic-review")),
    (
        "Metyas fibromyalgia",
        ("studies.study", "metyas-2018-ldn-treatment-of-fibromyalgia"),
    ),
    (
        "Mayo Clinic prescriptions",
        ("studies.study", "mayo-clinic-ldn-prescription-analysis"),
    ),
    (
        "disease prevention quality of life",
        ("studies.study", "brown-2009-ldn-disease-prevention-quality-of-life"),
    ),
    (
        "scoping review centralized pain",
        ("studies.study", "scoping-review-ldn-centralized-pain"),
    ),
    # Identifiers, in the forms people paste them
    (
        "10.1007/s10067-014-2517-2",
        ("studies.study", "younger-2014-ldn-anti-inflammatory-chronic-pain"),
    ),
    (
        "https://doi.org/10.1007/S10067-014-2517-2",
        ("studies.study", "younger-2014-ldn-anti-inflammatory-chronic-pain"),
    ),
    (
        "doi:10.1007/s10067-014-2517-2",
        ("studies.study", "younger-2014-ldn-anti-inflammatory-chronic-pain"),
    ),
    (
        "PMID: 24526250",
        ("studies.study", "younger-2014-ldn-anti-inflammatory-chronic-pain"),
    ),
    ("17222320", ("studies.study", "smith-2014-ldn-improves-active-crohns-disease")),
    ("nct01234567", ("studies.study", "metyas-2018-ldn-treatment-of-fibromyalgia")),
    (
        "ISRCTN12345678",
        ("studies.study", "brown-2009-ldn-disease-prevention-quality-of-life"),
    ),
    (
        "2010-012345-12",
        ("studies.study", "raknes-2017-ldn-chronic-pain-systematic-review"),
    ),
]

# A second set, written after the engine was tuned on the first, against the
# site's content alone (no noise); one of several items may count as found.
C, G, F, S, M = (
    "conditions.condition",
    "conditions.glossaryterm",
    "conditions.faqentry",
    "studies.study",
    "conditions.mechanism",
)
SECOND_SET = [
    ("ldn for multiple sclerosis", [(C, "multiple-sclerosis")]),
    ("low dose naltrexone crohn's", [(C, "crohns-disease")]),
    ("Crohns disease ldn", [(C, "crohns-disease")]),
    ("fibromyalgia treatment", [(C, "fibromyalgia")]),
    (
        "fibromyalgia low dose naltrexone study",
        [(C, "fibromyalgia"), (S, "metyas-2018-ldn-treatment-of-fibromyalgia")],
    ),
    ("rheumatoid arthritis", [(C, "rheumatoid-arthritis")]),
    ("knee osteoarthritis", [(C, "osteoarthritis")]),
    ("complex regional pain syndrome", [(C, "complex-regional-pain-syndrome")]),
    ("reflex sympathetic dystrophy", [(C, "complex-regional-pain-syndrome")]),
    ("trigeminal neuralgia", [(C, "neuropathic-pain")]),
    ("endometriosis pain ldn", [(C, "endometriosis")]),
    ("chronic pain", [(C, "chronic-pain")]),
    ("central sensitisation", [(C, "centralized-pain")]),
    ("anxiety and depression", [(C, "depression-and-anxiety")]),
    ("endorphins", [(G, "endorphins")]),
    ("enkephalin", [(G, "enkephalins")]),
    ("glial cells", [(G, "glial-cells")]),
    ("microglial", [(G, "microglial-cells"), (M, "glial-modulation")]),
    ("opioid receptors", [(G, "opioid-receptors")]),
    ("what is low dose naltrexone", [(F, "what-is-ldn"), (G, "low-dose-naltrexone")]),
    ("how do I start ldn", [(F, "how-is-ldn-started")]),
    (
        "ldn and opioids",
        [(F, "can-ldn-replace-opioids"), (F, "who-should-not-take-ldn")],
    ),
    ("vivid dreams", [(F, "ldn-side-effects")]),
    ("insomnia ldn", [(F, "ldn-side-effects")]),
    ("ldn cancer pain", [(F, "ldn-severe-pain-injury-cancer")]),
    ("fibromialga", [(C, "fibromyalgia")]),
    ("rheumatiod arthritis", [(C, "rheumatoid-arthritis")]),
    ("endometriosys", [(C, "endometriosis")]),
    ("crohn's desease", [(C, "crohns-disease")]),
    ("Younger", [(S, "younger-2014-ldn-anti-inflammatory-chronic-pain")]),
    ("Metyas 2018", [(S, "metyas-2018-ldn-treatment-of-fibromyalgia")]),
    ("Brown 2009", [(S, "brown-2009-ldn-disease-prevention-quality-of-life")]),
    ("Mayo clinic", [(S, "mayo-clinic-ldn-prescription-analysis")]),
    (
        "retrospective cohort",
        [
            (G, "retrospective-cohort-study"),
            (S, "retrospective-cohort-ldn-chronic-pain"),
        ],
    ),
    ("randomised controlled trial", [(G, "randomised-controlled-trial")]),
    ("randomized controlled trial", [(G, "randomised-controlled-trial")]),
    (
        "systematic review chronic pain",
        [(S, "raknes-2017-ldn-chronic-pain-systematic-review")],
    ),
    ("hyperalgesia", [(G, "hyperalgesia")]),
    ("cytokine", [(G, "cytokines")]),
    (
        "immune system ldn",
        [(M, "anti-inflammatory-cytokines"), (G, "immunomodulation")],
    ),
]


IDENTIFIERS = {
    "younger-2014-ldn-anti-inflammatory-chronic-pain": {
        "doi": "10.1007/s10067-014-2517-2",
        "pmid": 24526250,
    },
    "smith-2014-ldn-improves-active-crohns-disease": {"pmid": 17222320},
    "metyas-2018-ldn-treatment-of-fibromyalgia": {"registry_id": "NCT01234567"},
    "brown-2009-ldn-disease-prevention-quality-of-life": {
        "registry_id": "ISRCTN12345678"
    },
    "raknes-2017-ldn-chronic-pain-systematic-review": {
        "registry_id": "EudraCT 2010-012345-12"
    },
}

NOISE_SUBJECTS = [
    "chronic pain",
    "fibromyalgia symptoms",
    "multiple sclerosis fatigue",
    "Crohn’s disease activity",
    "rheumatoid arthritis",
    "neuropathic pain after surgery",
    "depression in primary care",
    "quality of life in older adults",
    "complex regional pain syndrome",
    "endometriosis pain",
]
NOISE_DESIGNS = ["a pilot study", "a randomised trial", "a case series", "a review"]
NOISE_AUTHORS = ["Younger", "Smith", "Patel", "Garcia", "Chen", "Müller", "O’Brien"]


def seed_content() -> None:
    """The site's content, identifiers on five studies, and 80 noise studies."""
    content_load(data=content_read(path=DEFAULT_CONTENT))
    for slug, values in IDENTIFIERS.items():
        study = Study.objects.get(slug=slug)
        for name, value in values.items():
            setattr(study, name, value)
        study.save()
    rng = random.Random(12)
    for n in range(80):
        subject = rng.choice(NOISE_SUBJECTS)
        make_study(
            title=f"Naltrexone and {subject}: {rng.choice(NOISE_DESIGNS)} ({n})",
            authors=[
                {"family": rng.choice(NOISE_AUTHORS), "given": "A."},
                {"family": rng.choice(NOISE_AUTHORS), "given": "B."},
            ],
            year=rng.choice([2009, 2012, 2016, 2019, 2021, 2023]),
            key_finding=f"Low-dose naltrexone and {rng.choice(NOISE_SUBJECTS)}.",
        )


def expected_url(label: str, slug: str) -> str:
    return apps.get_model(label).objects.get(slug=slug).get_absolute_url()


def top_three(client, q: str) -> list[str]:
    response = client.get(reverse("search"), {"q": q})
    if response.status_code == 302:
        return [response["Location"]]
    assert response.status_code == 200
    return [result.url for result in response.context["outcome"].results[:3]]


def test_the_relevance_set_has_enough_queries():
    assert len(RELEVANCE_SET) >= 40
    assert len({q for q, _ in RELEVANCE_SET}) == len(RELEVANCE_SET)


def test_the_expected_item_is_in_the_top_three(client, capsys):
    seed_content()
    misses = []
    for q, (label, slug) in RELEVANCE_SET:
        url = expected_url(label, slug)
        found = top_three(client, q)
        if url not in found:
            misses.append(f"  {q!r}: expected {url}, got {found}")
    share = 1 - len(misses) / len(RELEVANCE_SET)
    with capsys.disabled():
        print(
            f"\nRelevance: {len(RELEVANCE_SET) - len(misses)} of {len(RELEVANCE_SET)}"
            f" queries ({share:.0%}) have their item in the top three."
        )
        for miss in misses:
            print(miss)
    assert share >= THRESHOLD, "\n".join(misses)


def test_a_second_set_written_apart_from_the_tuning(client, capsys):
    content_load(data=content_read(path=DEFAULT_CONTENT))
    misses = []
    for q, wanted in SECOND_SET:
        urls = {expected_url(label, slug) for label, slug in wanted}
        found = top_three(client, q)
        if not urls & set(found):
            misses.append(f"  {q!r}: expected one of {sorted(urls)}, got {found}")
    share = 1 - len(misses) / len(SECOND_SET)
    with capsys.disabled():
        print(
            f"\nSecond set: {len(SECOND_SET) - len(misses)} of {len(SECOND_SET)}"
            f" queries ({share:.0%}) have an expected item in the top three."
        )
        for miss in misses:
            print(miss)
    assert len(SECOND_SET) >= 40
    assert share >= THRESHOLD, "\n".join(misses)
