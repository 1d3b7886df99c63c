import pytest
from django.core.exceptions import ValidationError

from incidents.forms import (
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
    local_datetime_field,
)
from incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "0"])
def test_an_impossible_id_is_an_invalid_choice_not_a_server_error(value):
    field = BoundedModelChoiceField(queryset=Incident.objects.all())
    with pytest.raises(ValidationError) as excinfo:
        field.clean(value)
    assert "Select a valid choice" in str(excinfo.value)


def test_an_impossible_id_in_a_multiple_choice_names_it():
    field = BoundedModelMultipleChoiceField(queryset=Incident.objects.all())
    with pytest.raises(ValidationError) as excinfo:
        field.clean(["99999999999999999999999"])
    assert "99999999999999999999999" in str(excinfo.value)
    assert "not a valid value" in str(excinfo.value)


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T23:59"])
def test_a_date_no_clock_can_count_from_is_refused_by_name(value):
    """Found by tests/security/test_form_fuzz.py: year 1 overflowed the reminder ladder (500)."""
    field = local_datetime_field("Reporter's deadline")
    with pytest.raises(ValidationError) as excinfo:
        field.clean(value)
    assert excinfo.value.messages == ["Enter a date between 1900 and 2199."]


def test_a_plausible_date_is_kept_in_the_current_time_zone():
    moment = local_datetime_field("Discovered").clean("2026-03-01T09:30")
    assert (moment.year, moment.hour, moment.minute) == (2026, 9, 30)
    assert moment.tzinfo is not None
