"""axe-core on every main page: no serious or critical violation anywhere."""

import pytest

from .conftest import axe_violations, describe_violations
from .tour import seed_response, stops, tour

pytestmark = pytest.mark.browser


def test_no_main_page_has_a_serious_or_critical_axe_violation(
    beacon, command_user, comms_user, legal_user, exec_user
):
    users = {
        "command": command_user,
        "comms": comms_user,
        "legal": legal_user,
        "executive": exec_user,
    }
    response = seed_response(
        command=command_user, comms=comms_user, legal=legal_user, executive=exec_user
    )
    audited, reports = [], []
    for stop, page in tour(beacon, users, response):
        audited.append(stop.name)
        if violations := axe_violations(page):
            reports.append(describe_violations(f"{stop.name} ({stop.path})", violations))
    assert audited == [stop.name for stop in stops(response)]
    assert not reports, "axe-core found serious or critical violations:\n" + "\n".join(reports)
