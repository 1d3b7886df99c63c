"""Locust users for bench/bench_load.py: the demo roles browsing and editing an incident."""

import itertools
import re
import sys
from pathlib import Path

from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed import demo_credentials  # noqa: E402

DEMO_USERNAMES, DEMO_PASSWORD = demo_credentials()  # what `manage.py seed_demo` created
LOGINS = itertools.cycle(DEMO_USERNAMES)
EDITORS = {"command", "legal"}
SYSTEM_MOVES = itertools.cycle(["degraded", "down", "up"])
TABS = ("", "deadlines/", "documents/", "timeline/", "facts/", "systems/", "tasks/")


class Staff(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.username = next(LOGINS)
        page = self.client.get("/login/", name="login").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        self.client.post(
            "/login/",
            {"csrfmiddlewaretoken": token, "username": self.username, "password": DEMO_PASSWORD},
            headers={"Referer": self.client.base_url + "/login/"},
            name="login",
        )
        listing = self.client.get("/incidents/", name="incidents list").text
        self.incidents = sorted(set(re.findall(r'href="/incidents/(\d+)/"', listing))) or ["1"]
        self.csrf = self.client.cookies.get("csrftoken", "")

    @task(3)
    def dashboard(self):
        self.client.get("/dashboard/", name="dashboard")

    @task(3)
    def incident_list(self):
        self.client.get("/incidents/", name="incidents list")

    @task(2)
    def deadlines(self):
        self.client.get("/deadlines/", name="deadlines list")

    @task(1)
    def drafts_or_queue(self):
        path = "/approvals/" if self.username == "legal" else "/drafts/"
        self.client.get(path, name="approvals/drafts list")

    @task(6)
    def incident_page(self):
        incident = self.incidents[0]
        for tab in TABS:
            self.client.get(f"/incidents/{incident}/{tab}", name=f"incident {tab or 'briefing'}")

    @task(1)
    def edit_system_status(self):
        if self.username not in EDITORS:
            return self.dashboard()
        incident = self.incidents[0]
        self.client.post(
            f"/incidents/{incident}/systems/update/",
            {"system": "email", "state": next(SYSTEM_MOVES), "note": "load test"},
            headers={
                "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
                "Referer": self.client.base_url + f"/incidents/{incident}/systems/",
            },
            name="edit system status",
        )
