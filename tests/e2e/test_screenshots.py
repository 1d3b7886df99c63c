"""`make screenshots`: photograph the main pages into docs/screenshots/ for the README."""

import os
import struct
from pathlib import Path

import pytest

from .conftest import VIEWPORT
from .tour import seed_response, tour

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# A long page is cut here so that each PNG stays small; the top of a page is what a reader needs.
MAX_HEIGHT = 1600

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("BEACON_SCREENSHOTS") != "1",
        reason="rewrites docs/screenshots/*.png only when asked: run `make screenshots` "
        "(BEACON_SCREENSHOTS=1)",
    ),
]


def png_size(path: Path) -> tuple[int, int]:
    """Return (width, height) from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_screenshots_of_each_main_page(beacon, command_user, comms_user, legal_user, exec_user):
    users = {
        "command": command_user,
        "comms": comms_user,
        "legal": legal_user,
        "executive": exec_user,
    }
    response = seed_response(
        command=command_user, comms=comms_user, legal=legal_user, executive=exec_user
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for stop, page in tour(beacon, users, response, only_screenshots=True):
        height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
        path = SCREENSHOTS / f"{stop.name}.png"
        page.screenshot(
            path=path,
            full_page=True,
            clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height},
            animations="disabled",
            caret="hide",
        )
        written.append(path)
    assert written, "the tour has no stop marked for a screenshot"
    for path in written:
        width, height = png_size(path)
        assert width == VIEWPORT["width"] and 0 < height <= MAX_HEIGHT, (path, width, height)
