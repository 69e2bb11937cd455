"""Time site search and the lists' `q` at a given number of studies.

    .venv/bin/python benchmarks/search.py              # 10,000 studies
    .venv/bin/python benchmarks/search.py 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/search_bench \\
        .venv/bin/python benchmarks/search.py

Runs against a throwaway test database: the seeded LDN content plus N generated
published studies (titles, authors, journals and findings' words drawn from a
small vocabulary, so common words match thousands of rows). Prints the median
and 95th-percentile time of 20 requests through Django's test client and the
number of queries of each address.
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldnsite.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

REQUESTS = 20
SUBJECTS = [
    "chronic pain",
    "fibromyalgia",
    "multiple sclerosis",
    "Crohn’s disease",
    "rheumatoid arthritis",
    "neuropathic pain",
    "depression",
    "complex regional pain syndrome",
    "endometriosis",
    "quality of life",
]
DESIGNS = ["pilot study", "randomised trial", "case series", "review", "cohort"]
SURNAMES = ["Younger", "Smith", "Patel", "Garcia", "Chen", "Müller", "O’Brien", "Kim"]
URLS = [
    "/search/?q=pain",
    "/search/?q=fibromyalgia+pain",
    "/search/?q=MS",
    "/search/?q=Younger+2014",
    "/search/?q=fibromyalga",
    "/search/?q=10.1007/s10067-014-2517-2",
    "/studies/",
    "/studies/?q=pain",
    "/studies/?q=crohns&design=rct",
    "/api/v1/studies/?q=pain",
]


def add_studies(count: int) -> None:
    from ldnsite.search import index
    from studies.models import Study
    from tests.factories import published

    rng = random.Random(11)
    batch = []
    for n in range(count):
        subject = rng.choice(SUBJECTS)
        batch.append(
            Study(
                slug=f"bench-{n}",
                title=f"Low-dose naltrexone for {subject}: a {rng.choice(DESIGNS)}",
                authors=[
                    {"family": rng.choice(SURNAMES), "given": "A."},
                    {"family": rng.choice(SURNAMES), "given": "B."},
                ],
                journal="Journal of Pain" if n % 3 else "Rheumatology",
                year=rng.randint(1995, 2025),
                design=rng.choice(["rct", "cohort", "case_series"]),
                key_finding=f"Less {rng.choice(SUBJECTS)} with LDN in {n} people.",
                summary=f"A study of LDN in {subject}. " * 3,
                doi=f"10.5555/bench.{n}" if n % 2 else "",
                **published(),
            )
        )
        if len(batch) == 2000:
            index.index_objects(Study, Study.objects.bulk_create(batch))
            batch = []
    if batch:
        index.index_objects(Study, Study.objects.bulk_create(batch))
    Study.objects.filter(slug="younger-2014-ldn-anti-inflammatory-chronic-pain").update(
        doi="10.1007/s10067-014-2517-2"
    )


def measure(client: Client, url: str) -> tuple[float, float, int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    status, queries = response.status_code, len(ctx.captured_queries)
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], queries, status


def main(count: int) -> None:
    logging.disable(logging.WARNING)
    setup_test_environment()
    config = setup_databases(verbosity=0, interactive=False)
    try:
        from studies.services import DEFAULT_CONTENT, content_load, content_read

        content_load(data=content_read(path=DEFAULT_CONTENT))
        started = time.perf_counter()
        add_studies(count)
        print(
            f"{connection.vendor}, {count:,} generated studies "
            f"(written and indexed in {time.perf_counter() - started:.1f} s)"
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client = Client()
        print(f"{'address':44} {'median':>8} {'p95':>8} {'queries':>8} status")
        for url in URLS:
            median, p95, queries, status = measure(client, url)
            print(f"{url:44} {median:7.1f}ms {p95:7.1f}ms {queries:8} {status}")
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
