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
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import weasyprint  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402

from communications.documents.markup import body_to_html  # noqa: E402
from communications.pdf.engine.render import (  # noqa: E402
    NOTICE_STYLESHEET_URL,
    STATIC_DIR,
    ApprovalStep,
    NoticeContext,
    Organisation,
    notice_html,
    render_pdf,
)
from communications.pdf.engine.sign import make_self_signed_p12, sign_pdf  # noqa: E402

TARGET_RATIO = 1.25
PASSPHRASE = b"bench-passphrase"

SECTIONS = {
    "What Happened": (
        "On 3 March 2025 our security team detected unusual sign-in activity on a staff email "
        "account used by the patient scheduling office. We disabled the account within an hour, "
        "began an investigation with an independent forensic firm and notified law enforcement. "
        "The investigation found that an unauthorised person could view messages in the mailbox "
        "between 28 February and 3 March 2025. We found no evidence that any other system, "
        "including our electronic health record, was accessed."
    ),
    "What Information Was Involved": (
        "The messages in the mailbox included appointment reminders and referral letters. For "
        "the patients affected, these contained some or all of the following: name, date of "
        "birth, medical record number, appointment date, the name of the treating clinic and, "
        "for a small number of patients, health insurance member numbers. The mailbox did not "
        "contain Social Security numbers, bank account details or payment card numbers."
    ),
    "What We Are Doing": (
        "We have reset the credentials of every account in the scheduling office, required "
        "multi-factor authentication for all remote email access and added monitoring that "
        "alerts our security team to unusual sign-in locations. We are retraining staff on "
        "recognising phishing messages, and we have reported this incident to the U.S. "
        "Department of Health and Human Services and to the state attorney general."
    ),
    "What You Can Do": (
        "We encourage you to review the statements you receive from your health insurer and "
        "healthcare providers. If you see services you did not receive, contact the insurer or "
        "provider right away. You may also place a fraud alert or security freeze on your "
        "credit file free of charge by contacting the three national credit reporting agencies."
    ),
    "For More Information": (
        "We sincerely regret any concern this may cause. If you have questions, please call our "
        "dedicated assistance line at 1-800-555-0100, Monday to Friday, 8 a.m. to 6 p.m. "
        "Pacific Time, or write to the Privacy Office at the address above."
    ),
}


def notice_context() -> NoticeContext:
    """Return a California patient letter long enough for two pages of body text."""
    paragraphs = []
    for heading, text in SECTIONS.items():
        paragraphs.append(f"## {heading}\n\n{text}\n\n{text}")
    body = "\n\n".join(paragraphs)
    released = datetime(2025, 3, 20, 16, 30, tzinfo=UTC)
    return NoticeContext(
        organisation=Organisation(
            name="St. Example Community Hospital",
            address_lines=("1200 Harbor Boulevard", "Springfield, CA 90000"),
        ),
        title="Patient notification letter",
        kind="Individual notice (California)",
        version_number=4,
        body_html=body_to_html(body),
        content_sha256="9f2c" * 16,
        author="Dana Whitfield, Privacy Officer",
        verify_url="https://beacon.example.org/verify/12/4",
        approvals=(
            ApprovalStep("Morgan Lee", "Legal counsel", released - timedelta(hours=30), "Cleared"),
            ApprovalStep("Priya Natarajan", "Chief Privacy Officer", released - timedelta(hours=6)),
            ApprovalStep("Sam Ortiz", "Communications lead", released - timedelta(hours=2), "Go"),
        ),
        released_at=released,
        is_california_letter=True,
        time_zone="America/Los_Angeles",
    )


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
