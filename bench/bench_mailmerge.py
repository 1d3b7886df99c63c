"""Benchmark the mail-merge letter engine against rendering each letter with WeasyPrint.

Run: ``.venv/bin/python bench/bench_mailmerge.py [--letters N] [--workers 2]``.
Targets: 100,000 two-page letters in at most 120 s, peak memory under 1 GiB (all processes),
and at least 200x the letters/s of rendering each letter separately (sampled in the same run).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import weasyprint  # noqa: E402

from bench.seed import VARIANT_NOTES, letter_variant_html, synthetic_recipients  # noqa: E402
from communications.mailmerge.engine import (  # noqa: E402
    DEFAULT_LETTERS_PER_FILE,
    LetterRecipient,
    RefuseAllURLFetcher,
    VariantSource,
    chunked,
    generate_chunk,
    prepare_variants,
)

TARGET_SECONDS = 120.0
TARGET_PEAK_BYTES = 1024**3
TARGET_RATIO = 200.0
SLOW_SAMPLE = 20


def slow_letter(recipient: LetterRecipient) -> bytes:
    """Render one letter the slow way: a full WeasyPrint layout per recipient."""
    lines = "<br>".join(html.escape(line) for line in recipient.address_lines)
    block = f"<div class='address'>{lines}</div>"
    source = letter_variant_html(VARIANT_NOTES[recipient.variant_key], block).replace(
        "<p id='beacon-salutation'></p>", f"<p>Dear {html.escape(recipient.salutation_name)},</p>"
    )
    return weasyprint.HTML(string=source, url_fetcher=RefuseAllURLFetcher()).write_pdf()


_worker_variants = None


def _init_worker(variants) -> None:
    global _worker_variants
    _worker_variants = variants


def _run_chunk(job):
    chunk_index, recipients, out_dir = job
    result = generate_chunk(chunk_index, recipients, _worker_variants, out_dir)
    return result.letters, result.pages, result.path.stat().st_size


def peak_memory_bytes() -> tuple[int, int]:
    """Return the peak resident set size of this process and of its largest child (Linux KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return own, children


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--letters-per-file", type=int, default=DEFAULT_LETTERS_PER_FILE)
    args = parser.parse_args()

    print(f"load average before: {os.getloadavg()}  cpus: {os.cpu_count()}")
    recipients = synthetic_recipients(args.letters)
    out_dir = Path(tempfile.mkdtemp(prefix="beacon-mailmerge-bench-"))
    try:
        started = time.perf_counter()
        variants = prepare_variants(
            [
                VariantSource(
                    key, letter_variant_html(note), hashlib.sha256(note.encode()).hexdigest()
                )
                for key, note in VARIANT_NOTES.items()
            ]
        )
        jobs = [
            (index, part, str(out_dir))
            for index, part in chunked(recipients, args.letters_per_file)
        ]
        context = multiprocessing.get_context("fork")
        with context.Pool(args.workers, initializer=_init_worker, initargs=(variants,)) as pool:
            outcomes = pool.map(_run_chunk, jobs, chunksize=1)
        fast_seconds = time.perf_counter() - started
        letters = sum(outcome[0] for outcome in outcomes)
        pages = sum(outcome[1] for outcome in outcomes)
        size = sum(outcome[2] for outcome in outcomes)
        page_counts = {variant.page_count for variant in variants.values()}

        sample = recipients[:SLOW_SAMPLE]
        started = time.perf_counter()
        for person in sample:
            slow_letter(person)
        slow_seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)

    fast_rate = letters / fast_seconds
    slow_rate = len(sample) / slow_seconds
    ratio = fast_rate / slow_rate
    own, child = peak_memory_bytes()
    peak = own + args.workers * child  # conservative: assume every worker peaked as the largest

    print(
        f"variant pages: {sorted(page_counts)}; files: {len(outcomes)}; pages: {pages}; "
        f"output: {size / 1e6:.1f} MB; load average after: {os.getloadavg()}"
    )
    print(f"{'path':<28}{'letters':>10}{'seconds':>10}{'letters/s':>12}")
    print(
        f"{'mail-merge (' + str(args.workers) + ' workers)':<28}{letters:>10}"
        f"{fast_seconds:>10.2f}{fast_rate:>12.1f}"
    )
    print(f"{'WeasyPrint per letter':<28}{len(sample):>10}{slow_seconds:>10.2f}{slow_rate:>12.2f}")
    print(f"ratio: {ratio:.0f}x")
    print(
        f"peak RSS: parent {own / 2**20:.0f} MiB, largest worker {child / 2**20:.0f} MiB, "
        f"total bound {peak / 2**20:.0f} MiB"
    )

    scaled_seconds = fast_seconds * 100_000 / max(letters, 1)
    checks = [
        (
            f"100,000 letters in <= {TARGET_SECONDS:.0f} s (scaled: {scaled_seconds:.1f} s)",
            scaled_seconds <= TARGET_SECONDS,
        ),
        (f"peak memory < 1 GiB ({peak / 2**20:.0f} MiB)", peak < TARGET_PEAK_BYTES),
        (f"ratio >= {TARGET_RATIO:.0f}x ({ratio:.0f}x)", ratio >= TARGET_RATIO),
        ("every letter has two pages", page_counts == {2} and pages == 2 * letters),
    ]
    for label, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {label}")
    return 0 if all(passed for _label, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
