from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from communications.documents.kinds import DocumentKind
from communications.media import services
from communications.models import (
    CoverageItem,
    DocumentStatus,
    InquiryStatus,
    MediaInquiry,
)
from incidents.models import ActivityEntry
from tests.communications.factories import draft
from tests.communications.stakeholders.helpers import released

pytestmark = pytest.mark.django_db


def inquiry_for(incident, actor, **extra):
    fields = {
        "reporter": "Dana Reyes",
        "outlet": "Metro Daily",
        "question": "Is patient data involved?",
        "deadline": timezone.now() + timedelta(hours=3),
    }
    fields.update(extra)
    return services.media_inquiry_create(actor=actor, incident=incident, **fields)


def test_an_inquiry_records_the_reporters_deadline_and_logs_it(incident, comms_user):
    inquiry = inquiry_for(incident, comms_user, spokesperson=comms_user)
    assert inquiry.deadline is not None and inquiry.status == InquiryStatus.NEW
    entry = ActivityEntry.objects.get(incident=incident, action="media.inquiry_received")
    assert "Dana Reyes (Metro Daily), deadline" in entry.summary


def test_a_deadline_before_the_inquiry_arrived_is_refused(incident, comms_user):
    with pytest.raises(ValidationError, match="before the inquiry was received"):
        inquiry_for(incident, comms_user, deadline=timezone.now() - timedelta(hours=1))


def test_executives_cannot_work_the_media_desk(incident, exec_user):
    with pytest.raises(PermissionDenied):
        inquiry_for(incident, exec_user)


def test_a_response_quotes_the_released_statement_and_goes_to_legal_as_a_draft(
    incident, comms_user, legal_user
):
    statement = released(incident, comms_user, legal_user)
    inquiry = inquiry_for(incident, comms_user)
    response = services.media_response_from_statement(
        actor=comms_user, inquiry=inquiry, statement=statement
    )
    inquiry.refresh_from_db()
    assert inquiry.response == response and inquiry.status == InquiryStatus.DRAFTING
    assert response.kind == DocumentKind.MEDIA_RESPONSE
    assert response.status == DocumentStatus.DRAFTING  # approval like any document
    rendered = response.current_version.rendered
    assert "> We are responding to a cybersecurity incident. Call 1-800-555-0199." in rendered
    assert "Please attribute the following to Riverside Community Hospital:" in rendered


def test_only_released_public_statements_can_be_quoted(incident, comms_user, legal_user):
    inquiry = inquiry_for(incident, comms_user)
    unreleased = draft(incident, comms_user)
    letter = released(incident, comms_user, legal_user, kind="staff_memo", title="Memo")
    for document in (unreleased, letter):
        with pytest.raises(ValidationError, match="not a released public statement"):
            services.media_response_from_statement(
                actor=comms_user, inquiry=inquiry, statement=document
            )


def test_inquiry_status_follows_its_transition_table(incident, comms_user):
    inquiry = inquiry_for(incident, comms_user)
    with pytest.raises(ValidationError, match="The inquiry is new; it cannot become responded"):
        services.media_inquiry_set_status(actor=comms_user, inquiry=inquiry, status="responded")
    services.media_inquiry_set_status(actor=comms_user, inquiry=inquiry, status="declined")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.DECLINED and not inquiry.is_open


def test_coverage_needing_correction_must_say_what_is_wrong(incident, comms_user):
    fields = {
        "url": "https://metro.example/story",
        "outlet": "Metro Daily",
        "tone": "negative",
        "accuracy": "needs_correction",
    }
    with pytest.raises(ValidationError, match="Say what is wrong"):
        services.coverage_record(actor=comms_user, incident=incident, **fields)
    item = services.coverage_record(
        actor=comms_user, incident=incident, correction_note="Count is wrong", **fields
    )
    services.coverage_update(actor=comms_user, item=item, tone="negative", accuracy="corrected")
    item.refresh_from_db()
    assert item.accuracy == "corrected"
    assert ActivityEntry.objects.filter(incident=incident, action="media.coverage").exists()


def test_the_desk_lists_open_inquiries_nearest_deadline_first(client, incident, comms_user):
    inquiry_for(incident, comms_user, reporter="Later", deadline=timezone.now() + timedelta(days=1))
    inquiry_for(
        incident, comms_user, reporter="Sooner", deadline=timezone.now() + timedelta(hours=1)
    )
    closed = inquiry_for(incident, comms_user, reporter="Closed one")
    services.media_inquiry_set_status(actor=comms_user, inquiry=closed, status="closed")
    client.force_login(comms_user)
    content = client.get(reverse("media:desk")).content.decode()
    assert content.index("Sooner") < content.index("Later")
    assert "Closed one" not in content


def test_one_click_response_through_the_page(client, incident, comms_user, legal_user):
    statement = released(incident, comms_user, legal_user)
    inquiry = inquiry_for(incident, comms_user)
    client.force_login(comms_user)
    page = client.get(reverse("media:inquiry", args=[incident.pk, inquiry.pk]))
    assert page.status_code == 200 and b"Respond from an approved statement" in page.content
    response = client.post(
        reverse("media:inquiry_respond", args=[incident.pk, inquiry.pk]),
        {"statement": statement.pk},
        follow=True,
    )
    assert b"Response drafted from the statement" in response.content
    assert MediaInquiry.objects.get().response.title == "Response to Dana Reyes (Metro Daily)"


def test_logging_an_inquiry_and_coverage_through_the_incident_page(client, incident, comms_user):
    client.force_login(comms_user)
    url = reverse("media:inquiry_add", args=[incident.pk])
    bad = client.post(
        url, {"reporter": "R", "outlet": "O", "question": "Q", "deadline": "not a date"}
    )
    assert bad.status_code == 400 and not MediaInquiry.objects.exists()
    client.post(
        url, {"reporter": "R", "outlet": "O", "question": "Q", "deadline": "2099-01-01T09:00"}
    )
    inquiry = MediaInquiry.objects.get()
    assert inquiry.deadline.astimezone(incident.tz).hour == 9  # entered in the incident's zone
    client.post(
        reverse("media:coverage_add", args=[incident.pk]),
        {
            "url": "https://o.example/s",
            "outlet": "O",
            "tone": "neutral",
            "accuracy": "accurate",
            "inquiry": inquiry.pk,
        },
    )
    page = client.get(reverse("media:incident", args=[incident.pk]))
    assert CoverageItem.objects.get().inquiry == inquiry
    assert b"https://o.example/s" in page.content
