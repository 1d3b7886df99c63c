"""Drafting: start a document, save edits as versions, restore an old one, sync the starters."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from incidents.activity import log_activity
from incidents.locking import lock_incident
from incidents.models import Incident

from .. import permissions
from ..kinds import kind_spec
from ..models import Document, DocumentTemplate, DocumentVersion
from ..templating import validate_template
from .facts_sheet import facts_sheet_for
from .versions import lock_document, save_version


class EditConflict(Exception):
    """Saving on top of an older version: the author must merge with the newer text."""

    def __init__(self, current: DocumentVersion):
        super().__init__(f"Version {current.number} was saved after the one you edited.")
        self.current = current


@transaction.atomic
def document_create(
    *,
    actor,
    incident: Incident,
    kind: str,
    title: str,
    template: DocumentTemplate | None = None,
    body: str = "",
    language: str = "en",
    california: bool = False,
    eu_regulator: bool = False,
) -> Document:
    """Start a document, from a template or blank, as version 1."""
    incident = lock_incident(incident)
    if not permissions.can_draft(actor, incident):
        raise PermissionDenied("You may not write documents for this incident.")
    kind_spec(kind)
    if template is not None:
        body = body or template.body
        language = template.language
        california = california or template.california
    if errors := validate_template(body):
        raise ValidationError({"body": errors})
    document = Document.objects.create(
        incident=incident,
        kind=kind,
        title=title.strip() or (template.title if template else "Untitled"),
        template=template,
        language=language,
        california=california,
        eu_regulator=eu_regulator,
        created_by=actor,
    )
    version = save_version(
        document=document,
        body=body,
        author=actor,
        note="Created" + (f" from template '{template.title}'" if template else ""),
        facts=facts_sheet_for(incident).values,
    )
    log_activity(
        incident=incident,
        actor=actor,
        action="document.created",
        summary=f"Started {document.get_kind_display().lower()} '{document.title}'"
        + (f" from template '{template.title}'" if template else ""),
        after={"document": document.pk, "version": version.number, "sha256": version.sha256},
    )
    return document


@transaction.atomic
def document_save(
    *, actor, document: Document, body: str, base_version: int, note: str = ""
) -> DocumentVersion:
    """Save an edit as a new version, refusing to overwrite a newer one silently."""
    document = lock_document(document)
    if not permissions.can_draft(actor, document.incident):
        raise PermissionDenied("You may not edit this document.")
    current = document.current_version
    if current.number != base_version:
        raise EditConflict(current)
    if body == current.body:
        return current
    if errors := validate_template(body):
        raise ValidationError({"body": errors})
    version = save_version(
        document=document,
        body=body,
        author=actor,
        note=note,
        facts=facts_sheet_for(document.incident).values,
    )
    document.facts_changed_at = None
    document.save(update_fields=["facts_changed_at", "updated_at"])
    log_activity(
        incident=document.incident,
        actor=actor,
        action="document.edited",
        summary=f"Saved '{document.title}' v{version.number}" + (f": {note}" if note else ""),
        before={"version": current.number, "sha256": current.sha256},
        after={"version": version.number, "sha256": version.sha256},
    )
    return version


@transaction.atomic
def document_restore(*, actor, document: Document, number: int) -> DocumentVersion:
    """Restore an old version's text as a new version."""
    document = lock_document(document)
    old = document.versions.filter(number=number).first()
    if old is None:
        raise ValidationError(f"There is no version {number}.")
    return document_save(
        actor=actor,
        document=document,
        body=old.body,
        base_version=document.current_version.number,
        note=f"Restored from v{number}",
    )


@transaction.atomic
def templates_sync_starter() -> int:
    """Load the shipped starter templates into the library (idempotent); return how many changed."""
    from ..starter_library import load_starter_templates

    changed = 0
    for starter in load_starter_templates():
        fields = {
            "title": starter.title,
            "kind": starter.kind,
            "incident_types": list(starter.incident_types),
            "language": starter.language,
            "california": starter.california,
            "description": starter.description,
            "body": starter.body,
            "source": DocumentTemplate.Source.STARTER,
        }
        existing = DocumentTemplate.objects.filter(slug=starter.slug).first()
        if existing is None:
            DocumentTemplate.objects.create(slug=starter.slug, **fields)
            changed += 1
        elif existing.source == DocumentTemplate.Source.STARTER and any(
            getattr(existing, k) != v for k, v in fields.items()
        ):
            for key, value in fields.items():
                setattr(existing, key, value)
            existing.save()
            changed += 1
    return changed
