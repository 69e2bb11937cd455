from __future__ import annotations

from pathlib import Path

import pytest

from studies.models import Study
from studies.services import DEFAULT_CONTENT, content_load, content_read

CITATION_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "citations"
SEED = {
    "younger": "younger-2014-ldn-anti-inflammatory-chronic-pain",
    "smith": "smith-2014-ldn-improves-active-crohns-disease",
    "brown": "brown-2009-ldn-disease-prevention-quality-of-life",
    "raknes": "raknes-2017-ldn-chronic-pain-systematic-review",
    "metyas": "metyas-2018-ldn-treatment-of-fibromyalgia",
}


@pytest.fixture
def seeded(db) -> dict[str, Study]:
    """The seeded LDN studies, loaded from the content file by the content loader
    (without their findings and mechanisms, which the import does not read)."""
    data = content_read(path=DEFAULT_CONTENT)
    studies = [
        {k: v for k, v in study.items() if k not in ("findings", "mechanisms")}
        for study in data["studies"]
    ]
    content_load(data={"editorial": data["editorial"], "studies": studies})
    return {key: Study.objects.get(slug=slug) for key, slug in SEED.items()}
