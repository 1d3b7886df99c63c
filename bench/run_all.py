"""Run every benchmark in bench/ one after another and summarise PASS/FAIL (`make bench`).

Each benchmark is a standalone script that prints its own table and ratios, measured side by
side in one run, and exits non-zero when a target is missed. Pass names to run a subset:
``.venv/bin/python bench/run_all.py pdf_sign mailmerge``.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "pdf_sign": ["bench_pdf_sign.py"],
    "mailmerge": ["bench_mailmerge.py"],
    "reminder_sweep": ["bench_reminder_sweep.py"],
    "dashboard": ["bench_dashboard.py"],
    "load": ["bench_load.py", "--users", "50", "--seconds", "60"],
}


def main(names: list[str]) -> int:
    unknown = set(names) - set(BENCHES)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(BENCHES)}")
        return 2
    results = []
    for name, command in BENCHES.items():
        if names and name not in names:
            continue
        print(f"\n===== {name} =====", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(HERE / command[0]), *command[1:]])  # noqa: S603
        results.append((name, code, time.monotonic() - started))
    print("\nbenchmark          result   seconds")
    for name, code, seconds in results:
        print(f"{name:<18} {'PASS' if code == 0 else f'FAIL ({code})':<8} {seconds:7.0f}")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
