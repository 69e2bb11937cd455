"""Two app servers on one PostgreSQL and one Redis act as one site
(`scripts/two_servers.py`: publish, session, API throttle, sign-in lockout)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "two_servers.py"

pytestmark = [pytest.mark.multi_server, pytest.mark.slow]


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def test_two_servers_share_publishing_sessions_throttle_and_lockout():
    database = os.environ.get(
        "TWO_SERVERS_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/ldn_two_servers",
    )
    redis = os.environ.get("TWO_SERVERS_REDIS_URL", "redis://127.0.0.1:6379/5")
    if not (reachable(database, 5432) and reachable(redis, 6379)):
        pytest.skip(
            "needs PostgreSQL and Redis (TWO_SERVERS_DATABASE_URL, ..._REDIS_URL)"
        )
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok ") == 4, result.stdout
