"""Time a citation import and count its queries, at growing numbers of records.

    .venv/bin/python benchmarks/imports.py            # 10, 100 and 1,000 records
    .venv/bin/python benchmarks/imports.py 50 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make bench-import

Runs against a throwaway test database (never the real one) holding the seeded
LDN content. For each size it generates that many RIS records (one in ten a
duplicate of a study already there by DOI, one in twenty a duplicate within the
file), previews them, imports them (drafts, with history rows) and then
previews the same file again, printing the time and the number of queries of
each step. The query counts must not grow with the number of records.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldnsite.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)


def ris(count: int, run: int) -> str:
    """`count` real-shaped RIS records; DOIs and PMIDs unique per run."""
    records = []
    for n in range(count):
        same = n - 1 if n % 20 == 19 else n  # a duplicate within the file
        doi = f"10.5555/bench.{run}.{same}"
        if n % 10 == 5:
            doi = f"10.5555/existing.{n % 50}"  # a study already in the database
        records.append(
            "TY  - JOUR\n"
            f"AU  - Author{run}x{same}, Jarred W.\nAU  - van der Berg, Anna\n"
            f"TI  - Low-dose naltrexone in condition {same}: run {run}, a pilot study\n"
            "JO  - Journal of Pain Research\n"
            f"PY  - {2000 + same % 25}\nVL  - {same % 40}\nIS  - 2\n"
            f"SP  - {100 + same}\nEP  - {110 + same}\n"
            f"DO  - {doi}\nAN  - {run * 100000 + same + 1}\n"
            "KW  - naltrexone\nKW  - open-label\nLA  - en\n"
            "AB  - Patients took 4.5 mg nightly for twelve weeks.\n"
            "ER  - \n"
        )
    return "".join(records)


def timed(step):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - start
    return result, seconds, len(queries)


def main(sizes: list[int]) -> None:
    from studies.imports import CitationDocument, citations_import, citations_preview
    from tests.factories import make_study

    setup_test_environment()
    config = setup_databases(verbosity=0, interactive=False)
    try:
        call_command("load_ldn_content", verbosity=0)
        for n in range(50):
            make_study(title=f"Existing study {n}", doi=f"10.5555/existing.{n}")
        print(f"database: {connection.vendor}")
        print(
            f"{'records':>7} {'step':16} {'seconds':>8} {'ms/record':>9} "
            f"{'queries':>7}  result"
        )
        for run, size in enumerate(sizes, start=1):
            documents = [CitationDocument(text=ris(size, run), name=f"bench-{run}.ris")]
            steps = [
                ("preview", lambda d=documents: citations_preview(documents=d)),
                (
                    "import",
                    lambda d=documents: citations_import(documents=d, user=None),
                ),
                ("preview again", lambda d=documents: citations_preview(documents=d)),
            ]
            for name, step in steps:
                report, seconds, queries = timed(step)
                counts = report.counts
                result = (
                    f"{counts['new']} new, {counts['duplicate']} duplicates, "
                    f"{counts['duplicate_in_file']} within the file"
                )
                if name == "import":
                    result += f"; {report.outcome_count('created')} created"
                print(
                    f"{size:7d} {name:16} {seconds:8.2f} "
                    f"{seconds * 1000 / size:9.2f} {queries:7d}  {result}"
                )
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10, 100, 1000])
