"""Draw one recipient's address block and salutation onto a prepared variant's pages.

The fast path writes a tiny Helvetica content stream; text WinAnsi cannot encode takes the slow
path, where WeasyPrint renders just that text and it is stamped on as a Form XObject.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

import weasyprint

from . import pydyf_adapter as pdf_objects
from .layout import TemplateImporter
from .values import (
    ADDRESS_FONT_SIZE_PT,
    ADDRESS_INSET_PT,
    ADDRESS_LEADING_PT,
    ADDRESS_WINDOW_LEFT_PT,
    ADDRESS_WINDOW_TOP_PT,
    ADDRESS_WINDOW_WIDTH_PT,
    HELVETICA_ASCENT,
    MAX_ADDRESS_LINES,
    PAGE_HEIGHT_PT,
    SALUTATION_FONT_SIZE_PT,
    LetterRecipient,
    MailMergeError,
    PreparedVariant,
    RefuseAllURLFetcher,
    SalutationSlot,
)

_CONTROL_CHARACTERS_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def salutation_text(recipient: LetterRecipient, variant: PreparedVariant) -> str:
    """Return the salutation drawn for a recipient, or "" if the variant has no slot."""
    if variant.salutation_slot is None:
        return ""
    return variant.salutation_format.format(name=_printable(recipient.salutation_name))


def _printable(text: str) -> str:
    """Return text on one line: control characters become spaces."""
    return " ".join(_CONTROL_CHARACTERS_RE.sub(" ", text).split())


def checked_address_lines(recipient: LetterRecipient) -> tuple[str, ...]:
    """Return the recipient's address lines ready to print, refusing a block that cannot fit."""
    lines = tuple(line for line in map(_printable, recipient.address_lines) if line)
    if not lines or len(lines) > MAX_ADDRESS_LINES:
        raise MailMergeError(
            f"recipient {recipient.reference!r} needs 1 to {MAX_ADDRESS_LINES} address lines"
        )
    return lines


def _winansi_string(text: str) -> bytes | None:
    """Return text as a PDF literal string in WinAnsi encoding, or None if it cannot be."""
    try:
        encoded = text.encode("cp1252")  # Python's cp1252 is PDF's WinAnsiEncoding
    except UnicodeEncodeError:
        return None
    escaped = encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + escaped + b")"


def _address_baseline_pt() -> float:
    """Return the baseline height of the address block's first line."""
    top = ADDRESS_WINDOW_TOP_PT + ADDRESS_INSET_PT + HELVETICA_ASCENT * ADDRESS_FONT_SIZE_PT
    return PAGE_HEIGHT_PT - top


def fast_overlays(
    address_lines: Sequence[str], salutation: str, slot: SalutationSlot | None
) -> dict[int, bytes] | None:
    """Return Helvetica content streams drawing the recipient text, per page index.

    Return None when some text cannot be encoded in WinAnsi.
    """
    encoded_lines = [_winansi_string(line) for line in address_lines]
    encoded_salutation = _winansi_string(salutation)
    if None in encoded_lines or encoded_salutation is None:
        return None
    address = b"BT /BeaconHelv %g Tf %g TL %g %g Td %s ET" % (
        ADDRESS_FONT_SIZE_PT,
        ADDRESS_LEADING_PT,
        ADDRESS_WINDOW_LEFT_PT + ADDRESS_INSET_PT,
        _address_baseline_pt(),
        b" Tj T* ".join(encoded_lines) + b" Tj",
    )
    overlays = {0: [address]}
    if slot is not None and salutation:
        overlays.setdefault(slot.page_index, []).append(
            b"BT /BeaconHelv %g Tf %g %g Td %s Tj ET"
            % (SALUTATION_FONT_SIZE_PT, slot.x_pt, slot.baseline_pt, encoded_salutation)
        )
    return {page: b"\n".join(parts) for page, parts in overlays.items()}


def _overlay_html(
    address_lines: Sequence[str], salutation: str, slot: SalutationSlot | None, page_index: int
) -> str:
    """Return HTML for one page that holds only the recipient text, at the stamped positions."""
    boxes = []
    if page_index == 0:
        lines = "<br>".join(html.escape(line) for line in address_lines)
        boxes.append(
            f'<div style="left:{ADDRESS_WINDOW_LEFT_PT + ADDRESS_INSET_PT}pt;'
            f"top:{ADDRESS_WINDOW_TOP_PT + ADDRESS_INSET_PT}pt;"
            f"width:{ADDRESS_WINDOW_WIDTH_PT - 2 * ADDRESS_INSET_PT}pt;"
            f'font-size:{ADDRESS_FONT_SIZE_PT}pt;line-height:{ADDRESS_LEADING_PT}pt">{lines}</div>'
        )
    if slot is not None and salutation and slot.page_index == page_index:
        boxes.append(
            f'<div style="left:{slot.x_pt}pt;top:{slot.top_pt}pt;'
            f'font-size:{SALUTATION_FONT_SIZE_PT}pt">{html.escape(salutation)}</div>'
        )
    return (
        "<!doctype html><html><head><style>@page{size:letter;margin:0}"
        "body{margin:0;font-family:sans-serif}div{position:absolute;white-space:nowrap}"
        f"</style></head><body>{''.join(boxes)}</body></html>"
    )


@dataclass(frozen=True, slots=True)
class OverlayForm:
    """A slow-path overlay page, laid out by WeasyPrint, as a Form XObject with its objects."""

    objects: tuple[tuple[bytes | int, ...], ...]
    form: int


def slow_overlays(
    address_lines: Sequence[str], salutation: str, slot: SalutationSlot | None
) -> dict[int, OverlayForm]:
    """Return WeasyPrint-rendered overlays of the recipient text, per page index."""
    page_indexes = {0} | ({slot.page_index} if slot is not None and salutation else set())
    overlays = {}
    for page_index in sorted(page_indexes):
        document = weasyprint.HTML(
            string=_overlay_html(address_lines, salutation, slot, page_index),
            url_fetcher=RefuseAllURLFetcher(),
        ).render()
        pdf = pdf_objects.weasyprint_pdf(document)
        importer = TemplateImporter(pdf)
        form = importer.form_x_object(pdf_objects.page_dictionaries(pdf)[0])
        overlays[page_index] = OverlayForm(importer.templates(), form)
    return overlays
