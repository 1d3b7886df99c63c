"""Load: 50 concurrent staff against gunicorn on PostgreSQL for 60 s; zero errors expected.

    .venv/bin/python bench/bench_load.py [--users 50] [--seconds 60] [--database-url URL]

Creates (or recreates) the database `beacon_load` next to DATABASE_URL's (default
postgres://postgres@127.0.0.1:5432/postgres; bench/seed.py: BENCH_DATABASE_PREFIX), migrates it
and loads the demo data as `make run` does (bench/seed.py), starts gunicorn
as `make run` does (2 workers x 4 threads), then runs locust headless: the demo roles log in
(5 a second) and mix the dashboard, the lists, every tab of the incident and a system-status
edit. Figures are reset once every user is in, so they cover the steady 60 s. Prints requests
per second, p50/p95 per page and the errors; exits 1 when any request failed.
"""

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import seed  # noqa: E402

LOAD_DB = "beacon_load"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited before it answered")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our loopback server
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer in {timeout:.0f} s")


def report(stats_csv: Path, seconds: float) -> int:
    """Print the per-page table from locust's CSV; return the number of failures."""
    rows = list(csv.DictReader(stats_csv.open()))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(f"\n{'page':32} {'requests':>9} {'fails':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        print(
            f"{row['Type'] + ' ' + row['Name']:32.32} {row['Request Count']:>9} "
            f"{row['Failure Count']:>6} {row['50%']:>7} {row['95%']:>7}"
        )
    print(
        f"\nall: {total['Request Count']} requests in {seconds:.0f} s = "
        f"{float(total['Requests/s']):.1f} requests/s, p50 {total['50%']} ms, "
        f"p95 {total['95%']} ms, {total['Failure Count']} errors"
    )
    return int(total["Failure Count"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="beacon-load-"))
    env = dict(os.environ)
    env.update(
        DATABASE_URL=seed.recreate_database(
            seed.bench_database_url(LOAD_DB, next_to=args.database_url)
        ),
        BEACON_VAR_DIR=str(work / "var"),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)  # tasks go to the file-system broker in var/; no worker needed
    print(f"preparing {LOAD_DB}: migrate, demo data, static files", flush=True)
    seed.prepare_demo_database(env)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_for(base + "/login/", gunicorn)
        print(f"{args.users} users for {args.seconds} s against {base}", flush=True)
        prefix = work / "locust"
        # Users log in while they are spawned (Argon2 makes a login burst CPU-heavy on purpose);
        # the figures are reset once all are in, so they measure the 60 s of steady browsing.
        spawn_rate = 5
        ramp = -(-args.users // spawn_rate)
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(spawn_rate),
                "--reset-stats",
                "--run-time",
                f"{args.seconds + ramp}s",
                "--host",
                base,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--exit-code-on-error",
                "0",
            ],
            cwd=ROOT,
            env=env,  # the locust users read the demo logins through Django (bench/seed.py)
            check=True,
        )
        failures = report(Path(f"{prefix}_stats.csv"), time.monotonic() - started - ramp)
        errors_csv = Path(f"{prefix}_failures.csv")
        if failures and errors_csv.exists():
            print("\nerrors:\n" + errors_csv.read_text())
        return 1 if failures else 0
    finally:
        os.killpg(gunicorn.pid, 15)
        gunicorn.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
