"""`make run`'s process manager: a process that dies is restarted; Ctrl-C stops every process.

Under honcho one exiting process stopped web, worker and beat together, and a worker killed by a
Redis blip took the whole of `make run` with it. supervisord (supervisord.conf) restarts it.
"""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT, wait_until, worker_environment
from tests.reliability.conftest import free_port

pytestmark = pytest.mark.celery


def spawned(log: str, program: str) -> list[int]:
    return [int(pid) for pid in re.findall(rf"spawned: '{program}' with pid (\d+)", log)]


def running(log: str, program: str) -> int:
    return log.count(f"success: {program} entered RUNNING state")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_worker_is_restarted_alone_and_ctrl_c_stops_everything(transactional_db, tmp_path):
    port = free_port()
    log_path = tmp_path / "run.log"
    env = worker_environment({"BEACON_PORT": str(port), "BEACON_VAR_DIR": str(tmp_path)})
    manager = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "supervisord"),
            "--configuration",
            str(ROOT / "supervisord.conf"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("ab"),  # appended: the processes write to it at their own offsets
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def log() -> str:
        return log_path.read_text(errors="replace")

    pids: list[int] = []
    try:
        wait_until(
            lambda: all(running(log(), p) for p in ("web", "worker", "beat")),
            timeout=120,
            what="web, worker and beat to start\n" + log()[-3000:],
        )
        web, worker, beat = (spawned(log(), p)[0] for p in ("web", "worker", "beat"))
        pids += [web, worker, beat]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=30) as page:
            assert page.status == 200

        os.killpg(worker, signal.SIGKILL)  # the worker and its pool die, as in a crash
        wait_until(
            lambda: len(spawned(log(), "worker")) == 2 and running(log(), "worker") == 2,
            timeout=120,
            what="the worker to be started again\n" + log()[-3000:],
        )
        restarted = spawned(log(), "worker")[1]
        pids.append(restarted)
        assert restarted != worker and alive(restarted)
        assert alive(web) and alive(beat), "web and beat kept running"
        assert spawned(log(), "web") == [web] and spawned(log(), "beat") == [beat]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=30) as page:
            assert page.status == 200

        manager.send_signal(signal.SIGINT)  # Ctrl-C
        assert manager.wait(timeout=120) == 0
        assert not [pid for pid in (web, restarted, beat) if alive(pid)], log()[-3000:]
    finally:
        if manager.poll() is None:
            manager.send_signal(signal.SIGTERM)
            manager.wait(timeout=120)
        for pid in pids:
            if alive(pid):
                os.killpg(pid, signal.SIGKILL)
        time.sleep(0.5)
