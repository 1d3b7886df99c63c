"""Celery tasks for PDFs: sign a released version once, build an incident binder.

Both take ids, re-read their rows and are safe to run twice: a released version already stored
is not signed again, and a finished binder job is left alone.
"""

import logging

from celery import shared_task

from communications.models import Release
from communications.pdf import binder, notices

logger = logging.getLogger(__name__)


@shared_task(name="communications.tasks.release_render_pdf", ignore_result=True)
def release_render_pdf(release_id: int) -> None:
    """Render and sign the released version's PDF, storing it for downloads and verification."""
    release = (
        Release.objects.select_related("version__document__incident").filter(pk=release_id).first()
    )
    if release is None:
        logger.warning("release %s no longer exists; nothing to render", release_id)
        return
    try:
        notices.version_signed_pdf(release.version)
    except notices.SigningNotConfigured:
        # Downloads will render it later, once a certificate is configured.
        logger.error("release %s: no signing certificate; PDF not generated", release_id)


@shared_task(name="communications.tasks.binder_build", ignore_result=True)
def binder_build(job_id: int) -> None:
    """Build the incident binder PDF of a job, writing its progress as it goes."""
    binder.binder_build_run(job_id)


__all__ = ["release_render_pdf", "binder_build"]
