import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ldnsite import settings as ldn_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("helper", "name", "raw"),
    [
        (lambda: ldn_settings.env_bool("X_FLAG", False), "X_FLAG", "perhaps"),
        (lambda: ldn_settings.env_int("X_NUM", 1), "X_NUM", "twelve"),
        (lambda: ldn_settings.env_int("X_NUM", 1, minimum=1), "X_NUM", "0"),
        (
            lambda: ldn_settings.database_from_url("X_DB", "sqlite:///x"),
            "X_DB",
            "mysql://u@h/db",
        ),
        (
            lambda: ldn_settings.cache_from_url("X_CACHE", "locmem://"),
            "X_CACHE",
            "mc://",
        ),
    ],
)
def test_a_bad_value_names_its_variable(monkeypatch, helper, name, raw):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ImproperlyConfigured, match=name):
        helper()


def test_urls_configure_databases_and_caches(monkeypatch):
    monkeypatch.setenv("X_DB", "postgres://postgres@127.0.0.1:5432/ldn")
    db = ldn_settings.database_from_url("X_DB", "sqlite:///x")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["CONN_MAX_AGE"] > 0 and db["CONN_HEALTH_CHECKS"]
    monkeypatch.setenv("X_CACHE", "redis://127.0.0.1:6379/2")
    cache = ldn_settings.cache_from_url("X_CACHE", "locmem://")
    assert cache["BACKEND"].endswith("RedisCache")
    assert ldn_settings.env_list("X_UNSET_LIST", ["a"]) == ["a"]
    monkeypatch.setenv("X_LIST", "a.org, b.org,")
    assert ldn_settings.env_list("X_LIST", []) == ["a.org", "b.org"]


def run_check(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_up_fails_naming_the_variable():
    result = run_check(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    result = run_check(CSRF_TRUSTED_ORIGINS="ldn.example.org")
    assert "CSRF_TRUSTED_ORIGINS" in result.stderr


def test_production_values_pass_check_deploy(tmp_path):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x9" * 30 + "kq7ZpR",
        "ALLOWED_HOSTS": "ldn.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://ldn.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def shared_page_cache_with(**env) -> str:
    code = (
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.SHARED_PAGE_CACHE)"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CACHE_URL", "REDIS_URL", "SHARED_PAGE_CACHE"}
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "ldnsite.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_shared_page_cache_is_on_with_redis_only():
    assert shared_page_cache_with() == (
        "django.core.cache.backends.locmem.LocMemCache False"
    )
    redis = "ldnsite.redis_cache.RedisCache"
    assert shared_page_cache_with(REDIS_URL="redis://r:6379/1") == f"{redis} True"
    assert shared_page_cache_with(
        CACHE_URL="redis://r:6379/1", SHARED_PAGE_CACHE="0"
    ) == (f"{redis} False")
