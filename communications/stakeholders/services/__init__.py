"""Every write of the stakeholders feature, one module per area; import them from here.

`directory` (groups and contacts, CSV import), `stakeholder_map` (an incident's groups, owners and
status), `notifications` (the HICS 213 log kept by hand), `sending` (emailing a released document,
with retries kept in the rows).
"""

from .directory import (
    CONTACT_FIELDS,
    ImportResult,
    contact_save,
    contact_set_active,
    contacts_import,
    group_ids_for_import,
    stakeholder_group_create,
    stakeholder_groups_seed,
)
from .notifications import notification_outcome_set, notification_record
from .sending import (
    BatchResult,
    build_email,
    error_label,
    retry_delay,
    send_finish,
    send_process_due,
    send_start,
    sends_due,
)
from .stakeholder_map import stakeholder_map_add, stakeholder_map_update, stakeholder_status_set

__all__ = [
    "CONTACT_FIELDS",
    "BatchResult",
    "ImportResult",
    "build_email",
    "contact_save",
    "contact_set_active",
    "contacts_import",
    "error_label",
    "group_ids_for_import",
    "notification_outcome_set",
    "notification_record",
    "retry_delay",
    "send_finish",
    "send_process_due",
    "send_start",
    "sends_due",
    "stakeholder_group_create",
    "stakeholder_groups_seed",
    "stakeholder_map_add",
    "stakeholder_map_update",
    "stakeholder_status_set",
]
