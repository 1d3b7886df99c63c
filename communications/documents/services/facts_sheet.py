"""The key facts sheet: prefilled on first use; approving new facts re-renders the documents."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.activity import log_activity
from incidents.locking import lock_incident
from incidents.models import Incident

from .. import permissions
from ..keyfacts import KEY_FACTS_BY_KEY, validate_fact
from ..models import Document, DocumentVersion, KeyFactsSheet
from .versions import SYSTEM_AUTHOR, save_version


def facts_prefill(incident: Incident) -> dict[str, str]:
    """Return starting values for a new facts sheet from the incident and the hospital."""
    from incidents.models import Hospital

    hospital = Hospital.current()
    values = {"hospital_name": hospital.name, "incident_name": "Cybersecurity incident"}
    if hospital.hotline:
        values["hotline"] = hospital.hotline
    if hospital.website:
        values["website"] = hospital.website
    if hospital.address:
        values["postal_address"] = ", ".join(hospital.address.splitlines())
    discovery = incident.events.filter(kind="discovery", is_current=True).first()
    if discovery:
        local = timezone.localtime(discovery.occurred_at, incident.tz)
        values["discovery_date"] = f"{local:%B} {local.day}, {local.year}"
    if incident.affected_total:
        values["affected_count"] = f"{incident.affected_total:,}"
    return values


def facts_sheet_for(incident: Incident) -> KeyFactsSheet:
    """Return the incident's facts sheet, creating it (prefilled) on first use."""
    sheet = KeyFactsSheet.objects.filter(incident=incident).first()
    if sheet is None:
        sheet, _ = KeyFactsSheet.objects.get_or_create(
            incident=incident, defaults={"values": facts_prefill(incident)}
        )
    return sheet


@transaction.atomic
def facts_sheet_update(*, actor, incident: Incident, values: dict[str, str]) -> KeyFactsSheet:
    """Approve new key facts; every document that used a changed fact needs re-approval."""
    incident = lock_incident(incident)
    if not permissions.can_edit_facts_sheet(actor, incident):
        raise PermissionDenied("Only legal or the Incident Commander can approve key facts.")
    errors = {}
    for key, value in values.items():
        if key not in KEY_FACTS_BY_KEY:
            errors[key] = f"Unknown fact {key!r}."
        elif problem := validate_fact(key, value):
            errors[key] = problem
    if errors:
        raise ValidationError(errors)
    sheet = facts_sheet_for(incident)
    sheet = KeyFactsSheet.objects.select_for_update().get(pk=sheet.pk)
    new_values = {k: v.strip() for k, v in values.items() if v and v.strip()}
    changed = sorted(
        key
        for key in set(sheet.values) | set(new_values)
        if sheet.values.get(key) != new_values.get(key)
    )
    if not changed:
        return sheet
    before = {k: sheet.values.get(k) for k in changed}
    sheet.values = new_values
    sheet.revision += 1
    sheet.updated_by = actor
    sheet.updated_at = timezone.now()
    sheet.save()
    log_activity(
        incident=incident,
        actor=actor,
        action="document.facts_approved",
        summary=f"Approved key facts (revision {sheet.revision}): changed {', '.join(changed)}",
        before=before,
        after={k: new_values.get(k) for k in changed},
    )
    _rerender_documents_using(incident, sheet, set(changed))
    return sheet


def _rerender_documents_using(incident: Incident, sheet: KeyFactsSheet, changed: set[str]):
    """Give every document whose text used a changed fact a new version by Beacon."""
    documents = Document.objects.select_for_update(of=("self",)).filter(incident=incident)
    for document in documents.select_related("current_version"):
        version = document.current_version
        if version is None or not changed & _uses(version):
            continue
        save_version(
            document=document,
            body=version.body,
            author=SYSTEM_AUTHOR,
            note="Key facts changed: " + ", ".join(sorted(changed & _uses(version))),
            facts=sheet.values,
        )
        document.facts_changed_at = timezone.now()
        document.save(update_fields=["facts_changed_at", "updated_at"])
        log_activity(
            incident=incident,
            actor=None,
            action="document.facts_changed",
            summary=f"'{document.title}' uses changed facts "
            f"({', '.join(sorted(changed & _uses(version)))}): new version "
            f"{document.current_version.number}; it needs approval again",
            after={"document": document.pk, "version": document.current_version.number},
        )


def _uses(version: DocumentVersion) -> set[str]:
    return set(version.facts_used) | set(version.missing_facts)
