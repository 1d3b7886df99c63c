"""The registry of what reminders can be about: incidents' subjects and those other apps add."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from incidents.models import ReminderSubject
from incidents.reminders import reminders_plan_for_subject
from incidents.reminders.subjects import (
    SubjectPlanner,
    register_subject,
    subject_planner,
    subject_planners,
)


def test_every_kind_of_reminder_subject_has_a_planner_once_the_apps_are_ready():
    assert {planner.subject_type for planner in subject_planners()} == set(ReminderSubject.values)


def test_incident_wide_replanning_covers_every_kind_but_reviews():
    incident_wide = {p.subject_type for p in subject_planners() if p.incident_wanted}
    assert incident_wide == set(ReminderSubject.values) - {ReminderSubject.REVIEW}


def test_registering_the_same_planner_again_changes_nothing():
    planner = subject_planner(ReminderSubject.TASK)
    register_subject(planner)
    assert subject_planner(ReminderSubject.TASK) is planner


def test_a_second_planner_for_one_kind_is_refused():
    other = SubjectPlanner(
        subject_type=ReminderSubject.TASK,
        load=lambda pk, incident: (None, []),
        message=lambda *args: None,
    )
    with pytest.raises(ImproperlyConfigured, match="Two reminder planners .* 'task'"):
        register_subject(other)


def test_a_kind_planned_only_incident_wide_cannot_be_planned_alone():
    with pytest.raises(ImproperlyConfigured, match="one 'release' at a time"):
        reminders_plan_for_subject(ReminderSubject.RELEASE, object())
