"""Settings come from the environment and fail loudly at start-up on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_SECRET = "k3J9x-prod-like-secret-for-the-deploy-check-5f2a91c7e0b84d6a9e13b7c2f0d4a8e6"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Only what the interpreter needs: the test settings put PanBot variables in this process's env.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "SYSTEMROOT") if k in os.environ}
    clean.update(DJANGO_SETTINGS_MODULE="panbot.settings.base", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DEBUG": "false"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"DEBUG": "true", "PHONE_DEFAULT_REGION": "XX"}, "PHONE_DEFAULT_REGION='XX'"),
        ({"DEBUG": "true", "CALL_LEASE_SECONDS": "soon"}, "CALL_LEASE_SECONDS='soon' is not an integer"),
        ({"DEBUG": "true", "AGENT_MAX_SESSIONS": "0"}, "AGENT_MAX_SESSIONS=0 must be between 1 and"),
        ({"DEBUG": "true", "REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' must be a URL"),
        ({"DEBUG": "true", "REDIS_URL": "redis://cache:notaport/0"}, "REDIS_URL='redis://cache:notaport/0' must be"),
        ({"DEBUG": "true", "LIVEKIT_URL": "wss://lk.example.com"}, "LIVEKIT_API_KEY and LIVEKIT_API_SECRET"),
        ({"DEBUG": "true", "DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL is not a valid database URL"),
    ],
)
def test_bad_settings_stop_start_up_with_a_message_naming_them(env, message):
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_embedded_default_needs_no_environment():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_a_deployment_naming_its_database_is_not_debug_and_needs_a_secret_key():
    result = manage("check", DATABASE_URL="postgres://postgres@127.0.0.1:5432/panbot")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_redis_over_a_unix_socket_is_accepted():
    result = manage("check", DEBUG="true", REDIS_URL="unix:///var/run/redis/redis.sock")
    assert result.returncode == 0, result.stderr


def test_deploy_check_passes_with_production_like_settings():
    result = manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY=PROD_SECRET,
        ALLOWED_HOSTS="panbot.example.com",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/panbot",
        REDIS_URL="redis://127.0.0.1:6379/1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # HSTS preload is a commitment for the operator's whole domain, so it stays opt-in
    # (SECURE_HSTS_PRELOAD=true); it is the only deploy warning left.
    warnings = [line for line in (result.stdout + result.stderr).splitlines() if "(security." in line]
    assert [w.split(")")[0].strip("?: (") for w in warnings] in ([], ["security.W021"]), warnings
