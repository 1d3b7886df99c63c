"""Every write to documents, one module per responsibility; import them from here.

`drafting` (create, save, restore, the starter library), `facts_sheet` (the key facts and the
re-rendering they cause), `approvals` (submit, approve, sign off, changes, withdraw, comment),
`release` (readiness, release, the obligations a release meets), and `versions` (the immutable
versions they all write). Each service is keyword-only and atomic, locks the incident first
(`incidents.locking.lock_incident`) and then its documents, refuses an illegal move with a message
that names the problem, and writes the incident's activity log in the same transaction.
"""

from .approvals import (
    document_approve,
    document_checks,
    document_comment,
    document_request_changes,
    document_signoff,
    document_submit,
    document_withdraw,
)
from .drafting import (
    EditConflict,
    document_create,
    document_restore,
    document_save,
    templates_sync_starter,
)
from .facts_sheet import facts_prefill, facts_sheet_for, facts_sheet_update
from .release import Readiness, document_release, release_readiness
from .versions import SYSTEM_AUTHOR, content_sha256

__all__ = [
    "SYSTEM_AUTHOR",
    "EditConflict",
    "Readiness",
    "content_sha256",
    "document_approve",
    "document_checks",
    "document_comment",
    "document_create",
    "document_release",
    "document_request_changes",
    "document_restore",
    "document_save",
    "document_signoff",
    "document_submit",
    "document_withdraw",
    "facts_prefill",
    "facts_sheet_for",
    "facts_sheet_update",
    "release_readiness",
    "templates_sync_starter",
]
