"""The plain values the letter engine takes and returns, and the page geometry it prints on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from weasyprint.urls import URLFetcher

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
# Placeholders in object templates for objects each file provides (local objects are >= 0).
HELVETICA_PLACEHOLDER = -1
OVERLAY_FORM_PLACEHOLDER = -2


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
class VariantSource:
    """An approved letter text, as HTML, before layout (the source of a PreparedVariant)."""

    key: str
    html: str
    approved_sha256: str
    salutation_format: str = "Dear {name},"


@dataclass(frozen=True, slots=True)
class PageTemplate:
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
    pages: tuple[PageTemplate, ...]
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
