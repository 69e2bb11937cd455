"""Django's Redis cache backend, with one Redis client per connection pool.

Django's backend builds a new `redis.Redis` for every cache call, and each one
fills a table of about 170 reply callbacks as it is made: on a page answered
from the shared cache that was a quarter of the work. A `redis.Redis` is a
thread-safe handle on its pool (it holds no connection of its own), so one per
pool serves every call; pools already reconnect after a fork.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
