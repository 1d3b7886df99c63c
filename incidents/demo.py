"""The demo hospital's ransomware incident, built through the services so it is fully logged."""

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import CommandRole, Hospital, Incident, IncidentType, Severity

DEMO_TITLE = "Ransomware attack: EHR and email encrypted"


def seed_demo_hospital() -> Hospital:
    hospital = Hospital.current()
    if hospital.name == "Our Hospital":
        hospital.name = "Riverside Community Hospital"
        hospital.address = "1200 River Road\nSpringfield, IL 62701"
        hospital.hotline = "1-800-555-0199"
        hospital.website = "https://www.riverside-hospital.example/notice"
        hospital.save()
    return hospital


def seed_demo_incident(users) -> Incident:
    """Create the demo incident once; return the existing one on later runs."""
    existing = Incident.objects.filter(title=DEMO_TITLE).first()
    if existing:
        return existing
    command, comms, legal = users["command"], users["comms"], users["legal"]
    now = timezone.now()
    incident = services.incident_open(
        actor=command,
        title=DEMO_TITLE,
        incident_type=IncidentType.RANSOMWARE,
        severity=Severity.SEV1,
        description=(
            "At 02:10 the overnight IT on-call saw ransom notes on file servers. The EHR, email "
            "and imaging archive are encrypted; downtime procedures are active in every unit. "
            "Forensics (through the cyber insurer) found signs that patient files were copied "
            "out before encryption."
        ),
        internal_summary="Threat actor claims 120 GB exfiltrated. Do not confirm or deny.",
        time_zone="America/Chicago",
        discovered_at=now - timedelta(days=4, hours=3),
        discovery_evidence="IT on-call ticket INC-20931; ransom note photographed at 02:14.",
    )
    for role, user in (
        (CommandRole.PIO, comms),
        (CommandRole.LEGAL_LEAD, legal),
        (CommandRole.PRIVACY_OFFICER, legal),
    ):
        services.command_role_assign(actor=command, incident=incident, role=role, user=user)
    services.member_add(actor=command, incident=incident, user=users["comms2"])
    services.member_add(actor=command, incident=incident, user=users["exec"])
    services.incident_change_status(actor=command, incident=incident, to="active")
    services.anchor_event_record(
        actor=command,
        incident=incident,
        kind="detection",
        occurred_at=now - timedelta(days=4, hours=3, minutes=20),
        evidence="EDR alert 01:50 on FS-02 (mass file renames).",
    )
    services.anchor_event_record(
        actor=legal,
        incident=incident,
        kind="awareness",
        occurred_at=now - timedelta(days=4, hours=2),
        evidence="Privacy officer briefed by the CISO.",
    )
    services.anchor_event_record(
        actor=legal,
        incident=incident,
        kind="determination",
        occurred_at=now - timedelta(days=1, hours=5),
        evidence="Forensics preliminary report: exfiltration of patient files confirmed.",
    )
    for system, state, note in (
        ("ehr", "down", "Encrypted; paper downtime procedures"),
        ("email", "down", "Exchange servers encrypted"),
        ("imaging", "degraded", "Modalities up, archive offline"),
        ("phones", "degraded", "Internal lines only"),
    ):
        services.system_status_set(
            actor=command, incident=incident, system=system, state=state, note=note
        )
    services.facts_update(
        actor=legal,
        incident=incident,
        affected_total=48_210,
        unreachable_count=312,
        phi_categories=[
            "name",
            "address",
            "date_of_birth",
            "medical_record",
            "diagnosis",
            "insurance",
        ],
        business_associate=False,
    )
    services.affected_regions_set(
        actor=legal,
        incident=incident,
        counts={"US-IL": 45_900, "US-MO": 1_640, "US-CA": 520, "US-NY": 96, "US-TX": 54},
    )
    services.risk_assessment_save(
        actor=legal,
        incident=incident,
        nature_and_extent="Names, dates of birth, MRNs, diagnoses and insurance IDs.",
        unauthorized_recipient="Criminal ransomware group (unknown individuals).",
        acquired_or_viewed="Exfiltration confirmed by forensics.",
        mitigation="Ransom not paid; FBI notified; dark-web monitoring engaged.",
    )
    services.risk_assessment_sign(actor=legal, incident=incident, decision="breach")
    for key in (
        "brief-ceo-board",
        "insurer-hotline",
        "preserve-evidence",
        "record-discovery",
        "downtime-procedures",
        "staff-message",
    ):
        task = incident.tasks.get(key=key)
        services.task_set_done(actor=command, task=task, done=True)
    return incident
