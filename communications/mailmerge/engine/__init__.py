"""The letter engine: lay out each variant once, stamp each recipient (pure: no database).

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

Modules: `values` (what goes in and out), `layout` (a variant, once), `stamping` (a recipient's
text), `writer` (chunk files), `pydyf_adapter` (the pydyf internals all of this relies on).
"""

from .layout import prepare_variant, prepare_variants
from .stamping import salutation_text
from .values import (
    DEFAULT_LETTERS_PER_FILE,
    ChunkResult,
    LetterRecipient,
    MailMergeError,
    ManifestRow,
    PreparedVariant,
    RefuseAllURLFetcher,
    SalutationSlot,
    VariantSource,
    chunk_file_name,
    chunked,
    letter_sha256,
)
from .writer import generate_chunk, single_letter_pdf

__all__ = [
    "DEFAULT_LETTERS_PER_FILE",
    "ChunkResult",
    "LetterRecipient",
    "MailMergeError",
    "ManifestRow",
    "PreparedVariant",
    "RefuseAllURLFetcher",
    "SalutationSlot",
    "VariantSource",
    "chunk_file_name",
    "chunked",
    "generate_chunk",
    "letter_sha256",
    "prepare_variant",
    "prepare_variants",
    "salutation_text",
    "single_letter_pdf",
]
