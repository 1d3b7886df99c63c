"""Demo documents in every workflow state, built through the services (so fully logged)."""

from datetime import timedelta

from django.utils import timezone

from .documents import services
from .documents.keyfacts import example_facts
from .models import Document, DocumentTemplate

BOARD_BRIEFING = """# Board briefing: {{ incident_name }}

## Situation

{{ what_happened }}

## Decisions needed

- Approve the credit-monitoring offer: {{ credit_monitoring_offer }}.
- Confirm the spokesperson: {{ spokesperson }}, {{ spokesperson_title }}.

## Exposure

About {{ affected_count }} patients; notification letters are due within 60 days of
{{ discovery_date }}.
"""


def _template(slug: str) -> DocumentTemplate:
    return DocumentTemplate.objects.get(slug=slug)


def seed_demo_documents(incident, users) -> None:
    """Create the demo documents once (skipped when the incident already has documents)."""
    services.templates_sync_starter()
    if Document.objects.filter(incident=incident).exists():
        return
    comms, legal, execu = users["comms"], users["legal"], users["exec"]
    local = timezone.localtime(timezone.now() - timedelta(days=4), incident.tz)
    today = timezone.localtime(timezone.now(), incident.tz)
    facts = {
        **example_facts(),
        **services.facts_prefill(incident),
        "incident_name": "Network security incident",
        "affected_count": "48,210",
        "breach_start_date": f"{local:%B} {local.day}, {local.year}",
        "breach_end_date": f"{local:%B} {local.day}, {local.year}",
        "notice_date": f"{today:%B} {today.day}, {today.year}",
    }
    services.facts_sheet_update(actor=legal, incident=incident, values=facts)

    def create(slug, **kwargs):
        template = _template(slug)
        return services.document_create(
            actor=comms,
            incident=incident,
            kind=template.kind,
            title=template.title,
            template=template,
            **kwargs,
        )

    holding = create("holding_statement_ransomware")
    services.document_submit(actor=comms, document=holding)
    services.document_approve(actor=legal, document=holding, comment="Approved as written.")
    services.document_signoff(actor=execu, document=holding, comment="Go.")
    services.document_release(actor=comms, document=holding, channel="website")

    memo = create("staff_memo_talking_points")
    services.document_submit(actor=comms, document=memo)
    services.document_approve(actor=legal, document=memo)

    letter = create("patient_letter_hipaa")
    services.document_submit(actor=comms, document=letter)

    press = create("press_release_media_notice")
    services.document_submit(actor=comms, document=press)
    services.document_request_changes(
        actor=legal,
        document=press,
        reason="Do not describe the attackers; keep to confirmed facts in paragraph 2.",
    )

    board = services.document_create(
        actor=comms,
        incident=incident,
        kind="board_briefing",
        title="Board briefing",
        body=BOARD_BRIEFING,
    )
    services.document_submit(actor=comms, document=board)
    services.document_approve(actor=legal, document=board)

    create("faq")
