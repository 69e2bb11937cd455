"""Counting the queries a page runs, to show it does not grow with the rows."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str, **extra) -> int:
    """Queries run by one GET of `url`, which must answer 200."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


def queries_at_5_and_50(client, url: str, add_rows: Callable[[int], None]) -> tuple:
    """(queries with 5 rows, queries with 50 rows), after one warm-up request."""
    add_rows(5)
    client.get(url)  # warm the caches (content types, sessions)
    at_5 = count_queries(client, url)
    add_rows(45)
    return at_5, count_queries(client, url)


def settle() -> None:
    """Take what the test wrote so far as committed: run what waits for the
    commit (the test's own transaction never commits)."""
    pending, connection.run_on_commit[:] = connection.run_on_commit[:], []
    for _, callback, _ in pending:
        callback()
