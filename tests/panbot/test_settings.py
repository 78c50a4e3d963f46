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
        ({"DEBUG": "false", "DATABASE_URL": "postgres://db/panbot"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"DEBUG": "true", "PHONE_DEFAULT_REGION": "XX"}, "PHONE_DEFAULT_REGION='XX'"),
        ({"DEBUG": "true", "CALL_LEASE_SECONDS": "soon"}, "CALL_LEASE_SECONDS='soon' is not an integer"),
        ({"DEBUG": "true", "AGENT_MAX_SESSIONS": "0"}, "AGENT_MAX_SESSIONS=0 must be between 1 and"),
        ({"DEBUG": "true", "REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' must be a URL"),
        ({"DEBUG": "true", "REDIS_URL": "redis://cache:notaport/0"}, "REDIS_URL='redis://cache:notaport/0' must be"),
        ({"DEBUG": "true", "LIVEKIT_URL": "wss://lk.example.com"}, "LIVEKIT_API_KEY and LIVEKIT_API_SECRET"),
        ({"DEBUG": "true", "DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL is not a valid database URL"),
        ({"DEBUG": "true", "PRINTER_ALLOWED_PORTS": "9100,ipp"}, "PRINTER_ALLOWED_PORTS: 'ipp' is not a port number"),
        ({"DEBUG": "true", "PRINTER_ALLOWED_PORTS": "9109-9100"}, "'9109-9100': the first port must not be above"),
        ({"DEBUG": "true", "PRINTER_ALLOWED_PORTS": " , "}, "PRINTER_ALLOWED_PORTS=' , ' must list at least one"),
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


EMBEDDED_NOTICE = "Running on the embedded development default (no DATABASE_URL)"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SECRET_KEY": PROD_SECRET}, "SECRET_KEY is set"),
        ({"ALLOWED_HOSTS": "panbot.example.com"}, "ALLOWED_HOSTS is set"),
        ({"DEBUG": "false"}, "DEBUG=false"),
        ({"DEBUG": "0", "SECRET_KEY": PROD_SECRET, "ALLOWED_HOSTS": "panbot.example.com"}, "SECRET_KEY is set"),
        ({"DEBUG": "true", "SECRET_KEY": PROD_SECRET}, "SECRET_KEY is set"),
    ],
)
def test_a_production_looking_start_without_database_url_is_refused_naming_it(env, named):
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL is not set, but this looks like a deployment (" in result.stderr
    assert named in result.stderr
    assert EMBEDDED_NOTICE not in result.stderr  # refused before anything ran


def test_the_embedded_default_says_so_in_one_line_at_start():
    result = manage("check")
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if EMBEDDED_NOTICE in line]
    assert "WARNING panbot:" in line and "DEBUG on" in line and "Not for production" in line
    assert str(ROOT / "db.sqlite3") in line


def test_make_run_s_environment_starts_on_the_embedded_default():
    # The Makefile runs every step with DEBUG=${DEBUG:-true} and nothing else.
    result = manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count(EMBEDDED_NOTICE) == 1


def test_a_process_naming_its_database_prints_no_embedded_notice():
    result = manage("check", DATABASE_URL="postgres://postgres@127.0.0.1:5432/panbot", SECRET_KEY=PROD_SECRET)
    assert result.returncode == 0, result.stderr
    assert EMBEDDED_NOTICE not in result.stderr


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
