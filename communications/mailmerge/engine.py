"""Mail-merge breach-notification letters fast: lay out each variant once, stamp each recipient.

Design
------
WeasyPrint lays out each approved *variant* exactly once (:func:`prepare_variant`). Its page
content streams, fonts and images are captured through WeasyPrint's public ``finisher`` hook
and kept as renumberable object templates. A chunk file (:func:`generate_chunk`) holds each
variant it uses once; a letter is then only a few page dictionaries pointing at the shared
variant content, plus one small content stream that draws the recipient's address block in
the #10 envelope window (and the salutation, when the variant has a salutation slot: an empty
box with ``id="beacon-salutation"``). A letter costs microseconds instead of a WeasyPrint render.

Text the engine draws uses the standard PDF font Helvetica, WinAnsi-encoded, not embedded.
Text WinAnsi cannot encode (e.g. Vietnamese, Chinese, Arabic names) is never transliterated:
that recipient takes the slow path, where WeasyPrint renders just the address and salutation
with embedded fonts, stamped onto the variant pages as a Form XObject. The letter still lands
in the same chunk file, in order.

Each letter starts on an odd page (duplex printing): a letter with an odd page count is padded
with a blank page, included in its manifest page range. Link annotations and outlines of the
variant are dropped: these are printed letters.

Letter hash
-----------
``letter_sha256`` is SHA-256 over ``b"beacon-letter-v1\\0"``, the variant's approved content
hash (hex), ``\\0``, the address lines joined by ``\\n``, ``\\0`` and the salutation text, all
UTF-8. It binds a letter to the approved text and the exact recipient text, independent of the
PDF bytes.

Output is deterministic (no timestamps; the file ID is a hash of the content), so regenerating a
chunk yields identical bytes; files are written under a temporary name and renamed into place.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pydyf
import weasyprint
from weasyprint.urls import URLFetcher

if TYPE_CHECKING:
    from communications.mailmerge.recipients_csv import RecipientRow

PAGE_WIDTH_PT = 612.0  # US Letter
PAGE_HEIGHT_PT = 792.0
# Standard #10 window envelope: 7/8" from the left, 2" from the top, 4.5" x 1.125".
ADDRESS_WINDOW_LEFT_PT = 63.0
ADDRESS_WINDOW_TOP_PT = 144.0
ADDRESS_WINDOW_WIDTH_PT = 324.0
ADDRESS_WINDOW_HEIGHT_PT = 81.0
ADDRESS_INSET_PT = 6.0  # clearance inside the window, as the letter shifts in the envelope
ADDRESS_FONT_SIZE_PT = 10.0
ADDRESS_LEADING_PT = 11.5
MAX_ADDRESS_LINES = 6
SALUTATION_SLOT_ID = "beacon-salutation"
SALUTATION_FONT_SIZE_PT = 11.0
HELVETICA_ASCENT = 0.718  # Helvetica's ascender, as a fraction of the font size
DEFAULT_LETTERS_PER_FILE = 5000
CSS_PX_TO_PT = 0.75

_REFERENCE_RE = re.compile(rb"^(\d+) 0 R$")
_CONTROL_CHARACTERS_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
# Placeholders in object templates for objects each file provides (local objects are >= 0).
_HELVETICA = -1
_OVERLAY_FORM = -2
_PAGES_PER_TREE_NODE = 256
_SFNT_SIGNATURES = (b"\x00\x01\x00\x00", b"OTTO", b"true")
_PDF_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


class MailMergeError(ValueError):
    """A letter or a variant cannot be produced as asked."""


class RefuseAllURLFetcher(URLFetcher):
    """Refuse every URL, so a letter template can reach neither the network nor the disk."""

    def __init__(self):
        super().__init__(fail_on_errors=True)

    def fetch(self, url, headers=None):
        """Refuse the URL."""
        raise MailMergeError("letter templates may not fetch external resources")


@dataclass(frozen=True, slots=True)
class LetterVariant:
    """An approved letter text, as HTML, before layout."""

    key: str
    html: str
    approved_sha256: str
    salutation_format: str = "Dear {name},"


@dataclass(frozen=True, slots=True)
class _PageTemplate:
    contents: int
    resources: int
    media_box: bytes


@dataclass(frozen=True, slots=True)
class SalutationSlot:
    """Where the salutation is drawn: page index and baseline start, in PDF points."""

    page_index: int
    x_pt: float
    top_pt: float  # from the top of the page

    @property
    def baseline_pt(self) -> float:
        """Return the baseline height from the bottom of the page."""
        return PAGE_HEIGHT_PT - self.top_pt - HELVETICA_ASCENT * SALUTATION_FONT_SIZE_PT


@dataclass(frozen=True, slots=True)
class PreparedVariant:
    """A variant laid out once; picklable, so every chunk and worker can reuse it."""

    key: str
    approved_sha256: str
    salutation_format: str
    objects: tuple[tuple[bytes | int, ...], ...]
    pages: tuple[_PageTemplate, ...]
    salutation_slot: SalutationSlot | None

    @property
    def page_count(self) -> int:
        """Return how many pages the variant text takes."""
        return len(self.pages)


@dataclass(frozen=True, slots=True)
class LetterRecipient:
    """What the engine prints for one recipient: address block and salutation name."""

    reference: str
    variant_key: str
    address_lines: tuple[str, ...]
    salutation_name: str


@dataclass(frozen=True, slots=True)
class ManifestRow:
    """Where one letter sits in which file, and the hash of what it says."""

    reference: str
    variant_key: str
    file_name: str
    first_page: int
    last_page: int
    letter_sha256: str


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """One written chunk file and its manifest."""

    manifest: tuple[ManifestRow, ...]
    path: Path
    letters: int
    pages: int


def letter_recipient_from_row(row: RecipientRow, *, variant_key: str) -> LetterRecipient:
    """Return the printable recipient for a validated CSV row."""
    return LetterRecipient(
        reference=row.reference,
        variant_key=variant_key,
        address_lines=row.mailing_address_lines,
        salutation_name=row.addressee_name,
    )


def letter_sha256(approved_sha256: str, address_lines: Sequence[str], salutation: str) -> str:
    """Return the hash binding a letter to its approved text and its exact recipient text."""
    digest = hashlib.sha256(b"beacon-letter-v1\0")
    digest.update(approved_sha256.encode("ascii"))
    digest.update(b"\0" + "\n".join(address_lines).encode("utf-8"))
    digest.update(b"\0" + salutation.encode("utf-8"))
    return digest.hexdigest()


def chunk_file_name(chunk_index: int) -> str:
    """Return the file name of a chunk."""
    return f"letters-{chunk_index:05d}.pdf"


def chunked(
    recipients: Sequence[LetterRecipient], letters_per_file: int = DEFAULT_LETTERS_PER_FILE
) -> Iterator[tuple[int, Sequence[LetterRecipient]]]:
    """Yield (chunk index, recipients) slices of at most ``letters_per_file`` letters."""
    for chunk_index, start in enumerate(range(0, len(recipients), letters_per_file)):
        yield chunk_index, recipients[start : start + letters_per_file]


# --- Laying out a variant once ---------------------------------------------------------------


def prepare_variant(
    variant: LetterVariant,
    *,
    base_url: str | None = None,
    url_fetcher: URLFetcher | None = None,
) -> PreparedVariant:
    """Lay out a variant with WeasyPrint once and keep its pages as reusable templates."""
    document = weasyprint.HTML(
        string=variant.html, base_url=base_url, url_fetcher=url_fetcher or RefuseAllURLFetcher()
    ).render()
    objects, pages = _page_templates(_weasyprint_pdf(document))
    return PreparedVariant(
        key=variant.key,
        approved_sha256=variant.approved_sha256,
        salutation_format=variant.salutation_format,
        objects=objects,
        pages=pages,
        salutation_slot=_salutation_slot(document),
    )


def prepare_variants(
    variants: Sequence[LetterVariant], *, url_fetcher: URLFetcher | None = None
) -> dict[str, PreparedVariant]:
    """Lay out several variants, keyed by variant key."""
    return {variant.key: prepare_variant(variant, url_fetcher=url_fetcher) for variant in variants}


def _weasyprint_pdf(document) -> pydyf.PDF:
    """Return the pydyf objects WeasyPrint builds for a document, before it serialises them."""
    captured = []
    document.write_pdf(finisher=lambda _document, pdf: captured.append(pdf))
    return captured[0]


def _salutation_slot(document) -> SalutationSlot | None:
    """Return where the variant's salutation slot box sits, if the variant has one."""
    for page_index, page in enumerate(document.pages):
        box = page.anchors.get(SALUTATION_SLOT_ID)
        if box is not None:
            return SalutationSlot(page_index, box[0] * CSS_PX_TO_PT, box[1] * CSS_PX_TO_PT)
    return None


@dataclass(frozen=True, slots=True)
class _Placeholder:
    """An object each output file provides, such as its Helvetica font."""

    number: int


class _TemplateImporter:
    """Copy the objects a page needs out of a pydyf document, numbering them from 0."""

    def __init__(self, pdf: pydyf.PDF):
        self.pdf = pdf
        self.local_numbers: dict[object, int] = {}
        self.bodies: dict[int, list[bytes | int]] = {}
        self.pending: list[int] = []

    def allocate(self, key: object) -> int:
        self.local_numbers[key] = len(self.local_numbers)
        return self.local_numbers[key]

    def reference(self, pdf_number: int) -> int:
        if pdf_number not in self.local_numbers:
            self.allocate(pdf_number)
            self.pending.append(pdf_number)
        return self.local_numbers[pdf_number]

    def resolved(self, value):
        """Return the object a reference points to, or the value itself."""
        if isinstance(value, bytes) and (match := _REFERENCE_RE.match(value)):
            return self.pdf.objects[int(match[1])]
        return value

    def parts(self, value) -> list[bytes | int]:
        """Serialise a direct value, turning references into local object numbers."""
        if isinstance(value, bytes):
            match = _REFERENCE_RE.match(value)
            return [self.reference(int(match[1]))] if match else [value]
        if isinstance(value, _Placeholder):
            return [value.number]
        if isinstance(value, pydyf.Stream):
            raise MailMergeError("a stream cannot be a direct value")
        if isinstance(value, dict):
            result: list[bytes | int] = [b"<<"]
            for key, item in value.items():
                result.append(b"/" + pydyf._to_bytes(key) + b" ")
                result.extend(self.parts(item))
            result.append(b">>")
            return result
        if isinstance(value, list | tuple):
            result = [b"["]
            for index, item in enumerate(value):
                if index:
                    result.append(b" ")
                result.extend(self.parts(item))
            result.append(b"]")
            return result
        return [pydyf._to_bytes(value)]

    def stream_parts(self, stream: pydyf.Stream, extra: Mapping) -> list[bytes | int]:
        """Serialise a stream, compressing it unless it already carries a filter."""
        data = b"\n".join(pydyf._to_bytes(item) for item in stream.stream)
        if data[:4] in _SFNT_SIGNATURES:
            data = _font_without_timestamp(data)
        dictionary = dict(extra)
        if "Filter" not in dictionary:
            data = zlib.compress(data, 6)
            dictionary["Filter"] = "/FlateDecode"
        dictionary["Length"] = len(data)
        return [*self.parts(dictionary), b"\nstream\n", data, b"\nendstream"]

    def import_pending(self) -> None:
        while self.pending:
            pdf_number = self.pending.pop()
            value = self.pdf.objects[pdf_number]
            local = self.local_numbers[pdf_number]
            if isinstance(value, pydyf.Stream):
                self.bodies[local] = self.stream_parts(value, value.extra)
            else:
                self.bodies[local] = self.parts(value)

    def page_resources(self, page) -> int:
        """Add a copy of the page's resources that also names the engine's font and overlay."""
        resources = dict(self.resolved(page["Resources"]))
        resources["Font"] = {
            **self.resolved(resources.get("Font", {})),
            "BeaconHelv": _Placeholder(_HELVETICA),
        }
        resources["XObject"] = {
            **self.resolved(resources.get("XObject", {})),
            "BeaconOverlay": _Placeholder(_OVERLAY_FORM),
        }
        local = self.allocate(("resources", id(page)))
        self.bodies[local] = self.parts(resources)
        return local

    def form_x_object(self, page) -> int:
        """Add a Form XObject drawing the page's content with the page's own resources."""
        content = self.resolved(page["Contents"])
        extra = {
            "Type": "/XObject",
            "Subtype": "/Form",
            "BBox": page["MediaBox"],
            "Resources": page["Resources"],
        }
        local = self.allocate(("form", id(page)))
        self.bodies[local] = self.stream_parts(content, extra)
        return local

    def templates(self) -> tuple[tuple[bytes | int, ...], ...]:
        self.import_pending()
        return tuple(tuple(_joined_bytes(self.bodies[index])) for index in range(len(self.bodies)))


def _font_without_timestamp(font: bytes) -> bytes:
    """Return an embedded font whose "modified" date is its "created" date.

    The font subsetter stamps the current time into the subset's ``head`` table; without this,
    laying out the same variant twice would give different bytes.
    """
    (table_count,) = struct.unpack_from(">H", font, 4)
    for index in range(table_count):
        record = 12 + 16 * index
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", font, record)
        if tag == b"head" and length >= 36:
            patched = bytearray(font)
            patched[offset + 28 : offset + 36] = patched[offset + 20 : offset + 28]
            patched[offset + 8 : offset + 12] = bytes(4)  # checkSumAdjustment, recomputed below
            table_checksum = _sfnt_checksum(patched[offset : offset + length])
            struct.pack_into(">I", patched, record + 4, table_checksum)
            adjustment = (0xB1B0AFBA - _sfnt_checksum(patched)) & 0xFFFFFFFF
            struct.pack_into(">I", patched, offset + 8, adjustment)
            return bytes(patched)
    return font


def _sfnt_checksum(data: bytes | bytearray) -> int:
    """Return the OpenType checksum: the sum of big-endian 32-bit words, modulo 2**32."""
    padded = bytes(data) + bytes(-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _joined_bytes(parts: Sequence[bytes | int]) -> Iterator[bytes | int]:
    """Merge runs of adjacent byte parts, so templates resolve with few joins."""
    run: list[bytes] = []
    for part in parts:
        if isinstance(part, bytes):
            run.append(part)
        else:
            if run:
                yield b"".join(run)
                run = []
            yield part
    if run:
        yield b"".join(run)


def _page_dictionaries(pdf: pydyf.PDF) -> list:
    """Return the page dictionaries of a pydyf document, in order."""
    kids = pdf.pages["Kids"]  # pydyf stores [n, 0, "R", n, 0, "R", ...]
    return [pdf.objects[number] for number in kids[0::3]]


def _page_templates(pdf: pydyf.PDF):
    """Return the object templates and page templates of a laid-out variant."""
    importer = _TemplateImporter(pdf)
    pages = []
    for page in _page_dictionaries(pdf):
        resources = importer.page_resources(page)
        contents = importer.reference(int(_REFERENCE_RE.match(page["Contents"])[1]))
        media_box = b"".join(importer.parts(page["MediaBox"]))
        pages.append(_PageTemplate(contents, resources, media_box))
    return importer.templates(), tuple(pages)


# --- Stamping recipients ---------------------------------------------------------------------


def salutation_text(recipient: LetterRecipient, variant: PreparedVariant) -> str:
    """Return the salutation drawn for a recipient, or "" if the variant has no slot."""
    if variant.salutation_slot is None:
        return ""
    return variant.salutation_format.format(name=_printable(recipient.salutation_name))


def _printable(text: str) -> str:
    """Return text on one line: control characters become spaces."""
    return " ".join(_CONTROL_CHARACTERS_RE.sub(" ", text).split())


def _checked_address_lines(recipient: LetterRecipient) -> tuple[str, ...]:
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


def _fast_overlays(
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
class _OverlayForm:
    """A slow-path overlay page, laid out by WeasyPrint, as a Form XObject with its objects."""

    objects: tuple[tuple[bytes | int, ...], ...]
    form: int


def _slow_overlays(
    address_lines: Sequence[str], salutation: str, slot: SalutationSlot | None
) -> dict[int, _OverlayForm]:
    """Return WeasyPrint-rendered overlays of the recipient text, per page index."""
    page_indexes = {0} | ({slot.page_index} if slot is not None and salutation else set())
    overlays = {}
    for page_index in sorted(page_indexes):
        document = weasyprint.HTML(
            string=_overlay_html(address_lines, salutation, slot, page_index),
            url_fetcher=RefuseAllURLFetcher(),
        ).render()
        pdf = _weasyprint_pdf(document)
        importer = _TemplateImporter(pdf)
        form = importer.form_x_object(_page_dictionaries(pdf)[0])
        overlays[page_index] = _OverlayForm(importer.templates(), form)
    return overlays


class _PdfFileWriter:
    """Write numbered objects in any order, then a classic cross-reference table."""

    def __init__(self):
        self.chunks: list[bytes] = [_PDF_HEADER]
        self.position = len(_PDF_HEADER)
        self.offsets: list[int | None] = [None]

    def reserve(self) -> int:
        self.offsets.append(None)
        return len(self.offsets) - 1

    def write(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.position
        data = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        self.chunks.append(data)
        self.position += len(data)

    def add(self, body: bytes) -> int:
        number = self.reserve()
        self.write(number, body)
        return number

    def write_templates(self, templates, resolve: Mapping[int, int]) -> list[int]:
        """Write template objects under fresh numbers; return the numbers, by local index."""
        numbers = [self.reserve() for _ in templates]
        for number, parts in zip(numbers, templates, strict=True):
            self.write(number, _resolved_body(parts, numbers, resolve))
        return numbers

    def finish(self, root: int) -> bytes:
        body = b"".join(self.chunks)
        file_id = hashlib.sha256(body).hexdigest()[:32].encode("ascii")
        xref = [b"xref\n0 %d\n0000000000 65535 f \n" % len(self.offsets)]
        for offset in self.offsets[1:]:
            if offset is None:
                raise MailMergeError("an object number was reserved but never written")
            xref.append(b"%010d 00000 n \n" % offset)
        trailer = (
            b"trailer\n<</Size %d /Root %d 0 R /ID [<%s> <%s>]>>\nstartxref\n%d\n%%%%EOF\n"
            % (
                len(self.offsets),
                root,
                file_id,
                file_id,
                self.position,
            )
        )
        return body + b"".join(xref) + trailer


def _resolved_body(parts, numbers: Sequence[int], resolve: Mapping[int, int]) -> bytes:
    """Return a template body with local and placeholder references made concrete."""
    out = []
    for part in parts:
        if isinstance(part, bytes):
            out.append(part)
        elif part >= 0:
            out.append(b"%d 0 R" % numbers[part])
        elif part in resolve:
            out.append(b"%d 0 R" % resolve[part])
        else:
            out.append(b"null")
    return b"".join(out)


def _padded_page_count(variant: PreparedVariant, pad_to_odd_start: bool) -> int:
    """Return the pages a letter takes, with a blank page so the next letter starts odd."""
    pages = variant.page_count
    return pages + (pages % 2 if pad_to_odd_start else 0)


def _letters_pdf(
    recipients: Sequence[LetterRecipient],
    variants: Mapping[str, PreparedVariant],
    *,
    file_name: str,
    pad_to_odd_start: bool,
) -> tuple[bytes, tuple[ManifestRow, ...], int]:
    """Return the PDF bytes of consecutive letters, their manifest rows and the page count."""
    if not recipients:
        raise MailMergeError("no letters to write")
    for recipient in recipients:
        if recipient.variant_key not in variants:
            raise MailMergeError(f"unknown variant {recipient.variant_key!r}")
    writer = _PdfFileWriter()
    catalog, root = writer.reserve(), writer.reserve()
    writer.write(catalog, b"<</Type /Catalog /Pages %d 0 R>>" % root)
    helvetica = writer.add(
        b"<</Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding>>"
    )
    # Variant content streams may leave the graphics state changed: fence them with q/Q.
    save = writer.add(b"<</Length 1>>\nstream\nq\nendstream")
    restore = writer.add(b"<</Length 1>>\nstream\nQ\nendstream")
    total_pages = sum(
        _padded_page_count(variants[r.variant_key], pad_to_odd_start) for r in recipients
    )
    tree_nodes = [writer.reserve() for _ in range(0, total_pages, _PAGES_PER_TREE_NODE)]
    page_numbers: list[int] = []
    variant_numbers: dict[str, list[int]] = {}
    manifest = []

    def add_page(media_box: bytes, resources: int | None, contents: Sequence[int]) -> None:
        parent = tree_nodes[len(page_numbers) // _PAGES_PER_TREE_NODE]
        body = b"<</Type /Page /Parent %d 0 R /MediaBox %s" % (parent, media_box)
        if resources is not None:
            body += b" /Resources %d 0 R" % resources
        if contents:
            body += b" /Contents [%s]" % b" ".join(b"%d 0 R" % number for number in contents)
        page_numbers.append(writer.add(body + b">>"))

    for recipient in recipients:
        variant = variants[recipient.variant_key]
        if variant.key not in variant_numbers:
            variant_numbers[variant.key] = writer.write_templates(
                variant.objects, {_HELVETICA: helvetica}
            )
        shared = variant_numbers[variant.key]
        lines = _checked_address_lines(recipient)
        salutation = salutation_text(recipient, variant)
        first_page = len(page_numbers) + 1
        overlays = _fast_overlays(lines, salutation, variant.salutation_slot)
        if overlays is not None:
            for page_index, page in enumerate(variant.pages):
                contents = [save, shared[page.contents], restore]
                if page_index in overlays:
                    stream = overlays[page_index]
                    contents.append(
                        writer.add(b"<</Length %d>>\nstream\n%s\nendstream" % (len(stream), stream))
                    )
                add_page(page.media_box, shared[page.resources], contents)
        else:
            forms = _slow_overlays(lines, salutation, variant.salutation_slot)
            for page_index, page in enumerate(variant.pages):
                contents = [save, shared[page.contents], restore]
                resources = shared[page.resources]
                if page_index in forms:
                    overlay = forms[page_index]
                    form = writer.write_templates(overlay.objects, {})[overlay.form]
                    stamp = b"q /BeaconOverlay Do Q"
                    contents.append(
                        writer.add(b"<</Length %d>>\nstream\n%s\nendstream" % (len(stamp), stamp))
                    )
                    template = variant.objects[page.resources]
                    resources = writer.add(
                        _resolved_body(
                            template, shared, {_HELVETICA: helvetica, _OVERLAY_FORM: form}
                        )
                    )
                add_page(page.media_box, resources, contents)
        if pad_to_odd_start and variant.page_count % 2:
            add_page(variant.pages[-1].media_box, None, ())
        manifest.append(
            ManifestRow(
                reference=recipient.reference,
                variant_key=variant.key,
                file_name=file_name,
                first_page=first_page,
                last_page=len(page_numbers),
                letter_sha256=letter_sha256(variant.approved_sha256, lines, salutation),
            )
        )

    for index, node in enumerate(tree_nodes):
        kids = page_numbers[index * _PAGES_PER_TREE_NODE : (index + 1) * _PAGES_PER_TREE_NODE]
        writer.write(
            node,
            b"<</Type /Pages /Parent %d 0 R /Count %d /Kids [%s]>>"
            % (root, len(kids), b" ".join(b"%d 0 R" % kid for kid in kids)),
        )
    writer.write(
        root,
        b"<</Type /Pages /Count %d /Kids [%s]>>"
        % (len(page_numbers), b" ".join(b"%d 0 R" % node for node in tree_nodes)),
    )
    return writer.finish(catalog), tuple(manifest), len(page_numbers)


def generate_chunk(
    chunk_index: int,
    recipients_slice: Sequence[LetterRecipient],
    variants: Mapping[str, PreparedVariant],
    out_dir: str | os.PathLike,
    sign: Callable[[bytes], bytes] | None = None,
    *,
    letters_per_file: int = DEFAULT_LETTERS_PER_FILE,
) -> ChunkResult:
    """Write one chunk file of letters atomically and return its manifest.

    The same inputs always give the same bytes (before ``sign``, which is applied once to the
    whole file), so a chunk can be regenerated safely after a crash.
    """
    if len(recipients_slice) > letters_per_file:
        raise MailMergeError(
            f"a chunk holds at most {letters_per_file} letters, not {len(recipients_slice)}"
        )
    file_name = chunk_file_name(chunk_index)
    data, manifest, pages = _letters_pdf(
        recipients_slice, variants, file_name=file_name, pad_to_odd_start=True
    )
    if sign is not None:
        data = sign(data)
    path = Path(out_dir) / file_name
    _write_atomically(path, data)
    return ChunkResult(manifest=manifest, path=path, letters=len(manifest), pages=pages)


def single_letter_pdf(recipient: LetterRecipient, variant: PreparedVariant) -> bytes:
    """Return one recipient's letter as its own PDF, e.g. to attach to an email notice."""
    if recipient.variant_key != variant.key:
        raise MailMergeError(f"recipient wants variant {recipient.variant_key!r}")
    data, _manifest, _pages = _letters_pdf(
        [recipient], {variant.key: variant}, file_name="", pad_to_odd_start=False
    )
    return data


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a file under a temporary name and rename it, so no half file looks finished."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
