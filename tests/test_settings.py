"""config/settings.py declares every setting the code reads, each read from the environment."""

import json
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

APPS = ("accounts", "incidents", "communications", "config")
# Settings the code reads with a fallback (getattr(settings, NAME, default)), and the value each
# environment variable below must produce.
FROM_ENVIRONMENT = {
    "BEACON_RECIPIENT_RETENTION_DAYS": ("45", 45),
    "BEACON_MAILMERGE_STALL_SECONDS": ("30", 30.0),
    "BEACON_SEND_MAX_ATTEMPTS": ("5", 5),
    "BEACON_SEND_RETRY_BASE_SECONDS": ("2.5", 2.5),
    "BEACON_SEND_BATCH_SIZE": ("10", 10),
    "BEACON_TRUSTED_CERTS": ("/etc/beacon/2025.pem, /etc/beacon/2026.pem", None),
    "BEACON_TSA_URL": ("https://tsa.example", "https://tsa.example"),
}


def read_with_getattr() -> set[str]:
    """Return every NAME the code reads as getattr(settings, "NAME", ...)."""
    names = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            names |= set(re.findall(r'getattr\(\s*settings\s*,\s*"([A-Z0-9_]+)"', text))
    return names


def settings_in_subprocess(env_vars: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BEACON_", "PYTEST"))}
    env.update(env_vars)
    names = json.dumps(sorted(FROM_ENVIRONMENT))
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names}}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_setting_read_with_getattr_is_declared_in_config_settings():
    from config import settings as declared

    read = read_with_getattr()
    assert read, "the scan found nothing: has the code moved?"
    missing = sorted(name for name in read if not hasattr(declared, name))
    assert not missing, f"declare in config/settings.py (read from the environment): {missing}"
    assert read <= set(FROM_ENVIRONMENT), "add the new setting to FROM_ENVIRONMENT"


def test_each_is_read_from_the_environment(tmp_path):
    env_vars = {name: raw for name, (raw, _) in FROM_ENVIRONMENT.items()}
    result = settings_in_subprocess({**env_vars, "BEACON_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    for name, (_raw, expected) in FROM_ENVIRONMENT.items():
        if name == "BEACON_TRUSTED_CERTS":
            assert values[name] == ["/etc/beacon/2025.pem", "/etc/beacon/2026.pem"]
        else:
            assert values[name] == expected, name


@pytest.mark.parametrize("name", ["BEACON_SEND_MAX_ATTEMPTS", "BEACON_MAILMERGE_STALL_SECONDS"])
def test_a_value_that_is_not_a_number_is_refused_by_name(name, tmp_path):
    result = settings_in_subprocess({name: "three", "BEACON_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert f"{name} must be a" in result.stderr and "'three'" in result.stderr
