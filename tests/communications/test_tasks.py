"""Services wake workers by task name (incidents.jobs.enqueue), so no import checks the names."""

import json
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

import communications

ENQUEUED_NAME = re.compile(r"""enqueue\(\s*["']([\w.]+)["']""")


def enqueued_task_names() -> set[str]:
    """Return every task name a communications module passes to enqueue()."""
    root = Path(communications.__file__).parent
    return {
        name
        for path in root.rglob("*.py")
        for name in ENQUEUED_NAME.findall(path.read_text(encoding="utf-8"))
    }


def worker_task_names() -> set[str]:
    """Return the tasks a freshly started worker registers (autodiscovery, nothing imported)."""
    script = (
        "import django, json; django.setup(); from config.celery import app; "
        "app.loader.import_default_modules(); print(json.dumps(sorted(app.tasks)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_every_task_a_service_enqueues_or_beat_schedules_is_found_by_autodiscovery():
    enqueued = enqueued_task_names()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "communications.tasks.release_render_pdf",
        "communications.tasks.mailmerge_run_generate",
        "communications.tasks.binder_build",
        "communications.stakeholders.send_batch",
    } <= enqueued
    assert not (enqueued | scheduled) - worker_task_names()
