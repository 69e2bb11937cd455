"""Requests per second of every public page, served as in production.

    make bench                               # 100 and 10,000 studies
    make bench BENCH_SIZES="100 10000 100000" BENCH_SECONDS=5
    .venv/bin/python benchmarks/serve.py 100 10000 --seconds 5 --cache pages none

For each size it builds (or reuses) a PostgreSQL database `bench_ldn_<size>`:
the LDN content plus generated published studies, ~2 findings each, written
with COPY, then migrated and rated (`recompute_evidence`). It serves it with
gunicorn (2 sync workers, DEBUG off, Redis cache), drives every page of the
list below with `wrk -t2 -c16` over loopback for a few seconds in each cache
mode (`--cache`: `pages` as in production, `figures` with the page cache off
but counts and tallies kept, `none` with nothing kept), and prints per page:
requests per second, that as a share of a bare Django view answering "hello"
(`benchmarks/hello.py`, served the same way and measured again before each
mode; with it, once per size, a plain Django detail page and 50-row list over
the same studies, the issue's other two references, and a plain REST framework
50-row list), p50/p95/p99 latency,
answers that were not 2xx/3xx, the body size (plain and gzip) and the
queries the page runs (counted in-process, cache off). It measures; it never
asserts a time.

Needs PostgreSQL (`BENCH_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432),
Redis (`BENCH_REDIS_URL`, default redis://127.0.0.1:6379/5) and `wrk` (installed
from Debian with apt-get when missing and permitted).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
PREFIX = os.environ.get("BENCH_DB_PREFIX", "bench_ldn")

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("STATS %d %d %d %d %d %d %d\\n", summary.requests,
    summary.errors.status, summary.errors.timeout + summary.errors.connect +
    summary.errors.read + summary.errors.write, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), summary.duration))
end
"""

# The pages of issue 11's table, plus the sitemap section that grows most.
PAGES = [
    "/livez",
    "/",
    "/conditions/",
    "/conditions/fibromyalgia/",
    "/studies/",
    "{study}",
    "/evidence/",
    "/search/?q=fibromyalgia",
    "/api/v1/studies/?page_size=50",
    "/api/v1/conditions/fibromyalgia/",
    "/api/v1/findings/?condition=fibromyalgia&page_size=50",
    "/sitemap.xml",
    "/sitemap-studies.xml",
]

DESIGNS = [
    "rct",
    "rct",
    "crossover_rct",
    "open_label",
    "cohort",
    "case_series",
    "case_report",
    "systematic_review",
    "narrative_review",
]
DIRECTIONS = ["benefit", "benefit", "no_effect", "mixed", "harm", "not_reported"]
SECOND_OUTCOMES = ["fatigue", "sleep", "quality_of_life", "mood"]


def database_url(size: int) -> str:
    return f"{SERVER.rstrip('/')}/{PREFIX}_{size}"


def django_env(size: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(size),
        "CACHE_URL": "locmem://",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def manage(size: int, *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=django_env(size), check=True
    )


# --- Building the database ----------------------------------------------------------


# Raised when `generate()` changes what it writes, so older databases are rebuilt.
GENERATOR_VERSION = 2


def studies_in(size: int) -> int | None:
    """Studies in the size's database, or None when it is missing, unbuilt or
    built by another version of `generate()`."""
    import psycopg

    try:
        with psycopg.connect(database_url(size), connect_timeout=5) as conn:
            built = dict(conn.execute("SELECT name, value FROM bench_built"))
    except psycopg.Error:
        return None
    if built.get("generator") != GENERATOR_VERSION:
        return None
    return built.get("studies")


def build(size: int) -> None:
    import psycopg

    if studies_in(size) == size:
        print(f"Reusing {PREFIX}_{size} ({size:,} studies).", flush=True)
        return
    start = time.perf_counter()
    with psycopg.connect(f"{SERVER.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PREFIX}_{size}"')
        conn.execute(f'CREATE DATABASE "{PREFIX}_{size}"')
    manage(size, "migrate", "--noinput", "-v", "0")
    manage(size, "load_ldn_content", "-v", "0")
    generate(size)
    manage(size, "recompute_evidence", "-v", "0")
    with psycopg.connect(database_url(size), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CREATE TABLE bench_built (name text PRIMARY KEY, value int)")
        conn.execute(
            "INSERT INTO bench_built VALUES ('studies', %s), ('generator', %s)",
            [size, GENERATOR_VERSION],
        )
    took = time.perf_counter() - start
    print(f"Built {PREFIX}_{size}: {size:,} studies in {took:.0f} s.", flush=True)


def generate(size: int) -> None:
    """Published studies up to `size` in all, two findings each, with COPY."""
    import psycopg

    rng = random.Random(size)
    now = datetime.datetime.now(datetime.UTC)
    published = now - datetime.timedelta(days=30)
    with psycopg.connect(database_url(size)) as conn:
        existing = conn.execute("SELECT count(*) FROM studies_study").fetchone()[0]
        conditions = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM conditions_condition WHERE status = 'published' "
                "ORDER BY id"
            )
        ]
        first = conn.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM studies_study"
        ).fetchone()[0]
        count = max(0, size - existing)
        study_columns = (
            "id, status, published_at, last_reviewed, next_review_due, created_at, "
            "updated_at, slug, authors_text, title, journal, year, volume, issue, "
            "pages, doi, registry_id, url, design, sample_size, dose, duration, "
            "summary, key_finding, authors, authors_et_al, abstract, keywords, "
            "comparator, risk_of_bias"
        )
        finding_columns = (
            "study_id, condition_id, outcome, direction, effect, participants, "
            "dose_min_mg, dose_max_mg, effect_measure, created_at, updated_at"
        )
        with conn.cursor() as cur:
            with cur.copy(f"COPY studies_study ({study_columns}) FROM STDIN") as copy:
                for i in range(count):
                    n = first + i
                    family = f"Author{n % 997}"
                    copy.write_row(
                        (
                            n,
                            "published",
                            published,
                            now.date(),
                            (now + datetime.timedelta(days=365)).date(),
                            published,
                            published,
                            f"bench-study-{n}",
                            f"{family} J, Doe A",
                            f"Low dose naltrexone trial {n} in chronic pain",
                            "Journal of Pain Research",
                            1990 + n % 36,
                            str(n % 40),
                            str(n % 12),
                            f"{n % 900}-{n % 900 + 9}",
                            "",
                            "",
                            "",
                            # Drawn, not cycled with the conditions: every
                            # condition gets every design, as in the literature.
                            rng.choice(DESIGNS),
                            10 + rng.randrange(400),
                            "4.5 mg nightly",
                            "12 weeks",
                            "A generated study for the benchmark.",
                            "Pain fell in the LDN group.",
                            json.dumps(
                                [
                                    {"family": family, "given": "J."},
                                    {"family": "Doe", "given": "A."},
                                ]
                            ),
                            False,
                            "",
                            "[]",
                            "placebo",
                            "not_assessed",
                        )
                    )
            with cur.copy(
                f"COPY studies_finding ({finding_columns}) FROM STDIN"
            ) as copy:
                for i in range(count):
                    n = first + i
                    condition = conditions[n % len(conditions)]
                    for outcome in ("pain", SECOND_OUTCOMES[n % len(SECOND_OUTCOMES)]):
                        copy.write_row(
                            (
                                n,
                                condition,
                                outcome,
                                DIRECTIONS[rng.randrange(len(DIRECTIONS))],
                                "A generated result.",
                                None,
                                "1.5",
                                "4.5",
                                "",
                                published,
                                published,
                            )
                        )
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('studies_study', 'id'), "
                "(SELECT max(id) FROM studies_study))"
            )
        conn.commit()


# --- Counting queries (in-process, cache off) ---------------------------------------


def count_queries(size: int) -> dict[str, object]:
    """{"study": url, "queries": {page: n}} from a child process on the database."""
    code = """
import json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "ldnsite.settings"
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from studies.models import Study
pages = json.loads(sys.argv[1])
study = Study.objects.published().order_by("-pk").first().get_absolute_url()
client = Client(HTTP_HOST="127.0.0.1")
counts = {}
for page in pages:
    url = page.format(study=study)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    counts[page] = len(queries) if status == 200 else f"status {status}"
print(json.dumps({"study": study, "queries": counts}))
"""
    out = subprocess.run(
        [PYTHON, "-c", code, json.dumps(PAGES)],
        cwd=ROOT,
        env=django_env(size, SHARED_PAGE_CACHE="0", DEBUG="1"),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- Serving and driving --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def collect_static(static_root: Path) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={
            **django_env(100),
            "DEBUG": "0",
            "SECRET_KEY": "b" * 50,
            "STATIC_ROOT": str(static_root),
        },
        check=True,
    )


# Modes: "pages" keeps whole answers and figures (production); "figures" keeps
# only the figures read from many rows (counts, filter counts, a condition's
# tallies: what a page the page cache misses still reuses); "none" computes
# everything on every request.
MODES = {
    "pages": {"SHARED_PAGE_CACHE": "1", "SHARED_FIGURE_CACHE": "1"},
    "figures": {"SHARED_PAGE_CACHE": "0", "SHARED_FIGURE_CACHE": "1"},
    "none": {"SHARED_PAGE_CACHE": "0", "SHARED_FIGURE_CACHE": "0"},
}


def start(app: list[str], env: dict[str, str], probe: str):
    """gunicorn (2 sync workers) serving `app` on a free port: (process, base)."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("gunicorn")),
            *app,
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + probe, timeout=1).read()
            return server, base
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit(f"gunicorn did not start:\n{server.stderr.read().decode()}")


def serve_hello(size: int) -> tuple[subprocess.Popen, str]:
    """The bare Django "hello" view (`benchmarks/hello.py`), with the plain
    Django detail and list pages and REST framework list over this size's
    studies."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["HELLO_DATABASE_URL"] = database_url(size)
    return start(["--chdir", "benchmarks", "hello:application"], env, "/hello")


# The other references, served by `benchmarks/hello.py`: what a page
# written as in the Django tutorial (and a list as in REST framework's) reaches
# over the same table.
PLAIN = [
    ("plain Django detail page", "/plain/{pk}/"),
    ("plain Django 50-row list", "/plain/"),
    ("plain REST framework 50-row list", "/plain-api/"),
]


def serve(size: int, cache: str, static_root: Path) -> tuple[subprocess.Popen, str]:
    env = django_env(
        size,
        DEBUG="0",
        SECRET_KEY="bench-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(static_root),
        CACHE_URL=REDIS,
        CACHE_KEY_PREFIX=f"bench-{size}",
        **MODES[cache],
        API_ANON_RATE="1000000000/second",
    )
    return start(["ldnsite.wsgi"], env, "/livez")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def sizes_of(url: str) -> tuple[int, int, int]:
    """(status, plain bytes, gzip bytes) of one answer."""
    plain = urllib.request.urlopen(url, timeout=120)
    body = plain.read()
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    packed = urllib.request.urlopen(request, timeout=120).read()
    return plain.status, len(body), len(packed)


def drive(url: str, seconds: int, script: Path) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-H",
            "Accept-Encoding: gzip",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("STATS "))
    requests, bad, errors, p50, p95, p99, duration = map(int, line.split()[1:])
    return {
        "rps": requests / (duration / 1e6),
        "bad": bad,
        "errors": errors,
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
    }


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("Installing wrk from Debian (apt-get install -y wrk)...", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)


def row(page: str, cache: str, result: dict, share: float, sizes, queries) -> str:
    plain, packed = sizes
    return (
        f"| `{page}` | {cache} | {result['rps']:,.0f} "
        f"| {share:.1f}% | {result['p50']:.1f} | {result['p95']:.1f} "
        f"| {result['p99']:.1f} | {result['bad']} | {result['errors']} "
        f"| {plain / 1024:.1f} | {packed / 1024:.1f} | {queries} |"
    )


def run(size: int, modes: list[str], seconds: int, static_root: Path, script: Path):
    build(size)
    counted = count_queries(size)
    study = counted["study"]
    print(
        f"\n## {size:,} studies ({PREFIX}_{size}); wrk -t2 -c16 -d{seconds}s, "
        "gunicorn 2 sync workers, PostgreSQL, Redis\n"
    )
    print(
        "| page | cache | req/s | % of hello | p50 ms | p95 ms | p99 ms "
        "| non-2xx/3xx | errors | size KB | gzip KB | queries |"
    )
    print("| --- | --- |" + " ---: |" * 10)
    hello_server, hello_base = serve_hello(size)
    pk = study.strip("/").split("/")[1]
    try:
        for cache in modes:
            # The reference, measured again before each mode's pages.
            reference = drive(hello_base + "/hello", seconds, script)
            print(row("hello (bare Django)", "-", reference, 100, (5, 5), 0))
            if cache == modes[0]:
                for name, page in PLAIN:
                    url = hello_base + page.format(pk=pk)
                    _, plain, packed = sizes_of(url)
                    result = drive(url, seconds, script)
                    share = 100 * result["rps"] / reference["rps"]
                    queries = 1 if "{pk}" in page else 2
                    print(row(name, "-", result, share, (plain, packed), queries))
            server, base = serve(size, cache, static_root)
            try:
                for page in PAGES:
                    url = base + page.format(study=study)
                    _, plain, packed = sizes_of(url)  # also warms the cache
                    result = drive(url, seconds, script)
                    share = 100 * result["rps"] / reference["rps"]
                    shown = page.format(study="a study page " + study)
                    queries = counted["queries"][page]
                    print(
                        row(shown, cache, result, share, (plain, packed), queries),
                        flush=True,
                    )
            finally:
                stop(server)
    finally:
        stop(hello_server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 10_000])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument(
        "--cache",
        nargs="+",
        choices=list(MODES),
        default=list(MODES),
        help="what the server keeps: whole pages, only figures, or nothing",
    )
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    modes = args.cache
    if args.build_only:
        for size in args.sizes:
            build(size)
        return
    ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="ldn-bench-") as tmp:
        static_root = Path(tmp) / "static"
        script = Path(tmp) / "stats.lua"
        script.write_text(WRK_SCRIPT)
        collect_static(static_root)
        print(
            f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; "
            f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
        )
        for size in args.sizes:
            run(size, modes, args.seconds, static_root, script)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
