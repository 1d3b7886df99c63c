"""Write chunk files: each variant's shared objects once, then a few page objects per letter.

Output is deterministic (no timestamps; the file ID is a hash of the content), so regenerating a
chunk yields identical bytes; files are written under a temporary name and renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .stamping import (
    checked_address_lines,
    fast_overlays,
    salutation_text,
    slow_overlays,
)
from .values import (
    DEFAULT_LETTERS_PER_FILE,
    HELVETICA_PLACEHOLDER,
    OVERLAY_FORM_PLACEHOLDER,
    ChunkResult,
    LetterRecipient,
    MailMergeError,
    ManifestRow,
    PreparedVariant,
    chunk_file_name,
    letter_sha256,
)

_PAGES_PER_TREE_NODE = 256
_PDF_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


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
            self.write(number, resolved_body(parts, numbers, resolve))
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


def resolved_body(parts, numbers: Sequence[int], resolve: Mapping[int, int]) -> bytes:
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
                variant.objects, {HELVETICA_PLACEHOLDER: helvetica}
            )
        shared = variant_numbers[variant.key]
        lines = checked_address_lines(recipient)
        salutation = salutation_text(recipient, variant)
        first_page = len(page_numbers) + 1
        overlays = fast_overlays(lines, salutation, variant.salutation_slot)
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
            forms = slow_overlays(lines, salutation, variant.salutation_slot)
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
                        resolved_body(
                            template,
                            shared,
                            {HELVETICA_PLACEHOLDER: helvetica, OVERLAY_FORM_PLACEHOLDER: form},
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
