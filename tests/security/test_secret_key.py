"""A production start without SECRET_KEY is refused, whatever lies in var/.

Before, a missing SECRET_KEY silently made a per-host key in var/: two web hosts signed sessions
with different keys, and a key file copied along with var/ became the production secret.
"""

import os
import subprocess
import sys

from tests.conftest import ROOT


def start(var_dir, **env_vars) -> subprocess.CompletedProcess:
    """Run `manage.py check` (the settings load as on every start) with a clean environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "BEACON_", "PYTEST", "SECRET_KEY"))
    }
    env.update({"BEACON_VAR_DIR": str(var_dir), "ALLOWED_HOSTS": "beacon.example.org", **env_vars})
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_production_start_without_secret_key_is_refused_even_with_a_key_in_var(tmp_path):
    (tmp_path / "secret_key").write_text("a-key-someone-left-in-var-" * 3)
    result = start(tmp_path, BEACON_HTTPS="1", BEACON_TRUSTED_PROXIES="127.0.0.1")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "BEACON_HTTPS=1" in result.stderr


def test_a_production_start_without_secret_key_makes_no_key_file(tmp_path):
    result = start(tmp_path, BEACON_HTTPS="1", BEACON_TRUSTED_PROXIES="127.0.0.1")
    assert result.returncode != 0
    assert not (tmp_path / "secret_key").exists()


def test_a_production_start_with_secret_key_in_the_environment_starts(tmp_path):
    result = start(
        tmp_path, BEACON_HTTPS="1", BEACON_TRUSTED_PROXIES="127.0.0.1", SECRET_KEY="k" * 64
    )
    assert result.returncode == 0, result.stderr


def test_the_embedded_default_makes_and_keeps_a_local_key(tmp_path):
    assert start(tmp_path).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert start(tmp_path).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key
