import pytest
from django.core.exceptions import ValidationError

from incidents.forms import BoundedModelChoiceField, BoundedModelMultipleChoiceField
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
