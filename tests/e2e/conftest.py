"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every test here is marked `browser`. Without /usr/bin/chromium (or the `playwright` package) they
skip and say how to enable them; with BEACON_REQUIRE_SERVICES=1 (CI) they fail instead.
"""

import os
import re
from base64 import b32decode
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import require_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
HOW_TO_ENABLE = (
    "install Debian's browser (`apt-get install chromium`, giving /usr/bin/chromium) and the "
    "Python driver (`pip install -e '.[dev]'`; never `playwright install`)"
)
PASSWORD = "correct-horse-battery"
VIEWPORT = {"width": 1280, "height": 800}
AXE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
# axe-core's impact levels that fail a page; "moderate" and "minor" are reported by axe only.
FAILING_IMPACTS = ("serious", "critical")
SIGNING_PASSPHRASE = "e2e-test-passphrase"

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # the `browser` fixture skips (or fails in CI) and says how to install it
    sync_playwright = expect = None


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for the whole e2e package (Debian's, never a downloaded one)."""
    require_service(
        sync_playwright is not None and CHROMIUM.exists(),
        "Chromium with Playwright for Python",
        HOW_TO_ENABLE,
    )
    # The sync driver keeps an asyncio loop running in this thread, which makes Django refuse
    # ORM calls from the test body (seeding, assertions). The live server answers from its own
    # thread, where the check stays on; lift it only here, only while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def signing_p12_path(tmp_path_factory) -> Path:
    """One evaluation signing certificate per test session, on disk like BEACON_SIGNING_P12."""
    from communications.pdf.engine.sign import make_self_signed_p12

    path = tmp_path_factory.mktemp("e2e-signing") / "e2e.p12"
    path.write_bytes(
        make_self_signed_p12(
            organisation="Riverside E2E Hospital", passphrase=SIGNING_PASSPHRASE.encode()
        )
    )
    return path


@dataclass
class Beacon:
    """The live server and one browser context per signed-in person."""

    browser: "Browser"
    base_url: str
    contexts: list = field(default_factory=list)

    def page(self) -> "Page":
        """Return a page in a fresh, signed-out context (1280 px wide)."""
        context = self.browser.new_context(
            base_url=self.base_url, viewport=VIEWPORT, accept_downloads=True
        )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.dialogs = []  # messages of the confirm() dialogs the page raised, in order

        def accept(dialog):
            page.dialogs.append(dialog.message)
            dialog.accept()

        page.on("dialog", accept)
        return page

    def login(self, user, password: str = PASSWORD) -> "Page":
        """Sign in through the real login form; return the page on the user's start page."""
        page = self.page()
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def beacon(browser, live_server, transactional_db, settings, signing_p12_path, tmp_path):
    """A live Beacon with a signing certificate, the starter templates and a clean slate."""
    from communications.documents import services as document_services

    settings.BEACON_SIGNING_P12 = str(signing_p12_path)
    settings.BEACON_SIGNING_PASSPHRASE = SIGNING_PASSPHRASE
    settings.BEACON_TSA_URL = ""
    settings.BEACON_TRUSTED_CERTS = []
    settings.BEACON_PUBLIC_URL = live_server.url
    settings.MEDIA_ROOT = str(tmp_path / "media")
    document_services.templates_sync_starter()
    site = Beacon(browser=browser, base_url=live_server.url)
    yield site
    site.close()
    _purge_test_queue()


def _purge_test_queue() -> None:
    """Drop the tasks this test's commits enqueued (the PDF render after a release)."""
    # No worker ran them here; a worker started by a later test must not run them on its rows.
    from config.celery import app
    from tests.conftest import TEST_QUEUE

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(TEST_QUEUE)


# Helpers ---------------------------------------------------------------------------------------


def field(page: "Page", label: str):
    """Return the form field labelled exactly `label` (crispy adds "*" to required ones)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def totp_code(secret_b32: str) -> str:
    """Return the current six-digit code for a base32 key, as an authenticator app would."""
    from django_otp.oath import totp

    key = b32decode(secret_b32.strip().replace(" ", "").upper())
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


def enrol_two_factor(page: "Page", next_path: str) -> None:
    """Enrol an authenticator on /account/two-factor/ by reading the key shown for manual entry."""
    page.goto(f"/account/two-factor/?next={next_path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    secret = page.locator(".otp-secret").inner_text()
    page.get_by_label("Six-digit code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor").click()
    expect(page.get_by_text("Two-factor authentication is on for your account.")).to_be_visible()
    expect(page.locator(".recovery-code")).to_have_count(10)  # shown once, then on to `next`
    page.get_by_role("link", name="I have saved them").click()


def off_the_browser_thread(function, /, *args, **kwargs):
    """Call function in a plain thread and return its result.

    The Playwright loop running in the test thread breaks code that calls asyncio.run(), such as
    pyHanko's signature validation; the helper thread has no loop and closes its connections.
    """
    from django.db import connections

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def axe_violations(page: "Page") -> list[dict]:
    """Run axe-core on the page; return its serious and critical violations.

    The vendored axe source is evaluated through the DevTools protocol (page.evaluate), which the
    page's Content-Security-Policy does not govern; `add_script_tag` would add an inline <script>
    that the CSP rightly blocks. We keep the CSP on (no `bypass_csp`) so the page is audited
    exactly as a user's browser renders it, inline styles blocked and all.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    results = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }"""
    )
    return [v for v in results if v["impact"] in FAILING_IMPACTS]


_AXE_SOURCE: list[str] = []


def _axe_source() -> str:
    if not _AXE_SOURCE:
        _AXE_SOURCE.append(AXE_PATH.read_text(encoding="utf-8"))
    return _AXE_SOURCE[0]


def describe_violations(where: str, violations: list[dict]) -> str:
    """Return a readable report: page, rule id, impact, help, and each offending node's target."""
    lines = []
    for violation in violations:
        lines.append(
            f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} "
            f"<{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)
