"""Render notices to PDF: context → HTML → bytes, reading nothing but Beacon's own static files.

Resources are addressed with one scheme only, ``beacon-static:/<path under static/>``; for example
``beacon-static:/css/print-notice.css``. Every other URL (``file:``, ``http(s):``, ``data:``,
``ftp:``, relative URLs) is refused before anything is opened or decoded, so a notice body can
never make the renderer read a server file, call the network or decode an image bomb.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import segno
from django.template import Context, Engine
from django.utils.safestring import mark_safe
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from communications.documents.markup import sanitize_html

BASE_DIR = Path(__file__).resolve().parents[3]
STATIC_DIR = BASE_DIR / "static"
TEMPLATES_DIR = BASE_DIR / "templates"
STATIC_SCHEME = "beacon-static"
NOTICE_STYLESHEET_URL = f"{STATIC_SCHEME}:/css/print-notice.css"
NOTICE_TEMPLATE = "pdf/notice.html"
CALIFORNIA_TITLE = "Notice of Data Breach"

# PDF variants we accept. Tags are always on: PDF/A "b" variants allow tagging, and the "a"
# variants and PDF/UA require it, so accessibility and archiving never conflict here.
SUPPORTED_PDF_VARIANTS = frozenset(
    {None, "pdf/a-2b", "pdf/a-3b", "pdf/a-2a", "pdf/a-3a", "pdf/ua-1"}
)

# US Letter, in PDF points (1/72 inch), origin at the bottom-left corner.
PAGE_SIZE = (612, 792)
# Where the visible signature goes on the certificate page: (ll_x, ll_y, ur_x, ur_y) in PDF points.
# print-notice.css reserves exactly this rectangle in the bottom margin of the "certificate" page
# (1in from the left edge, 0.75in above the bottom edge, 4.5in wide, 1.5in tall), so no text of
# the notice can ever sit under the stamp. Keep the two in step.
SIGNATURE_BOX = (72, 54, 396, 162)


class RefusedURLError(ValueError):
    """A URL the notice renderer will not fetch."""


def static_path_for(url: str, *, root: Path = STATIC_DIR) -> Path:
    """Return the file under root that a beacon-static: URL names, or raise RefusedURLError."""
    parts = urlsplit(url)
    if parts.scheme.lower() != STATIC_SCHEME or parts.netloc:
        raise RefusedURLError(f"only {STATIC_SCHEME}: URLs are fetched, refused {url[:80]!r}")
    relative = unquote(parts.path).lstrip("/")
    if not relative or "\x00" in relative:
        raise RefusedURLError(f"empty or invalid static path in {url[:80]!r}")
    base = root.resolve()
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base):
        raise RefusedURLError(f"path escapes the static directory: {url[:80]!r}")
    if not candidate.is_file():
        raise RefusedURLError(f"no such static file: {url[:80]!r}")
    return candidate


class StaticOnlyURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files under Beacon's static directory and nothing else.

    A refusal raises RefusedURLError, which WeasyPrint logs as a failed fetch before it carries on
    rendering without the resource.
    """

    def __init__(self, root: Path = STATIC_DIR) -> None:
        super().__init__(allowed_protocols=(STATIC_SCHEME,), allow_redirects=False)
        self.root = root

    def fetch(self, url, headers=None):
        path = static_path_for(url, root=self.root)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


safe_url_fetcher = StaticOnlyURLFetcher()


def render_pdf(html: str, *, pdf_variant: str | None = None) -> bytes:
    """Return the tagged PDF of html, fetching only Beacon's static files."""
    if pdf_variant not in SUPPORTED_PDF_VARIANTS:
        raise ValueError(f"unsupported PDF variant {pdf_variant!r}")
    document = HTML(string=html, base_url=None, url_fetcher=safe_url_fetcher)
    return document.write_pdf(pdf_variant=pdf_variant, pdf_tags=True)


@dataclass(frozen=True)
class Organisation:
    name: str
    address_lines: tuple[str, ...] = ()
    logo: str | None = None  # a beacon-static: URL, e.g. "beacon-static:/img/logo.png"


@dataclass(frozen=True)
class ApprovalStep:
    who: str
    role: str
    when: datetime
    comment: str = ""


@dataclass(frozen=True)
class NoticeContext:
    organisation: Organisation
    title: str
    kind: str
    version_number: int
    body_html: str
    content_sha256: str
    author: str
    verify_url: str
    approvals: tuple[ApprovalStep, ...] = ()
    released_at: datetime | None = None
    is_california_letter: bool = False
    time_zone: str = "UTC"


_engine = Engine(dirs=[str(TEMPLATES_DIR)], autoescape=True)


def format_moment(moment: datetime | None, time_zone: str) -> str:
    """Return moment as a readable local time in time_zone, or an empty string."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        raise ValueError("notice times must be timezone-aware")
    local = moment.astimezone(ZoneInfo(time_zone))
    return f"{local:%d %B %Y, %H:%M} {local.tzname()}"


def qr_svg(url: str) -> str:
    """Return an inline SVG QR code for url."""
    return segno.make(url, error="m").svg_inline(border=2, omitsize=True)


def notice_html(context: NoticeContext) -> str:
    """Return the full HTML of a notice: letterhead, body and approval certificate."""
    heading = CALIFORNIA_TITLE if context.is_california_letter else context.title
    template_context = {
        "stylesheet_url": NOTICE_STYLESHEET_URL,
        "organisation": context.organisation,
        "logo_url": context.organisation.logo
        if context.organisation.logo and context.organisation.logo.startswith(f"{STATIC_SCHEME}:")
        else None,
        "heading": heading,
        "title": context.title,
        "kind": context.kind,
        "version_number": str(context.version_number),
        "is_california_letter": context.is_california_letter,
        # body_html comes from body_to_html already; sanitising again costs little and means a
        # caller who forgets cannot smuggle markup into a signed notice.
        "body_html": mark_safe(sanitize_html(context.body_html)),  # noqa: S308
        "content_sha256": context.content_sha256,
        "author": context.author,
        "approvals": [
            {
                "who": step.who,
                "role": step.role,
                "when": format_moment(step.when, context.time_zone),
                "comment": step.comment,
            }
            for step in context.approvals
        ],
        "released_at": format_moment(context.released_at, context.time_zone),
        "time_zone": context.time_zone,
        "verify_url": context.verify_url,
        # segno writes only <svg>/<path> with numeric attributes; the URL is encoded in the path.
        "verify_qr_svg": mark_safe(qr_svg(context.verify_url)),  # noqa: S308
    }
    return _engine.get_template(NOTICE_TEMPLATE).render(Context(template_context))
