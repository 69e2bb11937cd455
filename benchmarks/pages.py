"""Time every public page and count its queries at growing content sizes.

    .venv/bin/python benchmarks/pages.py            # 50 and 500 extra rows
    .venv/bin/python benchmarks/pages.py 20 200 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make bench

Runs against a throwaway test database (never the real one): the seeded LDN
content plus N extra published conditions, each with one study and finding.
Prints, for each page, the median and 95th-percentile time of 30 requests
through Django's test client (no network) and the number of queries.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldnsite.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

REQUESTS = 30


def add_rows(count: int) -> None:
    from tests.factories import make_condition, make_finding, make_study

    for _ in range(count):
        condition = make_condition(summary="Pain and inflammation, benchmark row.")
        make_finding(condition=condition, study=make_study())


def pages() -> list[str]:
    from conditions.models import Condition, Mechanism
    from studies.models import Study

    return [
        "/",
        "/conditions/",
        "/conditions/?ordering=-grade",
        Condition.objects.get(slug="fibromyalgia").get_absolute_url(),
        "/mechanisms/",
        Mechanism.objects.order_by("pk").first().get_absolute_url(),
        "/studies/",
        "/studies/?direction=benefit&ordering=-level",
        Study.objects.order_by("pk").first().get_absolute_url(),
        "/evidence/",
        "/faq/",
        "/glossary/",
        "/search/?q=pain",
        "/sitemap.xml",
        "/studies/feed/",
    ]


def measure(client: Client, url: str) -> tuple[float, float, int, int]:
    client.get(url)  # warm-up
    reset_queries()  # each request clears the log, which would hide the count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    return statistics.median(timings), p95, len(queries), response.status_code


def main(sizes: list[int]) -> None:
    logging.getLogger("django.request").setLevel(logging.ERROR)
    setup_test_environment()
    config = setup_databases(verbosity=0, interactive=False)
    try:
        call_command("load_ldn_content", verbosity=0)
        client = Client(HTTP_HOST="127.0.0.1")
        print(f"database: {connection.vendor}; {REQUESTS} requests per page")
        added = 0
        for size in sizes:
            add_rows(size - added)
            added = size
            if connection.vendor == "postgresql":
                # What autovacuum would have done by now: without statistics the
                # planner takes every table for a single row.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            print(f"\n+{size} conditions, studies and findings")
            print(f"{'page':48} {'median ms':>9} {'p95 ms':>7} {'queries':>7}")
            for url in pages():
                median, p95, queries, status = measure(client, url)
                flag = "" if status == 200 else f"  (status {status})"
                print(f"{url[:48]:48} {median:9.1f} {p95:7.1f} {queries:7d}{flag}")
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [50, 500])
