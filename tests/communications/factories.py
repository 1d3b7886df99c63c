"""Documents in a given state, built through the services."""

from communications.documents import services
from communications.models import DocumentTemplate
from tests.incidents.factories import discovered_incident

HOLDING = """# Statement from {{ hospital_name }}

We are responding to a cybersecurity incident. Call {{ hotline }}.

## Next update

We will update this statement by 5 pm today.
"""

FACTS = {
    "hospital_name": "Riverside Community Hospital",
    "hotline": "1-800-555-0199",
    "website": "https://riverside.example/notice",
}


def incident_with_facts(command_user, legal_user, comms_user, **incident_fields):
    incident = discovered_incident(command_user, **incident_fields)
    from incidents import services as incident_services

    incident_services.member_add(actor=command_user, incident=incident, user=comms_user)
    incident_services.member_add(actor=command_user, incident=incident, user=legal_user)
    services.facts_sheet_update(actor=legal_user, incident=incident, values=FACTS)
    return incident


def draft(incident, author, *, body=HOLDING, kind="holding_statement", title="Holding statement"):
    return services.document_create(
        actor=author, incident=incident, kind=kind, title=title, body=body
    )


def approved(incident, author, legal, executive=None, **kwargs):
    document = draft(incident, author, **kwargs)
    services.document_submit(actor=author, document=document)
    services.document_approve(actor=legal, document=document)
    document.refresh_from_db()
    if document.status == "awaiting_signoff":
        services.document_signoff(actor=executive, document=document)
        document.refresh_from_db()
    return document


def starter(kind="holding_statement"):
    services.templates_sync_starter()
    return DocumentTemplate.objects.filter(kind=kind).first()
