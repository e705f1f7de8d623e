"""Settings read from the environment refuse an unsafe production configuration."""

import os
import subprocess
import sys

from django.conf import settings


def _check(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_the_development_secret_key():
    result = _check({"DEBUG": "0"})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_starts_with_a_secret_key():
    assert _check({"DEBUG": "0", "SECRET_KEY": "a-real-secret-from-the-environment"}).returncode == 0


def _setting(name: str, env_overrides: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(env_overrides)
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout.strip()


def test_sessions_are_cached_only_in_a_shared_cache():
    """A per-process cache would keep a signed-out session alive in the other web workers."""
    assert _setting("SESSION_ENGINE", {}) == "django.contrib.sessions.backends.db"
    shared = _setting("SESSION_ENGINE", {"REDIS_URL": "redis://127.0.0.1:6379/15"})
    assert shared == "django.contrib.sessions.backends.cached_db"
