"""Response headers: a strict Content-Security-Policy and the browser safeguards on every page."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def test_login_page_sends_a_csp_without_unsafe_inline(client):
    response = client.get(reverse("login"))
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_pages_send_frame_referrer_and_content_type_headers(client, legal_user):
    client.force_login(legal_user)
    response = client.get(reverse("incidents:list"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Content-Security-Policy" in response


def test_https_settings_turn_on_hsts_and_secure_cookies(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


# PDF layouts (rendered by WeasyPrint) and e-mail bodies (mail clients need inline styles) never
# reach a browser with our CSP.
BROWSER_TEMPLATES = sorted(
    p
    for p in TEMPLATES.rglob("*.html")
    if p.relative_to(TEMPLATES).parts[0] != "pdf" and "email" not in p.stem
)


@pytest.mark.parametrize("path", BROWSER_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_needs_unsafe_inline(path):
    """Inline styles, <style>, inline <script> and on* handlers would be blocked by the CSP."""
    html = path.read_text()
    assert not re.search(r"\sstyle\s*=", html), "style= attribute: use a class in beacon.css"
    assert not re.search(r"<style[\s>]", html), "<style> element: move it to beacon.css"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler: use static/js"
    for script in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in script or "application/json" in script, f"inline script: {script}"
