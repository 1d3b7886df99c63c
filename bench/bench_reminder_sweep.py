"""Benchmark the reminder sweep: its cost must follow what is due, not what exists.

Run: ``.venv/bin/python bench/bench_reminder_sweep.py [--rows 1000000] [--factor 10] [--due 1000]``.
It creates two PostgreSQL databases (``beacon_bench_small`` and ``beacon_bench_large`` on
127.0.0.1 as ``postgres``, or ``--database-url``), builds the schema from the models and fills
the reminder table with ``--rows`` and ``--factor`` times as many rows, ``--due`` of them due in
both (the rest are sent history or still in the future). It then times the sweep (in-app
delivery only) with its query count, alternating between the two sizes so that other load on the
machine falls on both alike, and compares the medians.
Target: the sweep over the large table takes at most 1.3x the small one. Exits 1 when not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import seed  # noqa: E402

TARGET_RATIO = 1.3
DEFAULT_URL = seed.database_url("beacon_bench")


def seed_due(due: int) -> list[int]:
    """Create incidents and tasks whose reminders fall due now; return the due reminders' ids."""
    from django.utils import timezone

    from incidents.models import PlaybookTask, Reminder
    from incidents.reminders.planning import task_wanted

    user = seed.role_users()["Incident Command"]  # no email: in-app delivery only
    per_incident = 100
    past = timezone.now() - timedelta(minutes=10)
    ids = []
    for number in range((due + per_incident - 1) // per_incident):
        incident = seed.commanded_incident(number, user)
        count = min(per_incident, due - len(ids))
        tasks = PlaybookTask.objects.bulk_create(
            PlaybookTask(
                incident=incident,
                key=f"task-{i}",
                title=f"Task {i}",
                owner=user,
                due_at=past + timedelta(minutes=40),
                position=i,
            )
            for i in range(count)
        )
        rows = [
            row.reminder()
            for task in tasks
            for row in task_wanted(task, incident)
            if row.rung == "T-30m"
        ]
        ids += [r.pk for r in Reminder.objects.bulk_create(rows)]
    return ids


def add_filler(first: int, last: int, incident_id: int) -> float:
    """Insert reminders first..last that are not due: half sent history, half in the future."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO incidents_reminder (incident_id, kind, subject_type, subject_id, rung,
                escalation, target_role, deadline_at, due_at, sent_at, outcome, attempts,
                last_error, key, created_at)
            SELECT %s, 'obligation', 'obligation', g, 'T-7d', false, 'pio',
                now() + make_interval(days => 30), due,
                CASE WHEN g %% 2 = 0 THEN due END,
                CASE WHEN g %% 2 = 0 THEN 'delivered' ELSE '' END,
                CASE WHEN g %% 2 = 0 THEN 1 ELSE 0 END, '', 'bench:' || g, now()
            FROM generate_series(%s, %s) AS g,
                LATERAL (SELECT CASE WHEN g %% 2 = 0
                    THEN now() - make_interval(mins => (g %% 500000) + 60)
                    ELSE now() + make_interval(mins => (g %% 500000) + 60) END AS due) AS d
            """,
            [incident_id, first, last],
        )
        cursor.execute("ANALYZE incidents_reminder")
    return time.monotonic() - started


def make_due_again(ids: list[int]) -> None:
    from incidents.models import Notification, Reminder

    Notification.objects.all().delete()
    Reminder.objects.filter(pk__in=ids).update(sent_at=None, outcome="", attempts=0)


class QueryCounter:
    """Count every statement the sweep sends (no log, so no cap on how many)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed_sweep(ids: list[int], repeats: int) -> tuple[float, int, int]:
    """Return the median time, the query count and the delivered count of a sweep."""
    from django.db import connection

    from incidents.reminders.delivery import reminders_sweep

    times, queries, delivered = [], 0, 0
    for _ in range(repeats):
        make_due_again(ids)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            result = reminders_sweep(time_budget=3600)
            times.append(time.perf_counter() - started)
        queries, delivered = counter.count, result.delivered
    return statistics.median(times), queries, delivered


def build(url: str, rows: int, due: int) -> dict:
    """Create the database with `rows` reminders of which `due` fall due; return timings."""
    seed.recreate_database(url)
    seed.setup_django(url)
    from incidents.models import Incident, Reminder

    started = time.monotonic()
    seed_due(due)
    incident_id = Incident.objects.values_list("pk", flat=True).first()
    fill_seconds = add_filler(1, rows - due, incident_id)
    assert Reminder.objects.count() == rows
    return {"rows": rows, "fill_seconds": fill_seconds, "build_seconds": time.monotonic() - started}


def measure(url: str, repeats: int) -> dict:
    """Warm up, then time the sweep over the database's due reminders `repeats` times."""
    seed.setup_django(url)
    from incidents.models import Reminder

    ids = list(
        Reminder.objects.filter(subject_type="task").order_by("pk").values_list("pk", flat=True)
    )
    reminders_sweep_warmup(ids)
    seconds, queries, delivered = timed_sweep(ids, repeats)
    return {"seconds": seconds, "queries": queries, "delivered": delivered}


def run_phase(*args: str) -> dict:
    """Run one phase in a fresh process (one database per process) and return its result."""
    import json
    import subprocess

    output = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3, help="timed sweeps per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurements")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--phase", choices=["build", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "build":
        print(json.dumps(build(args.database_url, args.rows, args.due)))
        return 0
    if args.phase == "measure":
        print(json.dumps(measure(args.database_url, args.repeats)))
        return 0

    small, large = args.rows, args.rows * args.factor
    urls = {small: f"{args.database_url}_small", large: f"{args.database_url}_large"}
    print(f"Reminder sweep benchmark: {args.due:,} due among {small:,} and {large:,} rows")
    print(f"PostgreSQL {args.database_url}_small / _large; in-app delivery only", flush=True)
    built = {}
    for rows, url in urls.items():
        built[rows] = run_phase(
            "--phase", "build", "--database-url", url, "--rows", str(rows), "--due", str(args.due)
        )
        print(f"  built {rows:>12,} rows in {built[rows]['build_seconds']:.0f} s", flush=True)
    # Alternate the two sizes so that load on the machine falls on both alike.
    samples: dict[int, list[dict]] = {small: [], large: []}
    for round_number in range(args.rounds):
        for rows, url in urls.items():
            result = run_phase(
                "--phase", "measure", "--database-url", url, "--repeats", str(args.repeats)
            )
            assert result["delivered"] == args.due, result
            samples[rows].append(result)
            print(
                f"  round {round_number + 1}: {rows:>12,} rows  {result['seconds']:.2f} s",
                flush=True,
            )

    print()
    print(f"{'rows':>12}  {'due':>6}  {'sweep s':>8}  {'queries':>8}  {'ms/due':>7}  {'fill s':>7}")
    medians = {}
    for rows in (small, large):
        seconds = statistics.median(r["seconds"] for r in samples[rows])
        queries = samples[rows][-1]["queries"]
        medians[rows] = (seconds, queries)
        print(
            f"{rows:>12,}  {args.due:>6,}  {seconds:>8.2f}  {queries:>8,}  "
            f"{seconds * 1000 / args.due:>7.2f}  {built[rows]['fill_seconds']:>7.1f}"
        )
    ratio = medians[large][0] / medians[small][0]
    ok = ratio <= TARGET_RATIO
    print()
    print(
        f"{args.factor}x the rows: sweep time x{ratio:.2f} (target <= {TARGET_RATIO}), "
        f"queries {medians[small][1]:,} -> {medians[large][1]:,}: {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


def reminders_sweep_warmup(ids: list[int]) -> None:
    """Run one untimed sweep so caches and query plans are warm for the timed ones."""

    from incidents.reminders.delivery import reminders_sweep

    make_due_again(ids)
    reminders_sweep(time_budget=3600)
    seed.vacuum_analyze("incidents_reminder")


if __name__ == "__main__":
    sys.exit(main())
