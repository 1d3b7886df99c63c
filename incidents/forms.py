"""Incident forms: validation and clear messages. Times are entered in the incident's time zone."""

import csv
import datetime
import io
import zoneinfo

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.roles import Role

from .clocks import load_rules
from .models import (
    AnchorKind,
    CommandRole,
    FacilitySystem,
    Incident,
    IncidentType,
    PhiCategory,
    RiskAssessment,
    RiskDecision,
    Severity,
    Status,
    SystemState,
)
from .obligation_links import obligation_links

COMMON_TIME_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Berlin",
    "Europe/Paris",
    "UTC",
)


def time_zone_choices():
    others = sorted(zoneinfo.available_timezones() - set(COMMON_TIME_ZONES))
    return [("Common", [(z, z) for z in COMMON_TIME_ZONES]), ("All", [(z, z) for z in others])]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock date and time in a zone (the incident's), that a clock can count from.

    Refused with one message each: a year outside 1900-2199, and a local time that does not
    exist (the spring-forward gap). An ambiguous local time (the autumn hour that happens twice)
    is taken as the earlier instant and `note` says so; Django's own field refuses it. `zone`
    is the zone the time is read in (default: the current one, which incident pages set).
    """

    FIRST_YEAR, LAST_YEAR = 1900, 2199
    zone: zoneinfo.ZoneInfo | None = None

    def to_python(self, value):
        self.note = ""
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            wall = value
        else:
            try:
                wall = parse_datetime(str(value).strip())
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
            if wall is None:
                wall = forms.Field.to_python(self, value)
                wall = self._parse_with_formats(wall)
        if not self.FIRST_YEAR <= wall.year <= self.LAST_YEAR:
            raise forms.ValidationError(
                f"Enter a date between {self.FIRST_YEAR} and {self.LAST_YEAR}.",
                code="out_of_range",
            )
        if timezone.is_aware(wall):
            return wall
        return self._localise(wall)

    def _parse_with_formats(self, text: str) -> datetime.datetime:
        for form in self.input_formats:
            try:
                return datetime.datetime.strptime(text.strip(), form)
            except (ValueError, TypeError):
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def _localise(self, wall: datetime.datetime) -> datetime.datetime:
        zone = self.zone or timezone.get_current_timezone()
        earlier = wall.replace(tzinfo=zone, fold=0)
        shown = wall.strftime("%Y-%m-%d %H:%M")
        key = getattr(zone, "key", str(zone))
        if earlier.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != wall:
            raise forms.ValidationError(
                f"{shown} does not exist in {key}: the clocks skip that hour when daylight "
                "saving time starts. Check the time.",
                code="nonexistent",
            )
        later = wall.replace(tzinfo=zone, fold=1)
        if later.utcoffset() != earlier.utcoffset():
            offset = earlier.strftime("%z")
            self.note = (
                f"{self.label or 'Time'}: {shown} happens twice in {key} (the hour repeats "
                f"when daylight saving time ends); Beacon took the earlier one, "
                f"{earlier.strftime('%H:%M %Z')} (UTC{offset[:3]}:{offset[3:]})."
            )
        return earlier


def local_datetime_field(label: str, *, required: bool = True, help_text: str = ""):
    return LocalDateTimeField(
        label=label,
        required=required,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=help_text or "In the incident's time zone.",
    )


MAX_DATABASE_ID = 2**63 - 1


def _refuse_impossible_id(value, error) -> None:
    """Refuse an id no database column can hold before it reaches a query (a 400, not a 500)."""
    if value in (None, ""):
        return
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return  # the parent field reports a value that is not a number
    if not 0 < number <= MAX_DATABASE_ID:
        raise error


class BoundedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that answers an out-of-range id with "Select a valid choice"."""

    def to_python(self, value):
        _refuse_impossible_id(
            value,
            forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ),
        )
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that answers an out-of-range id with a clear error."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else []:
            _refuse_impossible_id(
                pk,
                forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                ),
            )
        return super()._check_values(value)


class BeaconForm(forms.Form):
    """A form laid out by crispy with no <form> tag (templates own the tag and the button)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    @property
    def notes(self) -> list[str]:
        """Return what the form's fields said about valid input (an ambiguous time taken)."""
        return [
            field.note
            for name, field in self.fields.items()
            if getattr(field, "note", "") and name in getattr(self, "cleaned_data", {})
        ]


class IncidentOpenForm(BeaconForm):
    title = forms.CharField(max_length=200)
    incident_type = forms.ChoiceField(choices=IncidentType.choices)
    severity = forms.TypedChoiceField(choices=Severity.choices, coerce=int, initial=Severity.SEV2)
    time_zone = forms.ChoiceField(choices=time_zone_choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    restricted = forms.BooleanField(
        required=False, help_text="Need-to-know: only members you name will see it."
    )
    discovered_at = local_datetime_field(
        "Discovered at",
        required=False,
        help_text="HIPAA's clock starts here (day 0). Leave empty if not yet determined.",
    )
    discovery_evidence = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How we know when it was discovered.",
    )


class IncidentEditForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices)

    class Meta:
        model = Incident
        fields = [
            "title",
            "incident_type",
            "severity",
            "time_zone",
            "description",
            "internal_summary",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "internal_summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class StatusForm(BeaconForm):
    to = forms.ChoiceField(label="Move to", choices=Status.choices)
    note = forms.CharField(max_length=300, required=False)


def anchor_help_text() -> str:
    """Return what each event means where a rule says so (10 NYCRR 405.46's definition)."""
    helps = {}
    for rule in load_rules():
        if rule.anchor_help and rule.anchor not in helps:
            helps[rule.anchor] = " ".join(rule.anchor_help.split())
    return " ".join(f"{AnchorKind(anchor).label}: {text}" for anchor, text in helps.items())


class AnchorEventForm(BeaconForm):
    kind = forms.ChoiceField(label="Event", choices=AnchorKind.choices)
    occurred_at = local_datetime_field(
        "When it happened", help_text="In the time zone below (the incident's unless you say)."
    )
    recorded_zone = forms.ChoiceField(
        label="Time zone the time is given in",
        required=False,
        choices=lambda: [("", "The incident's time zone"), *time_zone_choices()],
        help_text="Another zone when the time was reported there (a clinic in California): a "
        "day clock counts from the earliest of the local dates there and in the incident's.",
    )
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    correction_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you correct an event already recorded; the old value is kept.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].help_text = anchor_help_text()
        zone = self.data.get("recorded_zone") if self.is_bound else ""
        if zone in zoneinfo.available_timezones():
            self.fields["occurred_at"].zone = zoneinfo.ZoneInfo(zone)


class FactsForm(BeaconForm):
    """The counts and flags the clocks read; the total is checked against the regions recorded.

    SEC registration is part of who the law binds: the incident's profile page sets it.
    """

    affected_total = forms.IntegerField(
        min_value=0,
        required=False,
        label="Affected individuals (total)",
        help_text="Leave empty while unknown.",
    )
    unreachable_count = forms.IntegerField(
        min_value=0,
        initial=0,
        label="With unusable contact details",
        help_text="10 or more triggers HIPAA substitute notice.",
    )
    phi_categories = forms.MultipleChoiceField(
        choices=PhiCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="PHI involved",
    )
    business_associate = forms.BooleanField(
        required=False, label="We are the business associate (notify the covered entity)"
    )

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident

    def clean_affected_total(self):
        total = self.cleaned_data.get("affected_total")
        if total is None or self.incident is None:
            return total
        largest = self.incident.regions.order_by("-count", "code").first()
        if largest is not None and total < largest.count:
            raise forms.ValidationError(
                f"The total of {total} is below the {largest.count} affected residents of "
                f"{largest.code} recorded for this incident: the total counts everyone, so it "
                "cannot be smaller.",
                code="below_region",
            )
        return total


class RegionRowForm(forms.Form):
    code = forms.CharField(max_length=6, required=False, label="ISO code")
    count = forms.IntegerField(min_value=0, required=False)


RegionFormSet = forms.formset_factory(RegionRowForm, extra=3, max_num=400)

MAX_REGION_CSV_BYTES = 256 * 1024


class RegionCsvForm(BeaconForm):
    file = forms.FileField(
        label="CSV of counts",
        help_text="Two columns, code and count (a header row is optional), e.g. US-CA,600.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_REGION_CSV_BYTES:
            raise forms.ValidationError("The file is larger than 256 KB; is it the right file?")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None
        rows = []
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if not row or not "".join(row).strip():
                continue
            if number == 1 and row[0].strip().lower() in {"code", "jurisdiction", "region"}:
                continue
            if len(row) < 2:
                raise forms.ValidationError(f"Row {number} needs a code and a count.")
            rows.append((row[0], row[1]))
        if not rows:
            raise forms.ValidationError("The file has no rows.")
        return rows


class HoldForm(BeaconForm):
    official = forms.CharField(max_length=200)
    agency = forms.CharField(max_length=200)
    written = forms.BooleanField(
        required=False, help_text="Unticked = oral: it lasts at most 30 days unless put in writing."
    )
    starts_at = local_datetime_field("Starts")
    ends_at = local_datetime_field("Ends", required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "The hold must end after it starts.")
        return data


class RiskAssessmentForm(forms.ModelForm):
    class Meta:
        model = RiskAssessment
        fields = list(RiskAssessment.FACTOR_FIELDS)
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in RiskAssessment.FACTOR_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class RiskSignForm(BeaconForm):
    decision = forms.ChoiceField(
        choices=[
            (RiskDecision.BREACH, RiskDecision.BREACH.label),
            (RiskDecision.LOW_PROBABILITY, RiskDecision.LOW_PROBABILITY.label),
        ],
        widget=forms.RadioSelect,
    )


def beacon_users():
    return get_user_model().objects.filter(is_active=True, groups__name__in=Role.values).distinct()


class AssignRoleForm(BeaconForm):
    role = forms.ChoiceField(choices=CommandRole.choices)
    user = BoundedModelChoiceField(queryset=beacon_users())


class MemberForm(BeaconForm):
    user = BoundedModelChoiceField(queryset=beacon_users(), label="Add member")


class SystemStatusForm(BeaconForm):
    system = forms.ChoiceField(choices=FacilitySystem.choices)
    state = forms.ChoiceField(choices=SystemState.choices)
    note = forms.CharField(max_length=300, required=False)


class TaskAssignForm(BeaconForm):
    owner = BoundedModelChoiceField(queryset=beacon_users(), required=False)
    due_at = local_datetime_field("Due", required=False)


class ObligationDecideForm(BeaconForm):
    status = forms.ChoiceField(
        choices=[("met", "Met"), ("waived", "Waived")], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Required to waive: why the obligation does not bind us.",
    )
    filing_reference = forms.CharField(
        max_length=300, required=False, help_text="Portal receipt or letter reference, if any."
    )

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        # What else may have met it: a field per registered link (communications: "release").
        for link in obligation_links():
            self.fields[link.field] = BoundedModelChoiceField(
                queryset=link.choices(incident), required=False, label=link.label
            )


class ObligationOwnerForm(BeaconForm):
    owner = BoundedModelChoiceField(queryset=beacon_users(), required=False)
