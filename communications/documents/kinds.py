"""The kinds of document Beacon writes, and what each kind needs before release."""

from dataclasses import dataclass
from typing import Literal

from django.db import models

ExecutiveSignoff = Literal["always", "sev1", "never"]

# Checklist ids that communications.documents.checks knows how to run.
CHECKLIST_GENERAL = "general"
CHECKLIST_HIPAA_NOTICE = "hipaa_164_404c"
CHECKLIST_HIPAA_SUBSTITUTE = "hipaa_164_404d2"
CHECKLIST_CA_NOTICE = "ca_civ_1798_82"
CHECKLIST_GDPR_ART33 = "gdpr_art33"


class DocumentKind(models.TextChoices):
    HOLDING_STATEMENT = "holding_statement", "Holding statement"
    PRESS_RELEASE = "press_release", "Press release / media notice"
    PATIENT_LETTER = "patient_letter", "Patient notification letter"
    SUBSTITUTE_NOTICE = "substitute_notice", "Substitute / website notice"
    STAFF_MEMO = "staff_memo", "Staff memo and talking points"
    BOARD_BRIEFING = "board_briefing", "Board / executive briefing"
    REGULATOR_NOTICE = "regulator_notice", "Regulator notice"
    CALL_CENTRE_SCRIPT = "call_centre_script", "Call-centre script"
    FAQ = "faq", "Frequently asked questions"
    SOCIAL_POST = "social_post", "Social media post / website update"
    MEDIA_RESPONSE = "media_response", "Media inquiry response"


@dataclass(frozen=True)
class KindSpec:
    """What a document kind is for and how it is approved."""

    kind: str
    audience: str
    executive_signoff: ExecutiveSignoff
    review_sla_hours: int
    public: bool
    checklists: tuple[str, ...]

    def approval_steps(self, severity: int) -> tuple[str, ...]:
        """Return the ordered approval steps at an incident severity (1 is the most severe)."""
        executive = self.executive_signoff == "always" or (
            self.executive_signoff == "sev1" and severity == 1
        )
        return ("legal", "executive") if executive else ("legal",)


def _spec(
    kind: DocumentKind,
    audience: str,
    *,
    executive_signoff: ExecutiveSignoff = "never",
    review_sla_hours: int,
    public: bool = False,
    checklists: tuple[str, ...] = (),
) -> KindSpec:
    return KindSpec(
        kind=kind.value,
        audience=audience,
        executive_signoff=executive_signoff,
        review_sla_hours=review_sla_hours,
        public=public,
        checklists=(CHECKLIST_GENERAL, *checklists),
    )


HIPAA = (CHECKLIST_HIPAA_NOTICE,)

KIND_SPECS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        _spec(
            DocumentKind.HOLDING_STATEMENT,
            "Media and the public",
            executive_signoff="sev1",
            review_sla_hours=1,
            public=True,
        ),
        _spec(
            DocumentKind.PRESS_RELEASE,
            "Media (HIPAA media notice when more than 500 residents of a state are affected)",
            executive_signoff="always",
            review_sla_hours=4,
            public=True,
            checklists=HIPAA,
        ),
        _spec(
            DocumentKind.PATIENT_LETTER,
            "Affected patients and their families",
            review_sla_hours=24,
            checklists=(*HIPAA, CHECKLIST_CA_NOTICE),
        ),
        _spec(
            DocumentKind.SUBSTITUTE_NOTICE,
            "The public, when patients cannot be reached by mail",
            review_sla_hours=24,
            public=True,
            checklists=(*HIPAA, CHECKLIST_HIPAA_SUBSTITUTE),
        ),
        _spec(DocumentKind.STAFF_MEMO, "Workforce and medical staff", review_sla_hours=4),
        _spec(
            DocumentKind.BOARD_BRIEFING,
            "Board and executives",
            executive_signoff="always",
            review_sla_hours=8,
        ),
        _spec(
            DocumentKind.REGULATOR_NOTICE,
            "Regulators (HHS OCR, state attorneys general, EU/UK data-protection authorities)",
            review_sla_hours=24,
            checklists=(CHECKLIST_GDPR_ART33,),
        ),
        _spec(DocumentKind.CALL_CENTRE_SCRIPT, "Call-centre agents", review_sla_hours=8),
        _spec(DocumentKind.FAQ, "Patients and the public", review_sla_hours=8, public=True),
        _spec(DocumentKind.SOCIAL_POST, "The public", review_sla_hours=2, public=True),
        _spec(DocumentKind.MEDIA_RESPONSE, "One reporter", review_sla_hours=2),
    )
}


def kind_spec(kind: str) -> KindSpec:
    """Return the spec of a document kind, or raise KeyError naming the unknown kind."""
    try:
        return KIND_SPECS[kind]
    except KeyError:
        raise KeyError(f"Unknown document kind {kind!r}.") from None
