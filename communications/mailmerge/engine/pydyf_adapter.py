"""The pydyf internals the letter engine touches, in one place.

WeasyPrint builds its PDF as a `pydyf.PDF` object graph and hands it, unserialised, to a
``finisher`` (a public WeasyPrint hook). Reading that graph relies on details pydyf does not
document: a reference is stored as the bytes ``b"<n> 0 R"``, the page tree's ``Kids`` as a flat
list ``[n, 0, "R", ...]``, a stream's content as the items of ``Stream.stream`` with its
dictionary in ``Stream.extra``, and ``pydyf._to_bytes`` serialises a value. Nothing else in the
engine imports pydyf, so a pydyf upgrade that changes any of this shows up here (and in
tests/communications/mailmerge/test_engine.py).
"""

from __future__ import annotations

import re

import pydyf

_REFERENCE_RE = re.compile(rb"^(\d+) 0 R$")


def weasyprint_pdf(document) -> pydyf.PDF:
    """Return the pydyf objects WeasyPrint builds for a rendered document, before serialising."""
    captured = []
    document.write_pdf(finisher=lambda _document, pdf: captured.append(pdf))
    return captured[0]


def referenced_number(value) -> int | None:
    """Return the object number a reference points to, or None if the value is no reference."""
    if isinstance(value, bytes) and (match := _REFERENCE_RE.match(value)):
        return int(match[1])
    return None


def object_at(pdf: pydyf.PDF, number: int):
    """Return the object numbered `number` in the document."""
    return pdf.objects[number]


def page_dictionaries(pdf: pydyf.PDF) -> list:
    """Return the page dictionaries of the document, in order."""
    kids = pdf.pages["Kids"]  # [n, 0, "R", n, 0, "R", ...]
    return [pdf.objects[number] for number in kids[0::3]]


def is_stream(value) -> bool:
    """Return whether the value is a stream object (content, font, image)."""
    return isinstance(value, pydyf.Stream)


def stream_data(stream: pydyf.Stream) -> bytes:
    """Return a stream's content bytes, as pydyf would write them (before any compression)."""
    return b"\n".join(pydyf._to_bytes(item) for item in stream.stream)


def stream_dictionary(stream: pydyf.Stream) -> dict:
    """Return a copy of a stream's dictionary (Filter, Subtype, Length...)."""
    return dict(stream.extra)


def serialised(value) -> bytes:
    """Return a direct value (name, number, string) serialised as pydyf writes it."""
    return pydyf._to_bytes(value)
