"""Production mode's settings: `check --deploy` passes with the documented environment,
and LOG_FORMAT=json gives one JSON object per log line."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The environment docs/deployment.md documents (values are examples).
DEPLOYMENT_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k7Qv2-example-only-3mZ9xLr8WfT1bN6pHs4YdEj0uGcKa5VqRoIwXy_lMnBtCz",
    "ALLOWED_HOSTS": "switchboard.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://switchboard.example.com",
    "PUSHER_APP_ID": "482913",
    "PUSHER_APP_KEY": "example-key",
    "PUSHER_APP_SECRET": "example-secret-example-secret",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "METRICS_TOKEN": "example-metrics-token",
    "HEALTH_TOKEN": "example-health-token",
    "LOG_FORMAT": "json",
}


def manage(*args, env, tmp_path):
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST_"))
    }
    environ |= {"SWITCHBOARD_VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_the_documented_settings(tmp_path):
    done = manage("check", "--deploy", env=DEPLOYMENT_ENV, tmp_path=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "(security." not in output, output


def test_check_deploy_finds_what_a_bare_production_setup_misses(tmp_path):
    bare = DEPLOYMENT_ENV | {"SECURE_HSTS_SECONDS": "0", "SECURE_SSL_REDIRECT": "0"}
    done = manage("check", "--deploy", env=bare, tmp_path=tmp_path)
    output = done.stdout + done.stderr
    assert "security.W004" in output and "security.W008" in output, output


def test_json_logs_carry_the_message_pairs_as_fields(tmp_path):
    env = DEPLOYMENT_ENV | {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    done = manage("backup", "--output", str(tmp_path / "copy.sqlite3"), env=env, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    written = next(line for line in lines if line.get("event") == "backup_written")
    assert written["level"] == "INFO" and written["logger"] == "switchboard.operations.backup"
    assert written["path"] == str(tmp_path / "copy.sqlite3") and int(written["bytes"]) >= 0
