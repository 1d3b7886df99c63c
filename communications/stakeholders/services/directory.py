"""The stakeholder directory: its groups and contacts, edited by hand or imported from CSV."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .. import permissions
from ..contacts_csv import ContactRow, contact_detail_problems
from ..models import (
    SEEDED_STAKEHOLDER_GROUPS,
    Contact,
    ContactChannel,
    StakeholderGroup,
    StakeholderKind,
)


def stakeholder_groups_seed() -> int:
    """Create any seeded group that is missing (idempotent); return how many were created."""
    existing = set(
        StakeholderGroup.objects.exclude(kind=StakeholderKind.CUSTOM).values_list("kind", flat=True)
    )
    missing = [(k, d) for k, d in SEEDED_STAKEHOLDER_GROUPS if k not in existing]
    for kind, description in missing:
        StakeholderGroup.objects.get_or_create(
            kind=kind,
            defaults={"name": StakeholderKind(kind).label, "description": description},
        )
    return len(missing)


def _require_directory_editor(actor) -> None:
    if not permissions.can_edit_directory(actor):
        raise PermissionDenied("Only Communications and Incident Command edit the directory.")


@transaction.atomic
def stakeholder_group_create(*, actor, name: str, description: str = "") -> StakeholderGroup:
    """Add a hospital-specific stakeholder group."""
    _require_directory_editor(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the group."})
    if StakeholderGroup.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A group with this name already exists."})
    return StakeholderGroup.objects.create(
        name=name, kind=StakeholderKind.CUSTOM, description=description.strip()
    )


CONTACT_FIELDS = Contact.EDITABLE_FIELDS


@transaction.atomic
def contact_save(*, actor, contact: Contact | None = None, **fields) -> Contact:
    """Create a contact, or update one, refusing details that cannot reach them."""
    _require_directory_editor(actor)
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown contact fields: {', '.join(sorted(unknown))}")
    fields = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if not fields.get("name"):
        raise ValidationError({"name": "Give the contact's name."})
    problems = contact_detail_problems(
        email=fields.get("email", ""),
        phone=fields.get("phone", ""),
        postal_address=fields.get("postal_address", ""),
        preferred_channel=fields.get("preferred_channel", ContactChannel.EMAIL),
    )
    if problems:
        raise ValidationError({k: v[0].upper() + v[1:] for k, v in problems.items()})
    if contact is None:
        return Contact.objects.create(**fields)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    for key, value in fields.items():
        setattr(contact, key, value)
    contact.save()
    return contact


@transaction.atomic
def contact_set_active(*, actor, contact: Contact, active: bool) -> Contact:
    """Retire a contact (kept for the log) or bring one back."""
    _require_directory_editor(actor)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.active != active:
        contact.active = active
        contact.save(update_fields=["active", "updated_at"])
    return contact


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


@transaction.atomic
def contacts_import(*, actor, rows: list[ContactRow]) -> ImportResult:
    """Add or update contacts from validated CSV rows, all or nothing.

    A row matches an existing contact of its group by email (any case), else by name.
    """
    _require_directory_editor(actor)
    group_ids = {row.group_id for row in rows}
    existing = {}
    for contact in Contact.objects.select_for_update().filter(group_id__in=group_ids):
        existing.setdefault((contact.group_id, (contact.email or contact.name).casefold()), contact)
    created = updated = 0
    for row in rows:
        fields = {
            "group_id": row.group_id,
            "name": row.name,
            "organisation": row.organisation,
            "role": row.role,
            "email": row.email,
            "phone": row.phone,
            "postal_address": row.postal_address,
            "preferred_channel": row.preferred_channel,
            "notes": row.notes,
            "active": True,
        }
        contact = existing.get(row.key())
        if contact is None:
            Contact.objects.create(**fields)
            created += 1
        elif any(getattr(contact, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(contact, key, value)
            contact.save()
            updated += 1
    return ImportResult(created, updated)


def group_ids_for_import() -> dict[str, int]:
    """Return group ids by casefolded name, and by kind for the seeded groups."""
    ids = {}
    for pk, name, kind in StakeholderGroup.objects.values_list("pk", "name", "kind"):
        ids[name.casefold()] = pk
        if kind != StakeholderKind.CUSTOM:
            ids.setdefault(kind, pk)
    return ids
