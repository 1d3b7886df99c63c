"""Rendering notices: layout, certificate page, and a fetcher that reads only our static files."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest
import weasyprint
from pyhanko.pdf_utils.reader import PdfFileReader

from communications.documents.markup import body_to_html
from communications.pdf.engine import render
from communications.pdf.engine.render import (
    CALIFORNIA_TITLE,
    NOTICE_STYLESHEET_URL,
    SIGNATURE_BOX,
    STATIC_DIR,
    ApprovalStep,
    NoticeContext,
    Organisation,
    RefusedURLError,
    StaticOnlyURLFetcher,
    notice_html,
    render_pdf,
    safe_url_fetcher,
)

PASSWD_MARKER = "root:x:0:0"


def require_tool(name: str) -> str:
    """Return the path of a command-line tool, or skip (fail under BEACON_REQUIRE_SERVICES=1)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install poppler-utils)"
        if os.environ.get("BEACON_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def pdftotext(pdf: bytes, *args: str) -> str:
    tool = require_tool("pdftotext")
    result = subprocess.run(
        [tool, "-enc", "UTF-8", *args, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode()


def sample_context(**overrides) -> NoticeContext:
    body = (
        "## What Happened\n\nOn 3 March we found that a staff mailbox was accessed.\n\n"
        "## What You Can Do\n\nReview the statements from your health insurer.\n\n"
        "Call **1-800-555-0100** with questions."
    )
    values = {
        "organisation": Organisation(
            name="St. Example Hospital", address_lines=("1 Harbor Way", "Springfield, CA 90000")
        ),
        "title": "Patient letter",
        "kind": "Individual notice",
        "version_number": 4,
        "body_html": body_to_html(body),
        "content_sha256": "0f" * 32,
        "author": "Dana Whitfield",
        "verify_url": "https://beacon.example.org/verify/12/4",
        "approvals": (
            ApprovalStep(
                "Morgan Lee", "Legal counsel", datetime(2025, 3, 4, 17, 5, tzinfo=UTC), "Cleared"
            ),
            ApprovalStep(
                "Priya Natarajan", "Privacy officer", datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
            ),
        ),
        "released_at": datetime(2025, 3, 5, 18, 30, tzinfo=UTC),
        "time_zone": "America/Los_Angeles",
    }
    values.update(overrides)
    return NoticeContext(**values)


class RecordingFetcher(StaticOnlyURLFetcher):
    """The real fetcher, remembering every URL it was asked for and whether it served it."""

    def __init__(self):
        super().__init__()
        self.calls: list[tuple[str, bool]] = []

    def fetch(self, url, headers=None):
        try:
            response = super().fetch(url, headers)
        except Exception:
            self.calls.append((url, False))
            raise
        self.calls.append((url, True))
        return response


@pytest.fixture
def spy_fetcher(monkeypatch):
    fetcher = RecordingFetcher()
    monkeypatch.setattr(render, "safe_url_fetcher", fetcher)
    return fetcher


@pytest.fixture
def trap_server():
    """Run an HTTP server on 127.0.0.1 that records every request made to it."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b"body { color: red }" if self.path.endswith(".css") else b"x"
            self.send_response(200)
            self.send_header(
                "Content-Type", "text/css" if self.path.endswith(".css") else "image/png"
            )
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def data_bomb_url() -> str:
    """Return a data: URL holding a billion-laughs SVG that must never be decoded."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    svg = (
        f'<?xml version="1.0"?><!DOCTYPE svg [{"".join(entities)}]>'
        '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000">'
        "<text>&lol9;</text></svg>"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def local_fetching_html(server: str) -> str:
    """Return HTML that pulls resources from the trap server in every way WeasyPrint fetches."""
    return f"""<!DOCTYPE html><html><head>
<style>
@import url({server}/import.css);
@font-face {{ font-family: Trap; src: url({server}/font.woff); }}
body {{ background: url({server}/background.png); }}
</style>
<link rel="stylesheet" href="{server}/link.css">
</head><body>
<h1>Hostile notice</h1>
<img src="{server}/image.png">
<svg width="20" height="20"><image href="{server}/svg-image.png" width="20" height="20"/></svg>
<object data="{server}/object.png"></object>
<a rel="attachment" href="{server}/attachment.bin">attachment</a>
</body></html>"""


def hostile_html(server: str) -> str:
    """Return raw HTML that tries to read files, reach the network and decode a bomb."""
    return local_fetching_html(server).replace(
        "</body>",
        f"""<img src="file:///etc/passwd">
<img src="{data_bomb_url()}">
<a href="http://169.254.169.254/latest/meta-data/">instance metadata</a>
<a rel="attachment" href="file:///etc/passwd">passwd</a>
<img src="beacon-static:/../../../../etc/passwd">
<img src="ftp://127.0.0.1/file">
</body>""",
    )


# The fetcher on its own


def test_fetcher_serves_the_notice_stylesheet():
    response = safe_url_fetcher(NOTICE_STYLESHEET_URL)
    try:
        assert response.content_type == "text/css"
        assert response.read() == (STATIC_DIR / "css" / "print-notice.css").read_bytes()
    finally:
        response.close()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/style.css",
        "ftp://127.0.0.1/file",
        "data:text/css;base64,Ym9keXt9",
        "data:image/svg+xml,<svg/>",
        "beacon-static:/../../../../etc/passwd",
        "beacon-static:/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "beacon-static:/css/../../pyproject.toml",
        "beacon-static://evil.example/css/print-notice.css",
        "beacon-static:/css",
        "beacon-static:/css/missing.css",
        "beacon-static:/",
        "beacon-static:/css/print-notice.css%00.png",
        "/static/css/print-notice.css",
        "css/print-notice.css",
    ],
)
def test_fetcher_refuses_everything_outside_the_static_directory(url):
    with pytest.raises(RefusedURLError):
        safe_url_fetcher(url)


def test_fetcher_refuses_a_symlink_that_leaves_the_static_directory(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (root / "link.txt").symlink_to(secret)
    (root / "inside.txt").write_text("fine")
    fetcher = StaticOnlyURLFetcher(root=root)

    with pytest.raises(RefusedURLError):
        fetcher("beacon-static:/link.txt")
    assert fetcher("beacon-static:/inside.txt").read() == b"fine"


# render_pdf on raw, unsafe HTML: the fetcher alone keeps everything out


def test_the_trap_server_sees_what_a_permissive_fetcher_fetches(trap_server):
    """Control: with WeasyPrint's default fetcher, the same page does hit the trap server."""
    server, hits = trap_server
    weasyprint.HTML(string=local_fetching_html(server)).write_pdf()
    assert {"/import.css", "/link.css", "/image.png"} <= set(hits)


def test_render_pdf_of_hostile_html_fetches_nothing(trap_server, spy_fetcher):
    server, hits = trap_server

    pdf = render_pdf(hostile_html(server))

    assert hits == []
    asked = [url for url, _ in spy_fetcher.calls]
    assert any(url.startswith("file:") for url in asked)
    assert any(url.startswith("data:") for url in asked)
    assert any(url.startswith(server) for url in asked)
    assert [url for url, served in spy_fetcher.calls if served] == []
    text = pdftotext(pdf)
    assert "Hostile notice" in text
    assert PASSWD_MARKER not in text
    assert "Names" not in PdfFileReader(BytesIO(pdf)).root  # no embedded attachments


def test_render_pdf_does_not_decode_a_data_url_bomb(spy_fetcher):
    pdf = render_pdf(f'<p>Bomb below</p><img src="{data_bomb_url()}">')

    assert [served for url, served in spy_fetcher.calls if url.startswith("data:")] == [False]
    assert "Bomb below" in pdftotext(pdf)


def test_notice_body_cannot_smuggle_tags_or_fetches(trap_server, spy_fetcher):
    server, hits = trap_server
    dirty_body = (
        '<p>Real text</p><img src="file:///etc/passwd"><script>alert(1)</script>'
        f'<link rel="stylesheet" href="{server}/link.css">'
        f"<style>@import url({server}/import.css);</style>"
    )
    context = sample_context(body_html=dirty_body)

    html = notice_html(context)
    pdf = render_pdf(html)

    assert "<script" not in html
    assert "file:///etc/passwd" not in html
    assert f"{server}/import.css" not in html
    assert hits == []
    assert {url for url, _ in spy_fetcher.calls} == {NOTICE_STYLESHEET_URL}
    text = pdftotext(pdf)
    assert "Real text" in text
    assert PASSWD_MARKER not in text


# The notice HTML


def test_notice_html_holds_the_letterhead_body_and_certificate():
    html = notice_html(sample_context())

    assert "St. Example Hospital" in html
    assert "1 Harbor Way" in html
    assert "<h2>What Happened</h2>" in html
    assert "Approval certificate" in html
    assert "0f" * 32 in html
    assert "Dana Whitfield" in html
    assert "Morgan Lee" in html and "Legal counsel" in html and "Cleared" in html
    # 17:05 UTC on 4 March 2025 is 09:05 Pacific Standard Time.
    assert "04 March 2025, 09:05 PST" in html
    assert "05 March 2025, 10:30 PST" in html
    assert "https://beacon.example.org/verify/12/4" in html
    assert re.search(r"<svg[^>]*>.*<path", html, re.S)


def test_notice_html_escapes_names_and_comments():
    hostile = '<img src="file:///etc/passwd">'
    context = sample_context(
        author=hostile,
        approvals=(ApprovalStep(hostile, "Legal", datetime(2025, 3, 4, tzinfo=UTC), hostile),),
    )

    html = notice_html(context)

    assert hostile not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html


def test_logo_outside_static_files_is_dropped():
    context = sample_context(
        organisation=Organisation("St. Example Hospital", (), "file:///etc/passwd")
    )

    assert "<img" not in notice_html(context)


def test_logo_from_static_files_is_used():
    logo = "beacon-static:/img/logo.png"
    context = sample_context(organisation=Organisation("St. Example Hospital", (), logo))

    assert f'src="{logo}"' in notice_html(context)


def test_california_letter_is_titled_notice_of_data_breach():
    html = notice_html(sample_context(is_california_letter=True))

    assert f'<h1 class="notice-title">{CALIFORNIA_TITLE}</h1>' in html
    assert f"<title>{CALIFORNIA_TITLE}</title>" in html
    assert "notice--california" in html


def test_other_notices_are_titled_with_the_document_title():
    html = notice_html(sample_context())

    assert '<h1 class="notice-title">Patient letter</h1>' in html
    assert CALIFORNIA_TITLE not in html


def test_naive_times_are_refused():
    context = sample_context(released_at=datetime(2025, 3, 5, 18, 30))

    with pytest.raises(ValueError, match="timezone-aware"):
        notice_html(context)


# The rendered notice


@pytest.fixture(scope="module")
def notice_pdf() -> bytes:
    return render_pdf(notice_html(sample_context(is_california_letter=True)))


def page_texts(pdf: bytes) -> list[str]:
    return pdftotext(pdf, "-layout").rstrip("\f").split("\f")


def test_rendered_notice_numbers_pages_and_puts_the_certificate_on_its_own_page(notice_pdf):
    pages = page_texts(notice_pdf)

    assert len(pages) == 2
    assert "Page 1 of 2" in pages[0] and "Page 2 of 2" in pages[1]
    assert "Notice of Data Breach" in pages[0] and "What Happened" in pages[0]
    assert "Approval certificate" not in pages[0]
    assert "Approval certificate" in pages[1] and "0f" * 16 in pages[1]


def test_no_text_on_the_certificate_page_falls_in_the_signature_box(notice_pdf):
    html = pdftotext(notice_pdf, "-bbox", "-f", "2", "-l", "2")
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)
    ll_x, ll_y, ur_x, ur_y = SIGNATURE_BOX

    assert words
    for x_min, y_min, x_max, y_max in (tuple(map(float, w)) for w in words):
        # pdftotext measures y from the top of the page; the box is in PDF points from the bottom.
        bottom, top = height - y_max, height - y_min
        overlaps = x_min < ur_x and x_max > ll_x and bottom < ur_y and top > ll_y
        assert not overlaps, (x_min, y_min, x_max, y_max)


def test_all_text_is_at_least_ten_point(notice_pdf):
    bbox = pdftotext(notice_pdf, "-bbox")
    heights = [
        float(y_max) - float(y_min)
        for y_min, y_max in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', bbox)
    ]

    # A word's box is its font's ascent plus descent: about 1.16 em for DejaVu, so 10pt type
    # measures about 11.6pt and anything under 10pt tall is certainly smaller than 10pt type.
    assert heights
    assert min(heights) >= 10.0


def test_stylesheet_never_sets_type_below_ten_point():
    css = (STATIC_DIR / "css" / "print-notice.css").read_text()
    sizes = re.findall(r"font-size:\s*([^;]+);", css)

    assert sizes
    for size in sizes:
        assert size.endswith("pt"), size
        assert float(size[:-2]) >= 10, size
    assert re.search(r"html\s*{[^}]*font-size:\s*11pt", css)


def test_rendered_notice_is_tagged(notice_pdf):
    root = PdfFileReader(BytesIO(notice_pdf)).root

    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]


def test_pdf_a_variant_is_tagged_and_declares_pdf_a():
    pdf = render_pdf(notice_html(sample_context()), pdf_variant="pdf/a-3b")
    root = PdfFileReader(BytesIO(pdf)).root

    assert "/StructTreeRoot" in root
    metadata = root["/Metadata"].data
    assert b"pdfaid:part" in metadata and b"3" in metadata
    assert "/OutputIntents" in root


def test_unknown_pdf_variant_is_refused():
    with pytest.raises(ValueError, match="unsupported PDF variant"):
        render_pdf("<p>x</p>", pdf_variant="pdf/x-nonsense")
