"""Every FAQ and glossary entry of the LDN content is traced to its sources.

The site's general content is drawn from five source articles, kept in
`studies/fixtures/sources/` and listed on the public sources page. For each FAQ
and glossary entry, `FACTS` lists the key facts it states (numbers, named
things, the terms it explains) and the text each one rests on. A fact passes
when its phrase is in the entry and its quote (the phrase itself unless the
source words it differently) is in the named source file, compared without
case and with curly quotes, dashes and Markdown emphasis folded.

An entry added to the content without a list here fails, and so does a list
left behind for an entry that is gone. General definitions of research-method
terms may rest on `EVIDENCE.md`, the GRADE and Cochrane summary that the "How we
grade evidence" page is built on; nothing else may.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

import pytest

from studies.services import DEFAULT_CONTENT, content_read

SOURCES_DIR = DEFAULT_CONTENT.parent / "sources"

# The five articles, in the order of the sources page (/sources/).
OVERVIEW = "000_56a9c35c358ec4b4.txt"  # 1. LDN in pain management and immunity
HOW_IT_WORKS = "001_add1b37bfe3abaa3.txt"  # 2. how LDN works for pain
EXPLORING = "002_c64228ab30efcdaa.txt"  # 3. "Exploring the Potential of LDN"
OFF_LABEL = "003_48a9c7289e96b2c2.txt"  # 4. LDN as an off-label chronic pain drug
NATURE = "004_6b3350d0e32251e1.txt"  # 5. Nature Research Intelligence
ARTICLES = (OVERVIEW, HOW_IT_WORKS, EXPLORING, OFF_LABEL, NATURE)
# Background for research-method terms only, not a source article.
EVIDENCE = "EVIDENCE.md"
RESEARCH_METHOD_TERMS = {
    "randomised-controlled-trial",
    "retrospective-cohort-study",
    "systematic-review",
    "scoping-review",
}


class Fact(NamedTuple):
    phrase: str  # as the entry words it
    source: str  # a file in SOURCES_DIR
    quote: str | None = None  # as the source words it, when that differs

    @property
    def in_source(self) -> str:
        return self.quote or self.phrase


F = Fact

FACTS: dict[str, dict[str, list[Fact]]] = {
    "faq": {
        "what-is-ldn": [
            F("a few milligrams a day", OVERVIEW, "usually 1-5 mg"),
            F("about 50 mg", OFF_LABEL, "around 50 mg"),
            F("opioid receptors in the brain", EXPLORING),
            F("reduces cravings", EXPLORING, "reducing cravings"),
            F("immune system", EXPLORING, "modulate the immune system"),
            F("still being studied", NATURE, "understanding its efficacy, mechanisms"),
        ],
        "how-might-ldn-relieve-pain": [
            F("opioid receptors only briefly", OVERVIEW, "temporarily block opioid"),
            F("endorphins and enkephalins", HOW_IT_WORKS, "endorphin and enkephalin"),
            F("glial cells in the central nervous system", HOW_IT_WORKS),
            F("pro-inflammatory cytokines", OVERVIEW),
            F("mechanism pages", NATURE, "mechanisms of action"),
        ],
        "why-pain-and-immune-effects-matter": [
            F("immune dysregulation", OVERVIEW, "immune system dysregulation"),
            F("keep the pain going", OVERVIEW, "the perpetuation of pain"),
            F("more than relieve symptoms", OVERVIEW, "traditional symptomatic relief"),
            F("autoimmune", EXPLORING, "its potential in managing autoimmune"),
            F("more robust clinical trials", EXPLORING),
        ],
        "can-ldn-replace-opioids": [
            F("alternative to opioids", OVERVIEW),
            F("risk of dependency", OVERVIEW),
            F("sedation and constipation", OVERVIEW),
            F("respiratory depression", OVERVIEW),
            F("generally mild side effects", OVERVIEW, "profile is generally mild"),
            F("major injury or from cancer", OFF_LABEL, "major injuries or cancer"),
            F("more traditional treatment", OFF_LABEL, "more traditional forms of"),
            F("block the effects of opioids", OFF_LABEL),
        ],
        "usual-ldn-dose": [
            F("0.5 mg to 4.5 mg daily", HOW_IT_WORKS),
            F("1.5 to 4.5 mg", EXPLORING, "1.5 to 4.5 milligrams"),
            F("usually 1 to 5 mg", OVERVIEW, "usually 1-5 mg"),
            F("around 50 mg", OFF_LABEL),
            F("small fraction", OFF_LABEL, "a fraction of that amount"),
            F("adjusting it gradually", HOW_IT_WORKS, "gradually increased"),
        ],
        "how-is-ldn-started": [
            F("for example 1 mg", HOW_IT_WORKS, "starts low (e.g., 1 mg)"),
            F("raised gradually", HOW_IT_WORKS, "gradually increased to minimize"),
            F("standard dosing", NATURE, "standardized dosing"),
        ],
        "ldn-side-effects": [
            F("well tolerated", HOW_IT_WORKS, "well-tolerated"),
            F("opioid painkillers and NSAIDs", HOW_IT_WORKS, "medications and NSAIDs"),
            F("vivid dreams", HOW_IT_WORKS),
            F("insomnia", HOW_IT_WORKS),
            F("gastrointestinal", HOW_IT_WORKS, "mild gastrointestinal symptoms"),
            F("temporary", HOW_IT_WORKS, "temporary side effects"),
        ],
        "who-should-not-take-ldn": [
            F("block the effects of opioids", OFF_LABEL),
            F("kind of pain", OVERVIEW, "the nature of the pain"),
            F("other health conditions", OVERVIEW, "existing health conditions"),
            F("past treatment", OVERVIEW, "previous treatment experiences"),
            F("contraindications", OVERVIEW, "potential contraindications"),
            F("interactions with other medicines", OVERVIEW, "with other medications"),
        ],
        "is-ldn-approved": [
            F("(FDA)", EXPLORING, "approved by the FDA"),
            F(
                "at higher doses, for treating opioid addiction",
                EXPLORING,
                "in higher doses for treating opioid addiction",
            ),
            F("off-label", EXPLORING, "off-label uses"),
            F(
                "may not suit every patient",
                EXPLORING,
                "not be appropriate for everyone",
            ),
        ],
        "talk-to-a-clinician-first": [
            F("vary widely", OVERVIEW, "can vary widely among individuals"),
            F("one who knows LDN", HOW_IT_WORKS, "knowledgeable about LDN"),
            F("contraindications", OVERVIEW),
            F("interactions with your other medicines", OVERVIEW, "other medications"),
            F("whether it is working", HOW_IT_WORKS, "monitor its effectiveness"),
            F("before adding LDN", OVERVIEW, "before incorporating LDN"),
        ],
        "ldn-severe-pain-injury-cancer": [
            F("autoimmune conditions", OVERVIEW),
            F("severe pain", OFF_LABEL, "severe pain, such as that resulting from"),
            F("major injury or from cancer", OFF_LABEL, "major injuries or cancer"),
            F("more traditional treatment", OFF_LABEL, "more traditional forms of"),
            F("expectations", OFF_LABEL, "temper expectations"),
        ],
        "is-ldn-addictive": [
            F("non-addictive", HOW_IT_WORKS),
            F("does not cause dependence", HOW_IT_WORKS, "doesn't cause dependency"),
            F(
                "addiction, tolerance and overdose",
                OFF_LABEL,
                "addiction, tolerance, and overdose",
            ),
            F("ever larger doses", OFF_LABEL, "escalating doses over time"),
            F("monitored by a clinician", HOW_IT_WORKS, "monitor its effectiveness"),
        ],
        "how-strong-is-the-evidence": [
            F(
                "encouraging but incomplete",
                EXPLORING,
                "preliminary studies are promising",
            ),
            F("retrospective cohort", NATURE),
            F("prescriptions at the Mayo Clinic", NATURE),
            F("anecdotal", EXPLORING, "anecdotal evidence"),
            F(
                "high-quality randomised controlled trials",
                NATURE,
                "high-quality randomized controlled trials",
            ),
            F("response times", NATURE),
        ],
        "does-ldn-help-fibromyalgia": [
            # "named in all five of our source articles"
            *(F("fibromyalgia", article) for article in ARTICLES),
            F("centralized pain conditions", NATURE),
            F("hyperalgesia", NATURE),
            F(
                "physical function and quality of life",
                NATURE,
                "physical function, and quality of life",
            ),
            F(
                "2018",
                OVERVIEW,
                "(2018). Low dose naltrexone in the treatment of fibromyalgia",
            ),
            F("Metyas", OVERVIEW),
            F(
                "high-quality randomised trials",
                NATURE,
                "high-quality randomized controlled trials",
            ),
            F("vary from person to person", OVERVIEW, "vary widely among individuals"),
        ],
        "has-ldn-been-studied-in-crohns": [
            F("Smith and Stock", OVERVIEW, "Smith, J. P., & Stock, H."),
            F("American Journal of Gastroenterology", OVERVIEW),
            F("Low-dose naltrexone therapy improves active Crohn's disease", OVERVIEW),
            F("autoimmune", EXPLORING, "Crohn's disease are examples of autoimmune"),
        ],
        "can-ldn-help-depression-anxiety": [
            F("speculative", EXPLORING, "some researchers speculate"),
            F("neuroinflammation", EXPLORING),
            F("neurotransmitters", EXPLORING, "neurotransmitter function"),
            F("preliminary findings", EXPLORING),
            F("more rigorous studies are needed", EXPLORING),
            F("add-on", EXPLORING, "adjunctive treatment"),
            F("depression or anxiety", EXPLORING, "depression and anxiety"),
        ],
    },
    "glossary": {
        "low-dose-naltrexone": [
            F("small fraction", OFF_LABEL, "a fraction of that amount"),
            F("about 50 mg", OFF_LABEL, "around 50 mg"),
            F("0.5 mg", HOW_IT_WORKS, "0.5 mg to 4.5 mg"),
            F("5 mg", OVERVIEW, "usually 1-5 mg"),
            F(
                "easing pain and inflammation",
                NATURE,
                "pain relief and anti-inflammatory",
            ),
        ],
        "neuropathic-pain": [
            F("somatosensory nervous system", NATURE),
            F(
                "burning, shooting or tingling",
                NATURE,
                "burning, shooting, or tingling",
            ),
            F(
                "harder to treat than nociceptive pain",
                NATURE,
                "more challenging to treat than nociceptive pain",
            ),
        ],
        "nociceptive-pain": [
            F("nociceptors", NATURE),
            F("damage to the body's tissues", NATURE, "detection of tissue damage"),
            F("injury", NATURE, "resulting from injury or inflammation"),
        ],
        "microglial-cells": [
            F(
                "immune cells of the central nervous system",
                NATURE,
                "immune cells in the central nervous system",
            ),
            F("brain and spinal cord", NATURE),
            F("response to injury", NATURE),
            F("scoping review", NATURE),
            F("key mechanism", NATURE),
        ],
        "endorphins": [
            F("natural opioids", OVERVIEW),
            F("dampen pain signals", OVERVIEW, "dampening pain signals"),
            F("mood and energy", HOW_IT_WORKS, "mood and energy levels"),
            F("increase their production", OVERVIEW, "increasing endorphin production"),
        ],
        "enkephalins": [
            F(
                "alongside endorphins",
                HOW_IT_WORKS,
                "endorphin and enkephalin production",
            ),
            F("pain-relieving", HOW_IT_WORKS, "pain-relieving effect"),
            F(
                "briefly blocking opioid receptors",
                HOW_IT_WORKS,
                "temporarily blocks opioid receptors",
            ),
        ],
        "opioid-receptors": [
            F("receptors in the brain", EXPLORING, "opioid receptors in the brain"),
            F("the body's own opioids", OVERVIEW, "the body's natural opioids"),
            F("reduces cravings", EXPLORING, "reducing cravings"),
            F("only briefly", OVERVIEW, "temporarily block opioid receptors"),
        ],
        "opioid-receptor-antagonist": [
            F("opioid receptor antagonist", NATURE),
            F(
                "opioids cannot act through them",
                OFF_LABEL,
                "block the effects of opioids",
            ),
            F(
                "competitive inhibitor of opioid receptors",
                NATURE,
                "competitive inhibitors of opioid receptors",
            ),
            F("hormetic", NATURE),
        ],
        "glial-cells": [
            F(
                "central nervous system",
                HOW_IT_WORKS,
                "glial cells in the central nervous system",
            ),
            F(
                "maintaining the nervous system's sensitivity",
                OFF_LABEL,
                "maintaining nervous system sensitivity",
            ),
            F("inflammatory chemicals", HOW_IT_WORKS),
            F("contribute to chronic pain", HOW_IT_WORKS),
        ],
        "cytokines": [
            F(
                "released by immune cells",
                OVERVIEW,
                "immune cells and modulating the release",
            ),
            F("pro-inflammatory cytokines", OVERVIEW),
            F("research suggests", OVERVIEW),
        ],
        "hormesis": [
            F("biphasic", NATURE, "biphasic dose-dependent effects"),
            F(
                "competitive inhibitor of opioid receptors",
                NATURE,
                "competitive inhibitors of opioid receptors",
            ),
            F(
                "hormetic effects that ease pain and inflammation",
                NATURE,
                "hormetic effects that alleviate pain and inflammation",
            ),
        ],
        "hyperalgesia": [
            F("exaggerated pain response", OFF_LABEL, "hyperactive pain response"),
            F(
                "chronic pain conditions",
                OFF_LABEL,
                "observed in chronic pain conditions",
            ),
            F("hyperalgesia", NATURE),
            F("scoping review", NATURE),
        ],
        "centralized-pain": [
            F(
                "central nervous system",
                OFF_LABEL,
                "modulate the central nervous system",
            ),
            F("injury or illness has healed", OFF_LABEL),
            F("fibromyalgia", NATURE, "fibromyalgia, arthritis, and other centralized"),
            F("centralized pain syndromes", NATURE),
        ],
        "chronic-pain": [
            F("longer than six months", OFF_LABEL),
            F("injury or illness has healed", OFF_LABEL),
            F("pain signals", OFF_LABEL, "continues to transmit pain signals"),
        ],
        "neuroinflammation": [
            F("microglia", NATURE, "microglial cells"),
            F("brain and spinal cord", NATURE),
            F("speculate", EXPLORING, "some researchers speculate"),
            F("neuroinflammation", EXPLORING),
        ],
        "immunomodulation": [
            F("activity of immune cells", OVERVIEW),
            F("pro-inflammatory cytokines", OVERVIEW),
            F("immunomodulatory", EXPLORING),
        ],
        "autoimmune-disease": [
            F("attacks the body's own tissues", EXPLORING),
            F("inflammation and tissue damage", EXPLORING),
            F(
                "multiple sclerosis, rheumatoid arthritis and Crohn's disease",
                EXPLORING,
                "multiple sclerosis, rheumatoid arthritis, and Crohn's disease",
            ),
        ],
        "titration": [
            F("for example at 1 mg", HOW_IT_WORKS, "(e.g., 1 mg)"),
            F("increasing it gradually", HOW_IT_WORKS, "gradually increased"),
            F("limit side effects", HOW_IT_WORKS, "minimize side effects"),
        ],
        "off-label-use": [
            F("FDA", EXPLORING),
            F(
                "higher doses for opioid addiction",
                EXPLORING,
                "higher doses for treating opioid addiction",
            ),
            F("off-label", EXPLORING, "off-label uses"),
        ],
        "randomised-controlled-trial": [
            F("randomised controlled trial", NATURE, "randomized controlled trials"),
            F("placebo", EVIDENCE, "LDN vs placebo"),
            F(
                "randomised trials starts at high certainty",
                EVIDENCE,
                "randomised trials start high",
            ),
            F(
                "observational studies starts at low",
                EVIDENCE,
                "observational studies start low",
            ),
        ],
        "retrospective-cohort-study": [
            F("observational", EVIDENCE, "observational studies start low"),
            F("retrospective cohort", EVIDENCE, "retrospective cohorts"),
            F("37.8%", NATURE),
            F("controls", NATURE, "compared to controls"),
        ],
        "systematic-review": [
            F("pools", EVIDENCE, "they pool the trials"),
            F("not an extra study", EVIDENCE, "not extra studies"),
            F(
                "count the same patients twice",
                EVIDENCE,
                "counts the same patients twice",
            ),
        ],
        "scoping-review": [
            F("scoping review", NATURE),
            F("many studies", NATURE, "many studies reported improvements"),
            F("response times", NATURE),
            F(
                "high-quality randomised controlled trials",
                NATURE,
                "high-quality randomized controlled trials",
            ),
        ],
    },
}

TEXT_FIELDS = {"faq": ("question", "answer"), "glossary": ("term", "definition")}

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "*": None,
    }
)


def normalise(text: str) -> str:
    """Case, curly quotes, dashes, spacing and Markdown emphasis folded."""
    return re.sub(r"\s+", " ", text.translate(_FOLD)).casefold().strip()


@cache
def source(name: str) -> str:
    return normalise((SOURCES_DIR / name).read_text(encoding="utf-8"))


@cache
def entries(section: str) -> dict[str, str]:
    """Slug → the entry's text (question and answer, or term and definition)."""
    records = content_read(path=DEFAULT_CONTENT)[section]
    fields = TEXT_FIELDS[section]
    return {r["slug"]: normalise(" ".join(r[f] for f in fields)) for r in records}


CASES = [
    pytest.param(section, slug, fact, id=f"{section}:{slug}:{fact.phrase[:30]}")
    for section, by_slug in FACTS.items()
    for slug, facts in by_slug.items()
    for fact in facts
]


def test_the_source_texts_are_kept_under_the_names_the_checks_use():
    assert sorted(p.name for p in SOURCES_DIR.glob("*.txt")) == sorted(ARTICLES)
    for name in (*ARTICLES, EVIDENCE):
        assert len(source(name)) > 1000, name


@pytest.mark.parametrize("section", sorted(FACTS))
def test_every_entry_has_its_sources_listed_and_no_list_is_stale(section):
    slugs = set(entries(section))
    listed = set(FACTS[section])
    assert not slugs - listed, f"{section} entries without sources listed here"
    assert not listed - slugs, f"sources listed here for {section} entries now gone"
    assert all(FACTS[section].values()), "every entry lists at least one fact"


@pytest.mark.parametrize(("section", "slug", "fact"), CASES)
def test_each_listed_fact_is_in_the_entry_and_in_its_source(section, slug, fact):
    assert normalise(fact.phrase) in entries(section)[slug], (
        f"{section} {slug!r} no longer states {fact.phrase!r}"
    )
    assert normalise(fact.in_source) in source(fact.source), (
        f"{fact.source} does not say {fact.in_source!r}"
    )


def test_only_research_method_terms_rest_on_the_grading_background():
    leaning = {
        slug
        for by_slug in FACTS.values()
        for slug, facts in by_slug.items()
        if any(fact.source == EVIDENCE for fact in facts)
    }
    assert leaning <= RESEARCH_METHOD_TERMS
    assert RESEARCH_METHOD_TERMS <= set(FACTS["glossary"])


def test_the_folding_treats_typography_as_the_same_text():
    assert normalise("Crohn’s  “disease” – *LDN*") == normalise(
        'crohn\'s "disease" - ldn'
    )
