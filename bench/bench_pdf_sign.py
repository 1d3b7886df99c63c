"""Benchmark: Beacon's render-and-sign of a notice against WeasyPrint's bare render of it.

Run with ``.venv/bin/python bench/bench_pdf_sign.py [--repeat N]``. Needs no database and no
Django settings. Both sides render the same HTML with the same stylesheet; the baseline reads it
through WeasyPrint's default fetcher (a file: URL), Beacon through its static-only fetcher, with
tagging on, and then signs the result (PAdES, visible stamp, no timestamp). Runs are interleaved
so that drift in machine load hits both sides alike. Exit status 1 when Beacon costs more than
TARGET_RATIO times the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import weasyprint  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402

from bench.seed import notice_context  # noqa: E402
from communications.pdf.engine.render import (  # noqa: E402
    NOTICE_STYLESHEET_URL,
    STATIC_DIR,
    NoticeContext,
    notice_html,
    render_pdf,
)
from communications.pdf.engine.sign import make_self_signed_p12, sign_pdf  # noqa: E402

TARGET_RATIO = 1.25
PASSPHRASE = b"bench-passphrase"


def beacon_render_and_sign(context: NoticeContext, p12: bytes) -> bytes:
    html = notice_html(context)
    pdf = render_pdf(html)
    return sign_pdf(
        pdf,
        p12=p12,
        passphrase=PASSPHRASE,
        reason="Approved for release",
        location="Springfield, CA",
        beacon_ref=f"beacon:doc=12;ver=4;sha256={context.content_sha256}",
    )


def bare_render(html: str) -> bytes:
    return weasyprint.HTML(string=html).write_pdf()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per side")
    args = parser.parse_args(argv)

    context = notice_context()
    p12 = make_self_signed_p12(organisation=context.organisation.name, passphrase=PASSPHRASE)
    baseline_html = notice_html(context).replace(
        NOTICE_STYLESHEET_URL, (STATIC_DIR / "css" / "print-notice.css").as_uri()
    )

    # Warm up both (font configuration, caches, first-load of the PKCS#12 signer).
    signed = beacon_render_and_sign(context, p12)
    bare = bare_render(baseline_html)

    beacon_times, bare_times = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        bare_render(baseline_html)
        bare_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        beacon_render_and_sign(context, p12)
        beacon_times.append(time.perf_counter() - start)

    beacon_median = statistics.median(beacon_times)
    bare_median = statistics.median(bare_times)
    ratio = beacon_median / bare_median
    pages = int(PdfFileReader(BytesIO(signed)).root["/Pages"]["/Count"])

    print(f"PDF notice benchmark: {args.repeat} interleaved runs per side")
    print(f"{'pipeline':<44} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'bytes':>8}")
    for label, times, size in (
        ("WeasyPrint bare render (default fetcher)", bare_times, len(bare)),
        ("Beacon render (tagged, safe fetcher) + sign", beacon_times, len(signed)),
    ):
        print(
            f"{label:<44} {statistics.median(times) * 1000:>10.1f} {min(times) * 1000:>8.1f} "
            f"{max(times) * 1000:>8.1f} {size:>8}"
        )
    print(f"pages in notice: {pages} (body and approval certificate)")
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(f"ratio Beacon / bare: {ratio:.3f}  (target <= {TARGET_RATIO})  {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
