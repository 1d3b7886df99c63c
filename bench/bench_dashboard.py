"""Benchmark the executive dashboard against an empty logged-in page, at two data sizes.

Run: ``.venv/bin/python bench/bench_dashboard.py [--scale-only 1] [--keep] [--explain]``.
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth); creates and drops the database
``beacon_bench_dashboard`` (bench/seed.py: BENCH_SERVER_URL, BENCH_DATABASE_PREFIX). Targets
(GitHub issue 9): the dashboard's server time at most 3x that of an empty logged-in page through
the same middleware, at most 20 SQL queries per render, and the same query count at 10x the data.

The base size is 200 incidents (20 active), 20,000 documents with 100,000 versions, 200,000
activity entries and 5,000 obligations; the run then grows every table 10x and measures again.
Each incident gets the same shape: 25 obligations, 100 documents of 5 versions, 1,000 activity
entries, a stakeholder map of 8 groups with 4 HICS 213 entries each, one email send to 25
addresses, 3 media inquiries, and one recipient batch of 10,000 letters with a cancelled and a
generated run. Documents of active incidents are spread over every status; those of closed incidents
are released, approved, drafting or changes requested (a closed incident has nothing waiting on
legal or an executive). Rows go in with COPY (bench/seed.py's copy_rows); columns the bench does
not set get the model's default, so new fields with defaults do not break it.

The pages are requested in-process with Django's test client through the full middleware stack,
interleaved, so machine load hits them alike: the dashboard as a refresh gets it when nothing has
changed (its sections from the cache: only the visible incidents with their data stamps and the
heartbeats are read), the dashboard cold (the cache emptied first, as after any change: every
query runs and every section renders), and the empty page. The viewer is an Executive (not a
superuser), a member of some restricted incidents.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import seed  # noqa: E402
from bench.seed import copy_rows  # noqa: E402

DATABASE_URL = seed.bench_database_url("beacon_bench_dashboard")
TARGET_RATIO = 3.0
TARGET_QUERIES = 20
REQUESTS = 30

BASE_INCIDENTS = 200
GROWTH = 10
ACTIVE_EVERY = 10  # every 10th incident is active or notifying, the rest closed
RESTRICTED_EVERY = 7  # every 7th incident is need-to-know
VIEWER_MEMBER_EVERY = 14  # the viewer is a member of every other restricted incident
OBLIGATIONS_PER_INCIDENT = 25
DOCUMENTS_PER_INCIDENT = 100
VERSIONS_PER_DOCUMENT = 5
ACTIVITY_PER_INCIDENT = 1000
STAKEHOLDER_GROUPS_PER_INCIDENT = 8
LOG_ENTRIES_PER_GROUP = 4
EMAILS_PER_INCIDENT = 25
INQUIRIES_PER_INCIDENT = 3
LETTERS_PER_INCIDENT = 10_000


# Seeding ------------------------------------------------------------------------------------


def seed_incidents(first: int, last: int, users, now) -> dict[str, int]:
    """COPY incidents first..last (inclusive) with their obligations, documents and log."""
    from django.db import connection, transaction

    from communications.documents.kinds import DocumentKind
    from communications.models import (
        ApprovalRequest,
        ApprovalStep,
        Document,
        DocumentStatus,
        DocumentVersion,
        IncidentStakeholder,
        MailMergeRun,
        MediaInquiry,
        NotificationLogEntry,
        RecipientBatch,
        Release,
        ReleaseChannel,
        Send,
        SendRecipient,
        StakeholderGroup,
        StakeholderStatus,
    )
    from incidents.models import (
        ActivityEntry,
        DataVersion,
        Incident,
        IncidentMember,
        IncidentType,
        LogVerification,
        Obligation,
        ObligationStatus,
        Status,
    )

    command = users["Incident Command"].pk
    comms = users["Communications"].pk
    legal = users["Legal"].pk
    viewer = users["Executive"].pk
    ids = range(first, last + 1)
    types = list(IncidentType.values)
    kinds = list(DocumentKind.values)
    channels = list(ReleaseChannel.values)
    open_statuses = list(ObligationStatus.values)
    decided_statuses = [
        ObligationStatus.MET,
        ObligationStatus.WAIVED,
        ObligationStatus.NOT_APPLICABLE,
    ]
    active_doc_statuses = list(DocumentStatus.values)
    closed_doc_statuses = [
        DocumentStatus.RELEASED,
        DocumentStatus.RELEASED,
        DocumentStatus.APPROVED,
        DocumentStatus.RELEASED,
        DocumentStatus.DRAFTING,
        DocumentStatus.RELEASED,
        DocumentStatus.CHANGES_REQUESTED,
    ]
    hash_a, hash_b = "a" * 64, "b" * 64

    def is_active(i: int) -> bool:
        return i % ACTIVE_EVERY == 0

    def opened_at(i: int):
        if is_active(i):
            return now - timedelta(days=i % 30, hours=i % 24)
        return now - timedelta(days=45 + (i * 13) % 700, hours=i % 24)

    def incidents():
        for i in ids:
            active = is_active(i)
            opened = opened_at(i)
            yield (
                i,
                f"Bench incident {i}",
                types[i % len(types)],
                (i * 7) % 4 + 1,
                (Status.ACTIVE if i % 20 else Status.NOTIFYING) if active else Status.CLOSED,
                "America/Chicago",
                i % RESTRICTED_EVERY == 0,
                command,
                opened,
                None if active else opened + timedelta(days=30),
            )

    def memberships():
        for i in ids:
            if i % RESTRICTED_EVERY == 0:
                yield (i * 2, i, command, opened_at(i))
                if i % VIEWER_MEMBER_EVERY == 0:
                    yield (i * 2 + 1, i, viewer, opened_at(i))

    def obligations():
        for i in ids:
            active, opened = is_active(i), opened_at(i)
            for k in range(OBLIGATIONS_PER_INCIDENT):
                pk = (i - 1) * OBLIGATIONS_PER_INCIDENT + k + 1
                status = (open_statuses if active else decided_statuses)[
                    (i + k) % (5 if active else 3)
                ]
                decided = status in decided_statuses
                due = now + timedelta(days=(pk * 37) % 121 - 60, hours=k)
                decided_at = None
                if decided:
                    decided_at = (
                        now - timedelta(hours=1 + (pk * 11) % (24 * 20))
                        if active
                        else opened + timedelta(days=20)
                    )
                yield (
                    pk,
                    i,
                    f"bench.rule.{k}",
                    "US",
                    "45 CFR 164.404",
                    f"Recipient {k}",
                    "discovery",
                    "due",
                    due,
                    status,
                    legal if decided else None,
                    decided_at,
                    opened + timedelta(hours=1),
                )

    def document_status(i: int, d: int) -> str:
        if is_active(i):
            return active_doc_statuses[d % len(active_doc_statuses)]
        return closed_doc_statuses[d % len(closed_doc_statuses)]

    def doc_pk(i: int, d: int) -> int:
        return (i - 1) * DOCUMENTS_PER_INCIDENT + d + 1

    def version_pk(doc: int, v: int) -> int:
        return (doc - 1) * VERSIONS_PER_DOCUMENT + v + 1

    def documents():
        for i in ids:
            opened = opened_at(i)
            for d in range(DOCUMENTS_PER_INCIDENT):
                pk = doc_pk(i, d)
                status = document_status(i, d)
                current = version_pk(pk, VERSIONS_PER_DOCUMENT - 1)
                yield (
                    pk,
                    i,
                    kinds[d % len(kinds)],
                    f"Bench document {pk}",
                    status,
                    current,
                    current if status == DocumentStatus.RELEASED else None,
                    comms,
                    opened + timedelta(minutes=d),
                )

    def versions():
        for i in ids:
            opened = opened_at(i)
            for d in range(DOCUMENTS_PER_INCIDENT):
                doc = doc_pk(i, d)
                for v in range(VERSIONS_PER_DOCUMENT):
                    yield (
                        version_pk(doc, v),
                        doc,
                        v + 1,
                        "Body of {{ incident_name }}.",
                        "Body of the incident.",
                        hash_a,
                        comms,
                        opened + timedelta(minutes=d, seconds=v),
                    )

    def requests_and_steps():
        """Yield (request row, [step rows]) for documents that have been or are being reviewed."""
        for i in ids:
            for d in range(DOCUMENTS_PER_INCIDENT):
                status = document_status(i, d)
                if status in (DocumentStatus.DRAFTING, DocumentStatus.CHANGES_REQUESTED):
                    continue
                doc = doc_pk(i, d)
                current = version_pk(doc, VERSIONS_PER_DOCUMENT - 1)
                submitted = now - timedelta(hours=1 + (doc * 7) % 96)
                waiting = status in (DocumentStatus.IN_REVIEW, DocumentStatus.AWAITING_SIGNOFF)
                request = (
                    doc,
                    doc,
                    current,
                    ApprovalRequest.Status.IN_PROGRESS
                    if waiting
                    else ApprovalRequest.Status.APPROVED,
                    comms,
                    submitted,
                    None if waiting else submitted + timedelta(hours=2),
                )
                if status == DocumentStatus.IN_REVIEW:
                    legal_step = ("pending", submitted, None, None)
                    exec_step = ("waiting", None, None, None)
                elif status == DocumentStatus.AWAITING_SIGNOFF:
                    legal_step = ("approved", submitted, legal, submitted + timedelta(hours=1))
                    exec_step = ("pending", submitted + timedelta(hours=1), None, None)
                else:
                    legal_step = ("approved", submitted, legal, submitted + timedelta(hours=1))
                    exec_step = (
                        "approved",
                        submitted + timedelta(hours=1),
                        viewer,
                        submitted + timedelta(hours=2),
                    )
                steps = [
                    (doc * 2 - 1, doc, 1, ApprovalStep.Kind.LEGAL, *legal_step),
                    (doc * 2, doc, 2, ApprovalStep.Kind.EXECUTIVE, *exec_step),
                ]
                yield request, steps

    def releases():
        for i in ids:
            active, opened = is_active(i), opened_at(i)
            for d in range(DOCUMENTS_PER_INCIDENT):
                if document_status(i, d) != DocumentStatus.RELEASED:
                    continue
                doc = doc_pk(i, d)
                at = (
                    now - timedelta(minutes=(doc * 37) % (72 * 60))
                    if active
                    else opened + timedelta(days=3, minutes=d)
                )
                yield (
                    doc,
                    doc,
                    version_pk(doc, VERSIONS_PER_DOCUMENT - 1),
                    channels[d % len(channels)],
                    comms,
                    at,
                )

    def activity():
        for i in ids:
            opened = opened_at(i)
            base = (i - 1) * ACTIVITY_PER_INCIDENT
            for s in range(1, ACTIVITY_PER_INCIDENT + 1):
                yield (
                    base + s,
                    i,
                    s,
                    opened + timedelta(minutes=s),
                    command,
                    "Bench Commander",
                    "incident.note",
                    "Bench log entry.",
                    hash_a,
                    hash_b,
                )

    def data_versions():  # what log_activity and the workers keep: one row per incident
        for i in ids:
            yield (i, ACTIVITY_PER_INCIDENT, EMAILS_PER_INCIDENT)

    def verifications():
        for i in ids:
            intact = i != 3
            yield (
                i,
                i,
                now - timedelta(minutes=5),
                ACTIVITY_PER_INCIDENT,
                intact,
                None if intact else 17,
            )

    group_ids = list(StakeholderGroup.objects.order_by("pk").values_list("pk", flat=True))
    group_ids = group_ids[:STAKEHOLDER_GROUPS_PER_INCIDENT]
    map_statuses = list(StakeholderStatus.values)

    def map_pk(i: int, g: int) -> int:
        return (i - 1) * STAKEHOLDER_GROUPS_PER_INCIDENT + g + 1

    def stakeholder_rows():
        for i in ids:
            opened = opened_at(i)
            for g, group in enumerate(group_ids):
                status = map_statuses[(i + g) % len(map_statuses)] if is_active(i) else "confirmed"
                yield (map_pk(i, g), i, group, status, opened, opened)

    def notification_entries():
        for i in ids:
            opened = opened_at(i)
            for g in range(len(group_ids)):
                row = map_pk(i, g)
                for e in range(LOG_ENTRIES_PER_GROUP):
                    yield (
                        (row - 1) * LOG_ENTRIES_PER_GROUP + e + 1,
                        i,
                        row,
                        f"Recipient {e}",
                        "email",
                        "Bench message",
                        opened + timedelta(hours=e),
                        ("reached", "sent", "not_reached", "reached")[e],
                    )

    def sends():
        for i in ids:
            doc = doc_pk(i, 0)
            yield (
                i,
                i,
                map_pk(i, 0),
                doc,
                version_pk(doc, VERSIONS_PER_DOCUMENT - 1),
                "Bench memo",
                "done",
                comms,
                opened_at(i),
            )

    def send_recipients():
        for i in ids:
            for r in range(EMAILS_PER_INCIDENT):
                yield (
                    (i - 1) * EMAILS_PER_INCIDENT + r + 1,
                    i,
                    f"Staff {r}",
                    f"staff{r}@example.org",
                    "failed" if r % 10 == 9 else "sent",
                    1,
                )

    def inquiries():
        for i in ids:
            active = is_active(i)
            for q in range(INQUIRIES_PER_INCIDENT):
                received = now - timedelta(hours=q + 1) if active else opened_at(i)
                yield (
                    (i - 1) * INQUIRIES_PER_INCIDENT + q + 1,
                    i,
                    f"Reporter {q}",
                    "Bench Gazette",
                    "Were records taken?",
                    received,
                    received + timedelta(hours=((i + q) % 5) - 1),
                    ("new", "drafting", "responded")[q] if active else "closed",
                    comms,
                )

    def batches():
        for i in ids:
            opened = opened_at(i)
            yield (
                i,
                i,
                comms,
                opened,
                "generated",
                LETTERS_PER_INCIDENT,
                LETTERS_PER_INCIDENT,
                comms,
                opened,
                now + timedelta(days=30),
            )

    def runs():
        for i in ids:
            opened = opened_at(i)
            yield (i * 2 - 1, i, "cancelled", comms, opened, LETTERS_PER_INCIDENT, 1000, None)
            yield (
                i * 2,
                i,
                "generated",
                comms,
                opened + timedelta(hours=1),
                LETTERS_PER_INCIDENT,
                LETTERS_PER_INCIDENT,
                now.date() if i % 2 else None,
            )

    counts = {}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        counts["incidents"] = copy_rows(
            cursor,
            Incident,
            (
                "id",
                "title",
                "incident_type",
                "severity",
                "status",
                "time_zone",
                "restricted",
                "opened_by_id",
                "opened_at",
                "closed_at",
            ),
            incidents(),
        )
        copy_rows(
            cursor, IncidentMember, ("id", "incident_id", "user_id", "added_at"), memberships()
        )
        counts["obligations"] = copy_rows(
            cursor,
            Obligation,
            (
                "id",
                "incident_id",
                "rule_id",
                "jurisdiction",
                "citation",
                "recipient",
                "anchor",
                "clock_state",
                "due_at",
                "status",
                "decided_by_id",
                "decided_at",
                "created_at",
            ),
            obligations(),
        )
        counts["documents"] = copy_rows(
            cursor,
            Document,
            (
                "id",
                "incident_id",
                "kind",
                "title",
                "status",
                "current_version_id",
                "released_version_id",
                "created_by_id",
                "created_at",
            ),
            documents(),
        )
        counts["versions"] = copy_rows(
            cursor,
            DocumentVersion,
            (
                "id",
                "document_id",
                "number",
                "body",
                "rendered",
                "sha256",
                "author_id",
                "created_at",
            ),
            versions(),
        )
        pairs = list(requests_and_steps())
        counts["approval requests"] = copy_rows(
            cursor,
            ApprovalRequest,
            (
                "id",
                "document_id",
                "version_id",
                "status",
                "submitted_by_id",
                "submitted_at",
                "finished_at",
            ),
            (request for request, _steps in pairs),
        )
        copy_rows(
            cursor,
            ApprovalStep,
            (
                "id",
                "request_id",
                "order",
                "kind",
                "status",
                "started_at",
                "decided_by_id",
                "decided_at",
            ),
            (step for _request, steps in pairs for step in steps),
        )
        del pairs
        counts["releases"] = copy_rows(
            cursor,
            Release,
            ("id", "document_id", "version_id", "channel", "released_by_id", "released_at"),
            releases(),
        )
        counts["activity entries"] = copy_rows(
            cursor,
            ActivityEntry,
            (
                "id",
                "incident_id",
                "seq",
                "at",
                "actor_id",
                "actor_name",
                "action",
                "summary",
                "prev_hash",
                "hash",
            ),
            activity(),
        )
        copy_rows(
            cursor,
            LogVerification,
            ("id", "incident_id", "checked_at", "entries", "intact", "broken_seq"),
            verifications(),
        )
        copy_rows(cursor, DataVersion, ("incident_id", "changes", "progress"), data_versions())
        copy_rows(
            cursor,
            IncidentStakeholder,
            ("id", "incident_id", "group_id", "status", "status_changed_at", "created_at"),
            stakeholder_rows(),
        )
        copy_rows(
            cursor,
            NotificationLogEntry,
            (
                "id",
                "incident_id",
                "stakeholder_id",
                "recipient",
                "channel",
                "message",
                "sent_at",
                "outcome",
            ),
            notification_entries(),
        )
        copy_rows(
            cursor,
            Send,
            (
                "id",
                "incident_id",
                "stakeholder_id",
                "document_id",
                "version_id",
                "subject",
                "status",
                "requested_by_id",
                "requested_at",
            ),
            sends(),
        )
        copy_rows(
            cursor,
            SendRecipient,
            ("id", "send_id", "name", "email", "status", "attempts"),
            send_recipients(),
        )
        counts["media inquiries"] = copy_rows(
            cursor,
            MediaInquiry,
            (
                "id",
                "incident_id",
                "reporter",
                "outlet",
                "question",
                "received_at",
                "deadline",
                "status",
                "created_by_id",
            ),
            inquiries(),
        )
        copy_rows(
            cursor,
            RecipientBatch,
            (
                "id",
                "incident_id",
                "uploaded_by_id",
                "uploaded_at",
                "status",
                "row_count",
                "usable_count",
                "confirmed_by_id",
                "confirmed_at",
                "purge_after",
            ),
            batches(),
        )
        copy_rows(
            cursor,
            MailMergeRun,
            (
                "id",
                "batch_id",
                "status",
                "started_by_id",
                "started_at",
                "letters_total",
                "letters_done",
                "mailed_on",
            ),
            runs(),
        )
        seed.reset_sequences(
            cursor,
            (
                IncidentStakeholder,
                NotificationLogEntry,
                Send,
                SendRecipient,
                MediaInquiry,
                RecipientBatch,
                MailMergeRun,
                Incident,
                IncidentMember,
                Obligation,
                Document,
                DocumentVersion,
                ApprovalRequest,
                ApprovalStep,
                Release,
                ActivityEntry,
                LogVerification,
            ),
        )
    counts["seconds"] = time.perf_counter() - started
    return counts


def seed_heartbeats(now) -> None:
    from incidents.models import Heartbeat

    for name in ("beat", "reminder_sweep"):
        Heartbeat.objects.create(name=name, last_seen_at=now)


def table_totals() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM incidents_incident),"
            " (SELECT count(*) FROM incidents_incident WHERE status <> 'closed'),"
            " (SELECT count(*) FROM communications_document),"
            " (SELECT count(*) FROM communications_documentversion),"
            " (SELECT count(*) FROM incidents_activityentry),"
            " (SELECT count(*) FROM incidents_obligation)"
        )
        names = ("incidents", "active", "documents", "versions", "activity", "obligations")
        return dict(zip(names, cursor.fetchone(), strict=True))


# Measuring ----------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def timed_get(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.get('Location')}")
    return elapsed


def measure(client, requests: int) -> dict:
    """Warm the pages up, then time them interleaved and count each one's queries.

    "dashboard" is the page as an executive's refresh gets it when nothing has changed since
    anyone who sees the same incidents last loaded it: every section comes from the cache.
    "cold" is the same request with the cache emptied first, as after any change to the
    response (every section's key moves with its incidents' newest activity entry).
    """
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    dashboard_url = reverse("dashboard:index")
    pages = {"dashboard": dashboard_url, "cold": dashboard_url, "empty": reverse("bench_empty")}

    def get(name: str) -> float:
        if name == "cold":
            caches["dashboard"].clear()
        return timed_get(client, pages[name])

    for _ in range(3):
        for name in pages:
            get(name)
    times = {name: [] for name in pages}
    for i in range(requests):
        order = list(pages)[i % 3 :] + list(pages)[: i % 3]  # each page in each position
        for name in order:
            times[name].append(get(name))
    result = {}
    for name in pages:
        get("dashboard")  # "dashboard" counts the queries of a refresh served from the cache
        with CaptureQueriesContext(connection) as captured:
            get(name)
        result[name] = {
            "median": statistics.median(times[name]),
            "p90": percentile(times[name], 0.9),
            "queries": len(captured.captured_queries),
            "captured": captured.captured_queries,
        }
    result["ratio"] = result["dashboard"]["median"] / result["empty"]["median"]
    result["cold_ratio"] = result["cold"]["median"] / result["empty"]["median"]
    return result


def slowest_queries(captured: list[dict], count: int = 3) -> list[dict]:
    return sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:count]


def explain(query_sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query_sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def report_size(label: str, totals: dict, result: dict, show_explain: bool) -> None:
    print(
        f"[{label}] {totals['incidents']:,} incidents ({totals['active']} active), "
        f"{totals['documents']:,} documents, {totals['versions']:,} versions, "
        f"{totals['activity']:,} activity entries, {totals['obligations']:,} obligations; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"[{label}] slowest dashboard queries (one cold render):")
    for query in slowest_queries(result["cold"]["captured"]):
        print(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:110]}")
        if show_explain:
            for line in explain(query["sql"]).splitlines():
                print(f"        {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale-only", type=int, default=0, help="1: measure the base size only")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow queries")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    args = parser.parse_args()

    run_started = time.perf_counter()
    print(f"load average before: {os.getloadavg()}  cpus: {os.cpu_count()}")
    seed.recreate_database(DATABASE_URL)
    var_dir = tempfile.mkdtemp(prefix="beacon-dashboard-bench-")
    seed.setup_django(DATABASE_URL, var_dir=var_dir, urlconf="bench.dashboard_bench_urls")
    logging.getLogger("axes").setLevel(logging.WARNING)  # force_login's INFO lines

    from django.db import connections
    from django.test import Client
    from django.utils import timezone

    from accounts.roles import sync_role_permissions
    from communications.stakeholders.services import stakeholder_groups_seed

    try:
        sync_role_permissions()
        stakeholder_groups_seed()
        now = timezone.now()
        users = seed.role_users()
        seed_heartbeats(now)
        client = Client()
        client.force_login(users["Executive"])

        sizes = [("1x", 1, BASE_INCIDENTS)]
        if not args.scale_only:
            sizes.append((f"{GROWTH}x", BASE_INCIDENTS + 1, BASE_INCIDENTS * GROWTH))
        results = {}
        for label, first, last in sizes:
            counts = seed_incidents(first, last, users, now)
            vacuum_seconds = seed.vacuum_analyze()
            print(
                f"[{label}] seeded {counts['incidents']:,} incidents in {counts['seconds']:.1f} s "
                f"(COPY), VACUUM ANALYZE {vacuum_seconds:.1f} s"
            )
            totals = table_totals()
            results[label] = measure(client, args.requests)
            report_size(label, totals, results[label], args.explain)
    finally:
        connections.close_all()
        if not args.keep:
            seed.drop_database(DATABASE_URL)

    labels = list(results)
    print()
    print("dashboard: a refresh with nothing changed (sections from the cache);")
    print("cold: the same request with the cache emptied, as after any change to the response.")
    print(f"{'':<28}" + "".join(f"{label:>12}" for label in labels))
    rows = [
        ("dashboard queries", lambda r: f"{r['dashboard']['queries']}"),
        ("cold queries", lambda r: f"{r['cold']['queries']}"),
        ("empty page queries", lambda r: f"{r['empty']['queries']}"),
        ("dashboard median ms", lambda r: f"{r['dashboard']['median'] * 1000:.1f}"),
        ("dashboard p90 ms", lambda r: f"{r['dashboard']['p90'] * 1000:.1f}"),
        ("cold median ms", lambda r: f"{r['cold']['median'] * 1000:.1f}"),
        ("cold p90 ms", lambda r: f"{r['cold']['p90'] * 1000:.1f}"),
        ("empty median ms", lambda r: f"{r['empty']['median'] * 1000:.1f}"),
        ("empty p90 ms", lambda r: f"{r['empty']['p90'] * 1000:.1f}"),
        ("ratio dashboard/empty", lambda r: f"{r['ratio']:.2f}x"),
        ("ratio cold/empty", lambda r: f"{r['cold_ratio']:.2f}x"),
    ]
    for name, cell in rows:
        print(f"{name:<28}" + "".join(f"{cell(results[label]):>12}" for label in labels))

    checks = []
    for label in labels:
        ratio = results[label]["ratio"]
        checks.append(
            (f"[{label}] ratio <= {TARGET_RATIO:.0f}x ({ratio:.2f}x)", ratio <= TARGET_RATIO)
        )
        queries = results[label]["cold"]["queries"]
        checks.append(
            (f"[{label}] cold queries <= {TARGET_QUERIES} ({queries})", queries <= TARGET_QUERIES)
        )
    if len(labels) > 1:
        for page in ("cold", "dashboard"):
            base, grown = (results[label][page]["queries"] for label in labels)
            checks.append(
                (f"same {page} query count at {GROWTH}x ({base} -> {grown})", base == grown)
            )
    seconds = time.perf_counter() - run_started
    print(f"load average after: {os.getloadavg()}; whole run {seconds:.0f} s")
    for label, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {label}")
    return 0 if all(passed for _label, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
