"""Reads for the letters pages and the dashboard, already filtered by what the user may see."""

from django.http import Http404

from incidents.models import Incident
from incidents.selectors import visible_incidents

from ..models import LetterVariant, MailMergeRun, RecipientBatch, RunStatus


def visible_batch(user, pk) -> RecipientBatch:
    """Return the batch, or raise 404 when the user may not see its incident."""
    batch = (
        RecipientBatch.objects.select_related("incident", "uploaded_by", "confirmed_by")
        .filter(pk=pk, incident__in=visible_incidents(user))
        .first()
    )
    if batch is None:
        raise Http404("No such recipient list.")
    return batch


def visible_run(user, pk) -> MailMergeRun:
    """Return the run, or raise 404 when the user may not see its incident."""
    run = (
        MailMergeRun.objects.select_related("batch__incident", "started_by")
        .filter(pk=pk, batch__incident__in=visible_incidents(user))
        .first()
    )
    if run is None:
        raise Http404("No such letter run.")
    return run


def visible_variant(user, pk) -> LetterVariant:
    variant = (
        LetterVariant.objects.select_related("batch__incident")
        .filter(pk=pk, batch__incident__in=visible_incidents(user))
        .first()
    )
    if variant is None:
        raise Http404("No such letter variant.")
    return variant


def incident_batches(incident: Incident):
    """Return the incident's recipient lists, newest first, with their runs."""
    return (
        RecipientBatch.objects.filter(incident=incident)
        .select_related("uploaded_by")
        .prefetch_related("runs")
        .order_by("-uploaded_at")
    )


def current_run(batch: RecipientBatch) -> MailMergeRun | None:
    """Return the run that counts for a batch: the newest generating or generated one."""
    return (
        batch.runs.filter(status__in=[RunStatus.GENERATING, RunStatus.GENERATED])
        .order_by("-started_at")
        .first()
    )


def letters_progress(incident: Incident) -> dict:
    """Return the incident's letters: to send (usable addresses), generated, and mailed.

    Counts come from batches and runs, not recipient rows, so they survive the purge. "mailed"
    equal to "total" (and total > 0) means every imported recipient with a usable address was
    mailed; the lead may then mark hipaa.individuals met. Nothing here marks it.
    """
    total = generated = mailed = 0
    batches = RecipientBatch.objects.filter(incident=incident, confirmed_at__isnull=False)
    for batch in batches:
        total += batch.usable_count
        run = current_run(batch)
        if run is None:
            continue
        generated += run.letters_done
        if run.status == RunStatus.GENERATED and run.mailed_on:
            mailed += run.letters_done
    return {
        "total": total,
        "generated": generated,
        "mailed": mailed,
        "all_mailed": total > 0 and mailed == total,
    }
