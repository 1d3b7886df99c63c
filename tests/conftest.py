"""Fixtures shared by the whole suite: real services, a real Celery worker, users per role."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from accounts.roles import Role

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("BEACON_REQUIRE_SERVICES") == "1"

# Every test run gets its own Celery queue and broker folder, so a `make run` worker on the same
# machine never takes (or runs against the wrong database) a task sent by the tests.
TEST_QUEUE = f"beacon-test-{uuid.uuid4().hex[:8]}"
TEST_BROKER_DIR = Path(settings.VAR_DIR) / "test-broker" / TEST_QUEUE


def require_service(available: bool, what: str, how: str) -> None:
    """Skip the test when a service is missing, or fail when BEACON_REQUIRE_SERVICES=1 (CI)."""
    if available:
        return
    message = f"{what} is not available; {how}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (BEACON_REQUIRE_SERVICES=1 turns this skip into a failure)")
    pytest.skip(message)


def pytest_configure(config):
    # Hashing strength is not what the tests are about; keep user creation fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Services ask Legal/Executive/Command for a verified second factor; tests of other features
    # act as unverified users. tests/security/ turns both safeguards back on where it tests them.
    settings.BEACON_REQUIRE_TWO_FACTOR = False
    settings.AXES_ENABLED = False  # django-axes needs a request; Client.login() passes none
    settings.CELERY_TASK_DEFAULT_QUEUE = TEST_QUEUE
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        for sub in ("queue", "processed", "control"):
            (TEST_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
            "data_folder_in": str(TEST_BROKER_DIR / "queue"),
            "data_folder_out": str(TEST_BROKER_DIR / "queue"),
            "processed_folder": str(TEST_BROKER_DIR / "processed"),
            "control_folder": str(TEST_BROKER_DIR / "control"),
            "store_processed": False,
        }


def pytest_unconfigure(config):
    shutil.rmtree(TEST_BROKER_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_dashboard_cache():
    """Start every test with no rendered dashboard sections (the cache lives in this process)."""
    from django.core.cache import caches

    caches["dashboard"].clear()


@pytest.fixture
def postgres():
    """Require PostgreSQL as the test database (database behaviour: locks, triggers)."""
    from django.db import connection

    require_service(
        connection.vendor == "postgresql",
        "PostgreSQL",
        "set DATABASE_URL=postgres://... to run this test",
    )


@pytest.fixture
def redis_broker():
    """Require Redis as the Celery broker."""
    require_service(
        settings.CELERY_BROKER_URL.startswith("redis"),
        "Redis",
        "set REDIS_URL=redis://127.0.0.1:6379/0 to run this test",
    )


def worker_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return the environment a worker subprocess needs to share the test database and queue."""
    from django.db import connection

    db = connection.settings_dict
    env = dict(os.environ)
    env["BEACON_CELERY_QUEUE"] = TEST_QUEUE
    if settings.CELERY_BROKER_URL.startswith("filesystem"):  # whatever the database
        env["BEACON_BROKER_DIR"] = str(TEST_BROKER_DIR)
    if db["ENGINE"].endswith("sqlite3"):
        env["BEACON_SQLITE_PATH"] = str(db["NAME"])
    else:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or "5432"
        env["DATABASE_URL"] = f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"
    env.update(extra or {})
    return env


class CeleryWorker:
    """A real `celery worker` process consuming the test queue."""

    def __init__(self, extra_env: dict[str, str] | None = None, concurrency: int = 1):
        self.extra_env = extra_env
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.log_path = Path(settings.VAR_DIR) / f"test-worker-{uuid.uuid4().hex[:6]}.log"

    def start(self) -> "CeleryWorker":
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--queues",
                TEST_QUEUE,
                "--concurrency",
                str(self.concurrency),
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=worker_environment(self.extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self, sig: int = 9) -> None:
        """Kill the worker and its pool processes at once, as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log_path.unlink(missing_ok=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def celery_worker(transactional_db):
    """Start a real Celery worker against the configured broker (Redis in CI)."""
    worker = CeleryWorker().start()
    yield worker
    worker.stop()


def wait_until(predicate, *, timeout: float = 60, interval: float = 0.2, what: str = "condition"):
    """Poll predicate until it is truthy; fail with `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def make_user(username: str, role: str | None = None, **extra):
    from accounts.models import User

    user = User.objects.create_user(
        username=username,
        password="correct-horse-battery",
        email=f"{username}@example.org",
        first_name=username.title(),
        **extra,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def comms_user(db):
    return make_user("casey", Role.COMMUNICATIONS)


@pytest.fixture
def comms_user2(db):
    return make_user("sam", Role.COMMUNICATIONS)


@pytest.fixture
def legal_user(db):
    return make_user("leah", Role.LEGAL)


@pytest.fixture
def legal_user2(db):
    return make_user("lou", Role.LEGAL)


@pytest.fixture
def exec_user(db):
    return make_user("evan", Role.EXECUTIVE)


@pytest.fixture
def command_user(db):
    return make_user("irene", Role.INCIDENT_COMMAND)


@pytest.fixture
def outsider(db):
    """A communications user who is not a member of any restricted incident."""
    return make_user("olly", Role.COMMUNICATIONS)
