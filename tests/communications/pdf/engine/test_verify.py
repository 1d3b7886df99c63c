"""Verifying uploaded PDFs: intact and trusted, altered, unknown signer, unsigned, garbage."""

from __future__ import annotations

from io import BytesIO

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import PdfTimeStamper

from communications.pdf.engine.render import notice_html, render_pdf
from communications.pdf.engine.sign import BEACON_REF_KEY, make_self_signed_p12, sign_pdf
from communications.pdf.engine.verify import (
    ALTERED,
    NO_SIGNATURE,
    UNKNOWN_CERTIFICATE,
    UNREADABLE,
    parse_beacon_ref,
    verify_pdf,
)
from tests.communications.pdf.engine.test_render import pdftotext, sample_context
from tests.communications.pdf.engine.test_sign import make_tsa

PASSPHRASE = b"verify-passphrase"
SHA = "0f" * 32
BEACON_REF = f"beacon:doc=12;ver=4;sha256={SHA}"
FORGED_TEXT = "Wire the ransom to account 666"


def certificate_of(p12: bytes, encoding=serialization.Encoding.DER) -> bytes:
    _, certificate, _ = pkcs12.load_key_and_certificates(p12, PASSPHRASE)
    return certificate.public_bytes(encoding)


@pytest.fixture(scope="module")
def p12() -> bytes:
    return make_self_signed_p12(organisation="St. Example Hospital", passphrase=PASSPHRASE)


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    return render_pdf(notice_html(sample_context()))


@pytest.fixture(scope="module")
def signed_pdf(unsigned_pdf, p12) -> bytes:
    return sign_pdf(
        unsigned_pdf,
        p12=p12,
        passphrase=PASSPHRASE,
        reason="Approved for release",
        location=None,
        beacon_ref=BEACON_REF,
    )


def append_revision(pdf: bytes, change) -> bytes:
    """Return pdf with an incremental update made by change(writer)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    change(writer)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def overlay_forged_text(writer: IncrementalPdfFileWriter) -> None:
    font = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
            generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
        }
    )
    resources = generic.DictionaryObject(
        {
            generic.NameObject("/Font"): generic.DictionaryObject(
                {generic.NameObject("/Forged"): writer.add_object(font)}
            )
        }
    )
    stream = generic.StreamObject(
        stream_data=f"BT /Forged 14 Tf 72 400 Td ({FORGED_TEXT}) Tj ET".encode()
    )
    writer.add_stream_to_page(0, writer.add_object(stream), resources=resources)


def test_untouched_signed_notice_is_intact_and_trusted(signed_pdf, p12):
    result = verify_pdf(signed_pdf, trusted_certs=[certificate_of(p12)])

    assert result.problem is None
    assert result.valid
    assert result.signed and result.intact and result.trusted and result.covers_whole_file
    assert result.signer == "St. Example Hospital (EVALUATION ONLY - self-signed)"
    assert result.signed_at is not None and result.signed_at.tzinfo is not None
    assert result.beacon_ref == {"doc": "12", "ver": "4", "sha256": SHA}


def test_trusted_certificate_may_be_given_as_pem(signed_pdf, p12):
    pem = certificate_of(p12, serialization.Encoding.PEM)

    assert verify_pdf(signed_pdf, trusted_certs=[pem]).problem is None


def test_flipping_one_byte_inside_the_signed_range_is_altered_after_signing(signed_pdf, p12):
    reader = PdfFileReader(BytesIO(signed_pdf))
    _, first_length, _, _ = reader.embedded_regular_signatures[0].byte_range
    # The document title in the information dictionary of the rendered (first) revision.
    offset = signed_pdf.index(b"Patient letter")
    assert offset < first_length
    tampered = bytearray(signed_pdf)
    tampered[offset] ^= 0x01

    result = verify_pdf(bytes(tampered), trusted_certs=[certificate_of(p12)])

    assert result.problem == ALTERED
    assert result.signed and not result.intact and not result.valid


def test_flipping_one_byte_of_page_content_is_altered_after_signing(signed_pdf, p12):
    start = signed_pdf.index(b"stream\n") + len(b"stream\n") + 20  # inside the first stream
    tampered = bytearray(signed_pdf)
    tampered[start] ^= 0xFF

    result = verify_pdf(bytes(tampered), trusted_certs=[certificate_of(p12)])

    assert result.problem == ALTERED
    assert not result.intact


def test_incremental_update_that_changes_the_text_is_not_valid(signed_pdf, p12):
    forged = append_revision(signed_pdf, overlay_forged_text)
    assert FORGED_TEXT in pdftotext(forged)  # the forgery really shows on the page

    result = verify_pdf(forged, trusted_certs=[certificate_of(p12)])

    assert result.problem == ALTERED
    assert not result.valid and not result.intact and not result.covers_whole_file


def test_incremental_update_of_beacon_ref_is_not_valid_and_not_believed(signed_pdf, p12):
    def point_at_another_version(writer):
        info = writer.trailer["/Info"]
        forged = generic.DictionaryObject(dict(info.items()))
        forged[generic.NameObject(BEACON_REF_KEY)] = generic.TextStringObject(
            "beacon:doc=12;ver=9;sha256=" + "ee" * 32
        )
        writer.set_info(forged)

    forged = append_revision(signed_pdf, point_at_another_version)
    assert "ver=9" in str(PdfFileReader(BytesIO(forged)).trailer_view["/Info"][BEACON_REF_KEY])

    result = verify_pdf(forged, trusted_certs=[certificate_of(p12)])

    assert result.problem == ALTERED
    assert result.beacon_ref == {"doc": "12", "ver": "4", "sha256": SHA}


def test_bytes_appended_after_the_signature_are_altered_after_signing(signed_pdf, p12):
    result = verify_pdf(
        signed_pdf + b"\n<script>evil()</script>\n", trusted_certs=[certificate_of(p12)]
    )

    assert result.problem == ALTERED


def test_trailing_newline_alone_is_tolerated(signed_pdf, p12):
    result = verify_pdf(signed_pdf + b"\r\n", trusted_certs=[certificate_of(p12)])

    assert result.problem is None


def test_unknown_certificate(signed_pdf):
    other = make_self_signed_p12(organisation="Someone Else", passphrase=PASSPHRASE)

    result = verify_pdf(signed_pdf, trusted_certs=[certificate_of(other)])

    assert result.problem == UNKNOWN_CERTIFICATE
    assert result.intact and not result.trusted
    assert result.signer == "St. Example Hospital (EVALUATION ONLY - self-signed)"


def test_no_trusted_certificates_means_unknown_certificate(signed_pdf):
    assert verify_pdf(signed_pdf, trusted_certs=[]).problem == UNKNOWN_CERTIFICATE


def test_forger_with_own_key_and_same_name_is_unknown_certificate(unsigned_pdf, p12):
    impostor = make_self_signed_p12(organisation="St. Example Hospital", passphrase=PASSPHRASE)
    forged = sign_pdf(
        unsigned_pdf,
        p12=impostor,
        passphrase=PASSPHRASE,
        reason="Approved for release",
        location=None,
        beacon_ref=BEACON_REF,
    )

    result = verify_pdf(forged, trusted_certs=[certificate_of(p12)])

    assert result.problem == UNKNOWN_CERTIFICATE
    assert not result.trusted


def test_unsigned_pdf_has_no_signature(unsigned_pdf, p12):
    result = verify_pdf(unsigned_pdf, trusted_certs=[certificate_of(p12)])

    assert result.problem == NO_SIGNATURE
    assert not result.signed and result.beacon_ref is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage" * 100,
        b"%PDF-1.7\n" + b"\x00\xff" * 500,
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << >>\n%%EOF",
        bytes(range(256)) * 40,
    ],
    ids=["empty", "text", "binary-after-header", "broken-structure", "all-bytes"],
)
def test_garbage_is_an_unreadable_pdf(data, p12):
    result = verify_pdf(data, trusted_certs=[certificate_of(p12)])

    assert result.problem == UNREADABLE
    assert not result.signed and not result.intact and not result.trusted


def test_truncated_signed_pdf_never_raises(signed_pdf, p12):
    for length in (10, len(signed_pdf) // 3, len(signed_pdf) // 2, len(signed_pdf) - 40):
        result = verify_pdf(signed_pdf[:length], trusted_certs=[certificate_of(p12)])

        assert result.problem in {UNREADABLE, ALTERED, NO_SIGNATURE}
        assert not result.valid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BEACON_REF, {"doc": "12", "ver": "4", "sha256": SHA}),
        ("beacon:doc=1", {"doc": "1"}),
        ("doc=12;ver=4", None),
        ("beacon:doc", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_beacon_ref(text, expected):
    assert parse_beacon_ref(text) == expected


def test_document_timestamp_added_later_is_allowed(signed_pdf, p12):
    stamper, tsa_certificate, _ = make_tsa()
    writer = IncrementalPdfFileWriter(BytesIO(signed_pdf))
    output = PdfTimeStamper(stamper).timestamp_pdf(writer, md_algorithm="sha256")

    result = verify_pdf(output.getvalue(), trusted_certs=[certificate_of(p12), tsa_certificate])

    assert not result.covers_whole_file
    assert result.problem is None
