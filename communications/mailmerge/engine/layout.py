"""Lay out a variant once with WeasyPrint and keep its pages as renumberable object templates."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import weasyprint
from weasyprint.urls import URLFetcher

from . import pydyf_adapter as pdf_objects
from .values import (
    CSS_PX_TO_PT,
    HELVETICA_PLACEHOLDER,
    OVERLAY_FORM_PLACEHOLDER,
    SALUTATION_SLOT_ID,
    MailMergeError,
    PageTemplate,
    PreparedVariant,
    RefuseAllURLFetcher,
    SalutationSlot,
    VariantSource,
)

_SFNT_SIGNATURES = (b"\x00\x01\x00\x00", b"OTTO", b"true")


def prepare_variant(
    variant: VariantSource,
    *,
    base_url: str | None = None,
    url_fetcher: URLFetcher | None = None,
) -> PreparedVariant:
    """Lay out a variant with WeasyPrint once and keep its pages as reusable templates."""
    document = weasyprint.HTML(
        string=variant.html, base_url=base_url, url_fetcher=url_fetcher or RefuseAllURLFetcher()
    ).render()
    objects, pages = _page_templates(pdf_objects.weasyprint_pdf(document))
    return PreparedVariant(
        key=variant.key,
        approved_sha256=variant.approved_sha256,
        salutation_format=variant.salutation_format,
        objects=objects,
        pages=pages,
        salutation_slot=_salutation_slot(document),
    )


def prepare_variants(
    variants: Sequence[VariantSource], *, url_fetcher: URLFetcher | None = None
) -> dict[str, PreparedVariant]:
    """Lay out several variants, keyed by variant key."""
    return {variant.key: prepare_variant(variant, url_fetcher=url_fetcher) for variant in variants}


def _salutation_slot(document) -> SalutationSlot | None:
    """Return where the variant's salutation slot box sits, if the variant has one."""
    for page_index, page in enumerate(document.pages):
        box = page.anchors.get(SALUTATION_SLOT_ID)
        if box is not None:
            return SalutationSlot(page_index, box[0] * CSS_PX_TO_PT, box[1] * CSS_PX_TO_PT)
    return None


@dataclass(frozen=True, slots=True)
class Placeholder:
    """An object each output file provides, such as its Helvetica font."""

    number: int


class TemplateImporter:
    """Copy the objects a page needs out of a pydyf document, numbering them from 0."""

    def __init__(self, pdf):
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
        number = pdf_objects.referenced_number(value)
        return value if number is None else pdf_objects.object_at(self.pdf, number)

    def parts(self, value) -> list[bytes | int]:
        """Serialise a direct value, turning references into local object numbers."""
        if isinstance(value, bytes):
            number = pdf_objects.referenced_number(value)
            return [value] if number is None else [self.reference(number)]
        if isinstance(value, Placeholder):
            return [value.number]
        if pdf_objects.is_stream(value):
            raise MailMergeError("a stream cannot be a direct value")
        if isinstance(value, dict):
            result: list[bytes | int] = [b"<<"]
            for key, item in value.items():
                result.append(b"/" + pdf_objects.serialised(key) + b" ")
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
        return [pdf_objects.serialised(value)]

    def stream_parts(self, data: bytes, extra: Mapping) -> list[bytes | int]:
        """Serialise a stream, compressing it unless it already carries a filter."""
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
            value = pdf_objects.object_at(self.pdf, pdf_number)
            local = self.local_numbers[pdf_number]
            if pdf_objects.is_stream(value):
                self.bodies[local] = self.stream_parts(
                    pdf_objects.stream_data(value), pdf_objects.stream_dictionary(value)
                )
            else:
                self.bodies[local] = self.parts(value)

    def page_resources(self, page) -> int:
        """Add a copy of the page's resources that also names the engine's font and overlay."""
        resources = dict(self.resolved(page["Resources"]))
        resources["Font"] = {
            **self.resolved(resources.get("Font", {})),
            "BeaconHelv": Placeholder(HELVETICA_PLACEHOLDER),
        }
        resources["XObject"] = {
            **self.resolved(resources.get("XObject", {})),
            "BeaconOverlay": Placeholder(OVERLAY_FORM_PLACEHOLDER),
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
        self.bodies[local] = self.stream_parts(pdf_objects.stream_data(content), extra)
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


def _page_templates(pdf):
    """Return the object templates and page templates of a laid-out variant."""
    importer = TemplateImporter(pdf)
    pages = []
    for page in pdf_objects.page_dictionaries(pdf):
        resources = importer.page_resources(page)
        contents = importer.reference(pdf_objects.referenced_number(page["Contents"]))
        media_box = b"".join(importer.parts(page["MediaBox"]))
        pages.append(PageTemplate(contents, resources, media_box))
    return importer.templates(), tuple(pages)
