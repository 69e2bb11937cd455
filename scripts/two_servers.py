"""Two app servers on one PostgreSQL and one Redis behave as one site.

    make two-servers
    .venv/bin/python scripts/two_servers.py [--keep]

Builds a PostgreSQL database (`TWO_SERVERS_DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/ldn_two_servers) with the LDN content,
starts two gunicorn servers (ports A and B) on it and on one Redis
(`TWO_SERVERS_REDIS_URL`, default redis://127.0.0.1:6379/5), and checks:

1. a page cached on B shows a study published through A at once;
2. a staff session made on A works on B;
3. the anonymous API throttle counts requests to both together;
4. the admin sign-in lockout (django-axes, in the database) counts failures
   on both together.

Prints one line per check and exits non-zero if any fails.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DATABASE = os.environ.get(
    "TWO_SERVERS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ldn_two_servers"
)
REDIS = os.environ.get("TWO_SERVERS_REDIS_URL", "redis://127.0.0.1:6379/5")
PASSWORD = "two-servers-password-1"
ANON_RATE = 6
FAILURE_LIMIT = 3

ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE,
    "CACHE_URL": REDIS,
    "CACHE_KEY_PREFIX": f"two-servers-{os.getpid()}",
    "SHARED_PAGE_CACHE": "1",
    "DEBUG": "0",
    "SECRET_KEY": "two-servers-" + "s" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    # Per hour: the throttle counts in fixed windows, which the check must not
    # straddle.
    "API_ANON_RATE": f"{ANON_RATE}/hour",
    "ADMIN_LOGIN_FAILURE_LIMIT": str(FAILURE_LIMIT),
    "LOG_LEVEL": "ERROR",
    "STATIC_ROOT": tempfile.mkdtemp(prefix="ldn-two-servers-static-"),
}


def manage(*args: str, **extra: str) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env={**ENV, **extra},
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def prepare() -> tuple[int, str, str]:
    """A fresh database with the content, a reviewer and a draft study."""
    import psycopg

    server, name = DATABASE.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--noinput")
    manage("load_ldn_content")
    manage("collectstatic", "--noinput")
    manage(
        "create_staff_user",
        "rosei",
        "--role",
        "reviewer",
        "--name",
        "Dr Rita Osei",
        STAFF_PASSWORD=PASSWORD,
    )
    manage(
        "create_staff_user",
        "target",
        "--role",
        "editor",
        "--name",
        "T",
        STAFF_PASSWORD=PASSWORD,
    )
    token = re.search(r"[0-9a-f]{40}", manage("drf_create_token", "rosei")).group(0)
    with psycopg.connect(DATABASE) as conn:
        study = conn.execute(
            "UPDATE studies_study SET status = 'draft', published_at = NULL "
            "WHERE id = (SELECT min(id) FROM studies_study) RETURNING id, title"
        ).fetchone()
    return study[0], study[1], token


def start(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "ldnsite.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=ENV,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on port {port} did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A cookie jar (cookies are not per port, so one jar serves both servers)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, url, data=None, headers=None, method=None):
        body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
        request = urllib.request.Request(
            url, data=body, headers=headers or {}, method=method
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def sign_in(self, base, username, password):
        status, _, page = self.request(f"{base}/admin/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        return self.request(
            f"{base}/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": username,
                "password": password,
                "next": "/admin/",
            },
        )


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def forget_cache_keys() -> None:
    """Remove this run's keys (its own `CACHE_KEY_PREFIX`) from Redis."""
    import redis

    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{ENV['CACHE_KEY_PREFIX']}:*"):
        client.delete(key)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    study_id, title, token = prepare()
    a_port, b_port = free_port(), free_port()
    servers = [start(a_port), start(b_port)]
    a, b = f"http://127.0.0.1:{a_port}", f"http://127.0.0.1:{b_port}"
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name}{f' ({detail})' if detail else ''}")

    try:
        public = Browser()
        public.request(f"{b}/studies/")
        _, headers, body = public.request(f"{b}/studies/")
        cached = headers.get("X-Page-Cache") == "hit" and title.encode() not in body
        status, _, _ = public.request(
            f"{a}/api/v1/studies/{study_id}/",
            json.dumps({"status": "published"}).encode(),
            {"Authorization": f"Token {token}", "Content-Type": "application/json"},
            method="PATCH",
        )
        _, headers, body = public.request(f"{b}/studies/")
        check(
            "a study published through A is on B's cached list at once",
            cached and status == 200 and title.encode() in body,
            f"B was {'cached' if cached else 'not cached'}, publish {status}, "
            f"B now {headers.get('X-Page-Cache')}",
        )

        staff = Browser()
        status, headers, _ = staff.sign_in(a, "rosei", PASSWORD)
        signed_in = status == 302 and headers.get("Location", "").endswith("/admin/")
        status, _, body = staff.request(f"{b}/admin/")
        check(
            "a staff session made on A works on B",
            signed_in and status == 200 and b"/admin/logout/" in body,
            f"B's admin answered {status}",
        )

        statuses = [
            public.request(f"{(a, b)[i % 2]}/api/v1/conditions/")[0]
            for i in range(ANON_RATE + 1)
        ]
        check(
            f"the API throttle ({ANON_RATE}/hour) counts A and B together",
            statuses == [200] * ANON_RATE + [429],
            " ".join(map(str, statuses)),
        )

        attacker = Browser()
        failures = [
            attacker.sign_in((a, b)[i % 2], "target", "wrong-password")[0]
            for i in range(FAILURE_LIMIT)
        ]
        status, _, _ = Browser().sign_in(b, "target", PASSWORD)
        check(
            f"the sign-in lockout ({FAILURE_LIMIT} failures) counts A and B together",
            status == 429,
            f"failures answered {failures}; the right password then {status}",
        )
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        shutil.rmtree(ENV["STATIC_ROOT"], ignore_errors=True)
        forget_cache_keys()
        if not args.keep:
            import psycopg

            server, name = DATABASE.rsplit("/", 1)
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
