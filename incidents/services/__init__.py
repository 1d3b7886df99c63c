"""Every write to an incident: keyword-only, atomic, validated, logged in the same transaction.

One module per area; import the services from `incidents.services`. Each service locks the
incident first (`lock_incident`), checks who may (`permissions.require`), refuses bad input with
a ValidationError naming the problem, and writes its activity-log entry before it returns.
Obligations and calendar feeds are in incidents/obligations.py.
"""

from .facts import (
    affected_regions_set,
    anchor_event_record,
    facts_changed,
    facts_update,
    hold_end,
    hold_record,
    parse_region_counts,
)
from .incident import (
    EDITABLE_FIELDS,
    incident_change_status,
    incident_open,
    incident_set_restricted,
    incident_update,
)
from .playbook import task_assign, task_set_done
from .profile import hospital_profile_update, incident_profile_update
from .risk import risk_assessment_save, risk_assessment_sign
from .systems import system_status_set
from .team import command_role_assign, member_add, member_remove

__all__ = [
    "EDITABLE_FIELDS",
    "affected_regions_set",
    "anchor_event_record",
    "command_role_assign",
    "facts_changed",
    "facts_update",
    "hospital_profile_update",
    "hold_end",
    "hold_record",
    "incident_change_status",
    "incident_open",
    "incident_profile_update",
    "incident_set_restricted",
    "incident_update",
    "member_add",
    "member_remove",
    "parse_region_counts",
    "risk_assessment_save",
    "risk_assessment_sign",
    "system_status_set",
    "task_assign",
    "task_set_done",
]
