"""The shared page cache: anonymous pages and API answers kept in the default
cache (Redis in production), which every app server reads and writes.

What is kept: an anonymous `GET` answered 200 with `Cache-Control: public`
(what we already let a CDN keep), without cookies; keyed by scheme, host, path
and query, whether the client takes gzip, and (under `/api/`) the `Accept`
header. Never kept: the admin, a request carrying a session cookie or an
`Authorization` header, an answer that sets a cookie.

When it goes stale: every entry carries the content *generation*, a number in
the shared cache (read with the entry, in one round trip). Any committed write
to a table the public reads (`PUBLIC_APPS`, history tables aside) bumps it,
whatever wrote it: a model save, a queryset `update()` or `bulk_create()`, a
raw statement. The database connection is the one place all writes go
through, so it is watched there (`_watch_writes`), and the bump waits for the
commit (`transaction.on_commit`) so that no server can cache the old content
after it.

The clock changes what the public sees too (an item scheduled for publication;
a review falling due at midnight). Entries expire at the next such moment
(`next_change()`); the first request after it recomputes the evidence
summaries that became due (`EvidenceSummary.objects.recompute_due()`, under a
cache lock so that one server does it) and bumps the generation.

A hit still answers `If-None-Match` with 304, from the stored ETag. If the
cache is down, pages are served uncached (`/healthz` says so).

Figures read from many rows (a list's count, the filters' counts, a
condition's doses and replication tallies, which rows fill a deep list's page)
are kept the same way, per generation and until the next scheduled moment
(`remember()`, `RememberedPaginator`), so that a page the page cache does not
hold (page two, a signed-in reader, a new combination of filters) costs the
same at 100 studies as at 100,000. The rows themselves are always read fresh.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import logging
import re
import time
from collections.abc import Callable, Hashable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)

# Apps whose tables hold what the public sees (staff profiles: a reviewer's
# public name and credentials).
PUBLIC_APPS = ("conditions", "studies", "ldnsite")

GENERATION_KEY = "pages:generation"
NEXT_CHANGE_KEY = "pages:next-change"
DUE_LOCK_KEY = "pages:due-lock"
DUE_LOCK_SECONDS = 60
HEADER = "X-Page-Cache"

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)
_GZIP = re.compile(r"\bgzip\b")


# --- The code's version -------------------------------------------------------

# What the project's own files are made of: sources, templates, data files.
VERSIONED_DIRS = ("conditions", "studies", "ldnsite", "templates")
VERSIONED_SUFFIXES = (".py", ".html", ".txt", ".xml", ".json", ".md")


@functools.cache
def code_version() -> str:
    """A digest of the project's code, templates and collected static files'
    manifest: part of every key, so that an answer or figure kept by one
    release is never served by the next (a deploy changes no content, hence no
    generation). The same files give the same version on every app server."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    files = sorted(
        path
        for folder in VERSIONED_DIRS
        for path in (base / folder).rglob("*")
        if path.suffix in VERSIONED_SUFFIXES and "__pycache__" not in path.parts
    )
    named = [(str(path.relative_to(base)), path) for path in files]
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    for name, path in [*named, ("staticfiles.json", manifest)]:
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- The generation -----------------------------------------------------------


def generation() -> int:
    """The current content generation (started from the clock if missing, so
    that a flushed cache never meets entries of an earlier count)."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def bump() -> None:
    """Make every cached page stale, on every app server at once."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet: any new one is fresh
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
    except Exception:
        logger.exception("The page cache could not be invalidated")


def bump_on_commit(conn=None) -> None:
    """`bump()` once the current transaction of `conn` (the default database)
    commits; at once outside a transaction."""
    conn = conn or connection
    if not conn.in_atomic_block:
        bump()
        return
    if not any(func is bump for _, func, _ in conn.run_on_commit):
        transaction.on_commit(bump, using=conn.alias)


# --- Watching writes -----------------------------------------------------------


def public_tables() -> frozenset[str]:
    """Tables of `PUBLIC_APPS` models, their history tables left out."""
    tables = set()
    for label in PUBLIC_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model.__name__.startswith("Historical"):
                continue
            tables.add(model._meta.db_table)
    return frozenset(tables)


_tables: frozenset[str] | None = None


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if sql[:1] in "IUDiud":
        match = _WRITE.match(sql)
        if match:
            global _tables
            if _tables is None:
                _tables = public_tables()
            if match.group(1) in _tables:
                bump_on_commit(context["connection"])
    return result


def _install_watch(sender, connection, **kwargs):
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def install() -> None:
    """Watch every database connection for public writes (from `AppConfig.ready`)."""
    connection_created.connect(_install_watch, dispatch_uid="ldnsite.cache.watch")
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        _install_watch(None, conn)


# --- The clock -----------------------------------------------------------------


def scheduled_models() -> list:
    from ldnsite.editorial.models import EditorialModel

    return [m for m in apps.get_models() if issubclass(m, EditorialModel)]


def next_change(now: datetime.datetime) -> datetime.datetime:
    """The next moment the public view changes by itself: a scheduled
    publication (`next_scheduled_change()`), else the next local midnight (when
    reviews fall due)."""
    from ldnsite.editorial.policy import next_scheduled_change

    local = timezone.localtime(now)
    midnight = timezone.make_aware(
        datetime.datetime.combine(
            local.date() + datetime.timedelta(days=1), datetime.time()
        )
    )
    scheduled = next_scheduled_change(scheduled_models(), now)
    return min(scheduled, midnight) if scheduled else midnight


def catch_up(now: datetime.datetime) -> bool:
    """A scheduled moment has passed: recompute what became due and bump the
    generation. One server does it (a cache lock); False for the others."""
    if not cache.add(DUE_LOCK_KEY, 1, timeout=DUE_LOCK_SECONDS):
        return False
    try:
        from studies.models import EvidenceSummary

        with transaction.atomic():
            EvidenceSummary.objects.recompute_due(now)
        bump()
    finally:
        cache.delete(DUE_LOCK_KEY)
    return True


def state(now: datetime.datetime, values: dict | None = None):
    """(generation, seconds until the next change), or None when pages must not
    be cached now (a scheduled moment passed and another server is catching up).

    `values`: the generation and next-change keys already read, if any.
    """
    if values is None:
        values = cache.get_many([GENERATION_KEY, NEXT_CHANGE_KEY])
    current = values.get(GENERATION_KEY)
    if current is None:
        current = generation()
    stored = values.get(NEXT_CHANGE_KEY)
    if stored is None or stored[0] != current:
        moment = next_change(now)
        cache.set(NEXT_CHANGE_KEY, (current, moment), timeout=None)
    else:
        moment = stored[1]
    left = (moment - now).total_seconds()
    if left > 0:
        return current, left
    if not catch_up(now):
        return None
    return state(now)


# --- Figures kept per generation ------------------------------------------------


def _pending_bump() -> bool:
    """This connection wrote public rows not yet committed: what it reads now
    is not what other servers see, so it must not be kept."""
    return any(func is bump for _, func, _ in connection.run_on_commit)


def figure_key(parts: tuple[Hashable, ...]) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"figures:{code_version()}:{digest}"


def lock_key(key: str, generation: int) -> str:
    """Held while one request computes the figure `key` of `generation`."""
    return f"{key}:computing:{generation}"


def remember[T](parts: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """`compute()`, kept in the shared cache for the current content generation
    and until the next scheduled moment, under a key made of `parts`.

    For figures read from many rows. `parts` must name everything the figure
    depends on besides the public content (the filters, the condition...).
    Computed every time when `SHARED_FIGURE_CACHE` is off, the cache is down,
    a scheduled moment is being caught up, or this connection holds
    uncommitted public writes.
    """
    if not settings.SHARED_FIGURE_CACHE or _pending_bump():
        return compute()
    key = figure_key(parts)
    try:
        values = cache.get_many([GENERATION_KEY, NEXT_CHANGE_KEY, key])
        current = state(timezone.now(), values)
    except Exception:
        logger.warning("The figure cache is unavailable", exc_info=True)
        return compute()
    stored = values.get(key)
    if current is None:
        return compute()
    if stored is not None and stored[0] == current[0]:
        return stored[1]
    # One request computes a missing figure; the others wait for it rather
    # than all reading the same rows at once after a change.
    lock = lock_key(key, current[0])
    try:
        held = cache.add(lock, 1, timeout=FIGURE_LOCK_SECONDS)
    except Exception:  # the cache is down: compute, keep nothing
        return compute()
    if not held:
        found = _wait_for(key, current[0])
        if found is not None:
            return found[0]
    try:
        value = compute()
    except BaseException:
        if held:
            _release(lock)
        raise
    timeout = min(current[1], settings.SHARED_PAGE_CACHE_SECONDS)
    try:
        cache.set(key, (current[0], value), timeout=max(1, int(timeout)))
    except Exception:
        logger.warning("The figure cache could not store a figure", exc_info=True)
    if held:
        _release(lock)
    return value


def _release(lock: str) -> None:
    try:
        cache.delete(lock)
    except Exception:  # it expires by itself
        logger.warning("The figure cache could not release a lock", exc_info=True)


# How long a request computing a figure holds others off, at most, and how
# long they wait for it before computing it themselves.
FIGURE_LOCK_SECONDS = 30
FIGURE_WAIT_SECONDS = 5.0
FIGURE_POLL_SECONDS = 0.05


def _wait_for(key: str, generation: int) -> tuple | None:
    """(value,) once another request has stored the figure of `generation`
    under `key`, or None after `FIGURE_WAIT_SECONDS`."""
    deadline = time.monotonic() + FIGURE_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(FIGURE_POLL_SECONDS)
        try:
            stored = cache.get(key)
        except Exception:
            return None
        if stored is not None and stored[0] == generation:
            return (stored[1],)
    return None


class RememberedPaginator(Paginator):
    """A paginator whose count is `remember()`ed under `key` (None: nothing
    kept), and with `rows=True` which rows fill each page too. Counting every
    matching row, or sorting them all to find a page when no index gives the
    order, costs as the table grows; with this, only the first request after a
    change pays it. The page's rows are read fresh, by primary key, in the
    query's own order.
    """

    def __init__(self, object_list, per_page, *args, key=None, rows=False, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.key = key
        self.rows = rows

    @cached_property
    def count(self) -> int:
        def compute() -> int:
            return Paginator.count.func(self)

        if self.key is None:
            return compute()
        return remember(("count", *self.key), compute)

    def page(self, number):
        page = super().page(number)
        rows = page.object_list
        if self.key is None or not self.rows or not settings.SHARED_FIGURE_CACHE:
            return page
        ids = remember(
            ("page", *self.key, self.per_page, page.number),
            lambda: list(rows.values_list("pk", flat=True)),
        )
        page.object_list = self.object_list.filter(pk__in=ids)
        return page


def public_request_key(request, *names: str, public: bool = True):
    """The parts of a remembered key for a list answer: the path and the query
    string without paging (`names` lists parameters to leave out too), or None
    when the answer depends on who asks (`public` False)."""
    if not public:
        return None
    skip = {"page", "page_size", "format", *names}
    params = sorted(
        (name, tuple(values))
        for name, values in request.GET.lists()
        if name not in skip
    )
    return (request.path, tuple(params))


# --- The middleware ---------------------------------------------------------------


def cacheable_request(request) -> bool:
    return (
        settings.SHARED_PAGE_CACHE
        and request.method == "GET"
        and not request.path.startswith("/admin/")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def cacheable_response(request, response) -> bool:
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "public" in response.get("Cache-Control", "")
        and not (user is not None and user.is_authenticated)
    )


def page_key(request) -> str:
    parts = [
        request.build_absolute_uri(),
        "gzip" if _GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")) else "",
    ]
    if request.path.startswith("/api/"):
        parts.append(request.META.get("HTTP_ACCEPT", ""))
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"pages:{code_version()}:{digest}"


# --- Counting and looking up in one round trip ------------------------------------


def count_in_window(key: str, seconds: int) -> int:
    """Add one to the counter `key`, which expires after `seconds`; its new
    value. On Redis, one round trip (INCR and EXPIRE in one pipeline)."""
    return lookup([], (key, seconds))[1]


def lookup(keys: list[str], counter: tuple[str, int] | None = None):
    """(`cache.get_many(keys)`, the new value of `counter` or None), where
    `counter` is (key, seconds) as for `count_in_window()`. On Redis, both in
    one round trip: the page cache counts an anonymous API request against
    the throttle while it looks the answer up."""
    if counter is None:
        return cache.get_many(keys), None
    name, seconds = counter
    default = caches["default"]
    if isinstance(default, RedisCache):
        backend = default._cache  # Django's Redis client: its pool and serializer
        names = [default.make_and_validate_key(key) for key in keys]
        counter_name = default.make_and_validate_key(name)
        pipe = backend.get_client(counter_name, write=True).pipeline(transaction=False)
        if names:
            pipe.mget(names)
        pipe.incr(counter_name)
        pipe.expire(counter_name, seconds + 1, nx=True)
        replies = pipe.execute()
        found = replies[0] if names else []
        values = {
            key: backend._serializer.loads(value)
            for key, value in zip(keys, found, strict=False)
            if value is not None
        }
        return values, replies[-2]
    values = cache.get_many(keys) if keys else {}
    cache.add(name, 0, timeout=seconds + 1)
    try:
        return values, cache.incr(name)
    except ValueError:  # expired between the two calls
        cache.add(name, 1, timeout=seconds + 1)
        return values, 1


def _api_counter(request):
    """(counter key, seconds, allowed) of the API throttle for this anonymous
    request under `/api/`, or None."""
    if not request.path.startswith("/api/"):
        return None
    from ldnsite.api_defaults import AnonThrottle

    throttle = AnonThrottle()
    window = throttle.window(request)
    return None if window is None else (*window, throttle.num_requests)


class SharedPageCacheMiddleware:
    """Serve anonymous pages and API answers from the shared cache (see above).

    Placed above compression, the body ETag and the cache headers, so a stored
    answer is the one a client got: compressed, with its ETag and headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not cacheable_request(request):
            return self.get_response(request)
        now = timezone.now()
        counter = _api_counter(request)
        try:
            # One round trip: the generation, the next change and the page
            # (and, under /api/, the throttle's count).
            key = page_key(request)
            values, count = lookup(
                [GENERATION_KEY, NEXT_CHANGE_KEY, key], counter and counter[:2]
            )
            if count is not None:
                request.throttle_count = count
            current = state(now, values)
            stored = values.get(key)
            if current is None:
                key = None
            if stored is not None and (key is None or stored[0] != current[0]):
                stored = None  # kept for an earlier generation: stale
        except Exception:  # the cache is down or the host refused: uncached
            logger.warning("The page cache is unavailable", exc_info=True)
            current = key = stored = None
        throttled = (
            counter is not None and getattr(request, "throttle_count", 0) > counter[2]
        )
        if stored is not None and not throttled:
            return self.hit(request, stored)
        response = self.get_response(request)
        if key and cacheable_response(request, response):
            self.store(
                key,
                current[0],
                response,
                timeout=min(current[1], settings.SHARED_PAGE_CACHE_SECONDS),
            )
            response[HEADER] = "miss"
        return response

    @staticmethod
    def store(key: str, generation: int, response, timeout: float) -> None:
        headers = [(k, v) for k, v in response.items() if k != HEADER]
        try:
            cache.set(
                key,
                (generation, response.status_code, headers, response.content),
                timeout=max(1, int(timeout)),
            )
        except Exception:
            logger.warning("The page cache could not store a page", exc_info=True)

    @staticmethod
    def hit(request, stored):
        _, status, headers, content = stored
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        response = get_conditional_response(
            request, etag=response.get("ETag"), response=response
        )
        response[HEADER] = "hit"
        return response
