"""A worker dies in the middle of a run; a new one resumes it: no letter missing, none twice."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from communications.mailmerge import services
from communications.models import MailMergeChunk, MailMergeRun, RunStatus
from tests.communications.mailmerge.conftest import (
    PASSPHRASE,
    imported_batch,
    mixed_rows,
    page_count,
)
from tests.conftest import CeleryWorker, wait_until


@pytest.fixture
def worker_env(transactional_db, signing, signing_p12_path, tmp_path):
    """Environment for workers that share this test's MEDIA_ROOT and signing key."""
    worker_var = tmp_path / "worker-var"
    worker_var.mkdir()
    signing.MEDIA_ROOT = str(worker_var / "media")
    signing.BEACON_MAILMERGE_STALL_SECONDS = 0  # resume at once after the crash
    return {
        "BEACON_VAR_DIR": str(worker_var),
        "BEACON_SIGNING_P12": str(signing_p12_path),
        "BEACON_SIGNING_PASSPHRASE": PASSPHRASE,
        "BEACON_TSA_URL": "",
        # Slow each chunk so the kill lands between the first and the last chunk.
        "BEACON_MAILMERGE_CHUNK_PAUSE_SECONDS": "0.6",
    }


def chunks_done(run: MailMergeRun) -> int:
    return MailMergeChunk.objects.filter(run=run).count()


@pytest.mark.celery
def test_run_resumes_after_a_worker_crash_with_every_letter_exactly_once(
    worker_env, command_user, incident, letter_documents
):
    rows = mixed_rows(100)
    batch = imported_batch(command_user, incident, letter_documents, rows)
    first = CeleryWorker(extra_env=worker_env).start()
    try:
        run = services.run_start(actor=command_user, batch=batch, chunk_size=20)
        wait_until(
            lambda: chunks_done(run) >= 1,
            timeout=120,
            what=f"the first chunk (worker log: {first.log_path})",
        )
        first.kill()  # SIGKILL of the whole process group, as a crash would
    finally:
        first.stop()
    crashed_at = chunks_done(run)
    assert 1 <= crashed_at < 5
    run.refresh_from_db()
    assert run.status == RunStatus.GENERATING

    second = CeleryWorker(extra_env=worker_env).start()
    try:
        services.run_resume(actor=command_user, run=run)
        wait_until(
            lambda: MailMergeRun.objects.get(pk=run.pk).status != RunStatus.GENERATING,
            timeout=180,
            what=f"the resumed run (worker log: {second.log_path})",
        )
    finally:
        second.stop()

    run.refresh_from_db()
    assert run.status == RunStatus.GENERATED, run.error
    assert run.resumed_count == 1
    chunks = list(run.chunks.order_by("index"))
    assert [chunk.index for chunk in chunks] == [0, 1, 2, 3, 4]
    manifest = []
    for chunk in chunks:
        text = Path(chunk.manifest_file.path).read_text()
        in_file = list(csv.reader(io.StringIO(text)))
        manifest.extend(in_file)
        assert len(in_file) == chunk.letters == 20
        assert int(in_file[-1][4]) == chunk.pages == page_count(chunk.file.path)
    counts = Counter(row[0] for row in manifest)
    assert set(counts) == {row["reference"] for row in rows}
    assert set(counts.values()) == {1}
    assert run.letters_done == 100
    staging = list(Path(chunks[0].file.path).parent.glob(".staging-*"))
    assert staging == []
