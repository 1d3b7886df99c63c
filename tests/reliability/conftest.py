"""Fault-injection helpers: stop and start the real Redis and PostgreSQL, always restarting them.

These tests stop real services, so they run only when asked with BEACON_RELIABILITY=1 (.ci/run
sets it); elsewhere they skip and say so. CI=true alone does not run them. The Redis they stop
and start is the one the suite's broker uses (REDIS_URL), which must be on this machine: point
REDIS_URL at a private `redis-server --port <yours> --save "" --appendonly no` to run them
without touching a shared Redis.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

from tests.conftest import ROOT, TEST_QUEUE, CeleryWorker, worker_environment

ENABLED = os.environ.get("BEACON_RELIABILITY") == "1"
REDIS_OUTAGE_SECONDS = float(os.environ.get("BEACON_REDIS_OUTAGE_SECONDS", "120"))


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="stops real services: set BEACON_RELIABILITY=1 (.ci/run does)")
    for item in items:
        if item.get_closest_marker("reliability"):  # the mark, not the folder's name
            item.add_marker(skip)


def broker_redis() -> tuple[int, str | None]:
    """Return the port and password of the suite's Redis broker, which must be on this machine."""
    url = urlparse(settings.CELERY_BROKER_URL)
    if url.scheme != "redis" or (url.hostname or "127.0.0.1") not in {
        "127.0.0.1",
        "localhost",
        "::1",
    }:
        pytest.fail(f"fault tests stop and start a local Redis; the broker is {url.scheme}")
    return url.port or 6379, url.password


def _redis_cli(*args: str) -> subprocess.CompletedProcess:
    port, password = broker_redis()
    command = ["redis-cli", "-h", "127.0.0.1", "-p", str(port)]
    env = dict(os.environ, REDISCLI_AUTH=password) if password else None
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env)


def redis_up() -> bool:
    return _redis_cli("ping").stdout.strip() == "PONG"


def start_redis() -> None:
    port, password = broker_redis()
    if not redis_up():
        command = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1"]
        command += ["--port", str(port), "--save", "", "--appendonly", "no"]
        if password:
            command += ["--requirepass", password]
        subprocess.run(command, check=True)
    deadline = time.monotonic() + 30
    while not redis_up():
        if time.monotonic() > deadline:
            raise RuntimeError("Redis did not come back")
        time.sleep(0.2)


def _redis_pid() -> int:
    info = _redis_cli("info", "server").stdout
    return int(next(line for line in info.splitlines() if line.startswith("process_id:"))[11:])


@contextmanager
def redis_stopped(*, kill: bool = False):
    """Stop Redis for the block (SIGKILL with kill=True, as a crash would); restart it after.

    Redis runs without persistence, as in .ci/run: whatever it held is gone when it returns.
    """
    if kill:
        os.kill(_redis_pid(), signal.SIGKILL)
    else:
        _redis_cli("shutdown", "nosave")
    try:
        deadline = time.monotonic() + 10
        while redis_up() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not redis_up(), "Redis did not stop"
        yield
    finally:
        start_redis()


def postgres_restart() -> None:
    """Restart the PostgreSQL cluster (every connection is cut) and wait until it answers."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    try:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            check=True,
            timeout=120,
        )
    finally:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"])
            if ready.returncode == 0:
                break
            time.sleep(0.5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """The real web server in a subprocess, on the test database."""

    def __init__(self, tmp_path: Path, extra_env: dict[str, str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "gunicorn.log"
        env = worker_environment({"DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"})
        env.update(extra_env or {})
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.get("/login/")
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{self.log()}")

    def get(self, path: str, opener=None) -> tuple[int, str]:
        opener = opener or urllib.request.build_opener()
        try:
            with opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=10)


class Beat:
    """A real `celery beat` on the test queue, with its schedule file in tmp_path."""

    def __init__(self, tmp_path: Path):
        self.log_path = tmp_path / "beat.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--schedule",
                str(tmp_path / "beat-schedule"),
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=worker_environment(),
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=10)


class ProductionWorker(CeleryWorker):
    """A `celery worker` started as production and `make run` start it (gossip and mingle on).

    The suite's usual worker runs with --without-gossip --without-mingle to start fast; those
    features open the broker connections whose loss killed the worker, so fault tests need them.
    """

    def start(self) -> "ProductionWorker":
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
            + ["--concurrency", str(self.concurrency), "--queues", TEST_QUEUE],
            cwd=ROOT,
            env=worker_environment(self.extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self
