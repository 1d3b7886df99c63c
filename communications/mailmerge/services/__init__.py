"""Every write of the letters feature, one module per step; import them from here.

`recipient_import` (preview, confirm, discard), `variants` (which letter each variant prints),
`runs` (start, cancel, resume, mailed), `generation` (the worker's side: writing the letter
files), `purge` (patient data past its date). Patient data never reaches a log line or the
activity log: both carry counts and ids only.
"""

from .generation import (
    MAILMERGE_DIR,
    MANIFEST_HEADER,
    chunk_beacon_ref,
    email_pdf_name,
    run_directory,
    run_generate,
)
from .purge import batch_purge, batches_purge_due
from .recipient_import import (
    MAX_UPLOAD_BYTES,
    batch_confirm,
    batch_discard,
    batch_preview,
    incident_unreachable_total,
    recipient_from_row,
    retention_days,
    row_from_recipient,
    suggested_document,
)
from .runs import (
    run_cancel,
    run_is_stalled,
    run_record_mailed,
    run_resume,
    run_start,
    runs_resume_stalled,
    stall_seconds,
)
from .variants import letter_version, variant_assign, variant_problems

__all__ = [
    "MAILMERGE_DIR",
    "MANIFEST_HEADER",
    "MAX_UPLOAD_BYTES",
    "batch_confirm",
    "batch_discard",
    "batch_preview",
    "batch_purge",
    "batches_purge_due",
    "chunk_beacon_ref",
    "email_pdf_name",
    "incident_unreachable_total",
    "letter_version",
    "recipient_from_row",
    "retention_days",
    "row_from_recipient",
    "run_cancel",
    "run_directory",
    "run_generate",
    "run_is_stalled",
    "run_record_mailed",
    "run_resume",
    "run_start",
    "runs_resume_stalled",
    "stall_seconds",
    "suggested_document",
    "variant_assign",
    "variant_problems",
]
