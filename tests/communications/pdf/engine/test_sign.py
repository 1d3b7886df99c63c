"""Signing notices: evaluation keys, PAdES certification signature, stamp, beacon_ref, timestamp."""

from __future__ import annotations

import re
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from communications.pdf.engine import sign
from communications.pdf.engine.render import SIGNATURE_BOX, notice_html, render_pdf
from communications.pdf.engine.sign import (
    BEACON_REF_KEY,
    load_signer,
    make_self_signed_p12,
    sign_pdf,
)
from communications.pdf.engine.verify import verify_pdf
from tests.communications.pdf.engine.test_render import pdftotext, require_tool, sample_context

PASSPHRASE = b"correct horse battery staple"
BEACON_REF = "beacon:doc=12;ver=4;sha256=" + "0f" * 32


@pytest.fixture(scope="module")
def p12() -> bytes:
    return make_self_signed_p12(organisation="St. Example Hospital", passphrase=PASSPHRASE)


@pytest.fixture(scope="module")
def certificate_der(p12) -> bytes:
    _, certificate, _ = pkcs12.load_key_and_certificates(p12, PASSPHRASE)
    return certificate.public_bytes(serialization.Encoding.DER)


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
        location="Springfield, CA",
        beacon_ref=BEACON_REF,
    )


def test_self_signed_p12_is_marked_for_evaluation_and_for_signing(p12):
    key, certificate, extra = pkcs12.load_key_and_certificates(p12, PASSPHRASE)

    common_name = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert common_name == "St. Example Hospital (EVALUATION ONLY - self-signed)"
    assert certificate.issuer == certificate.subject
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert not usage.key_cert_sign
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert timedelta(days=365) <= lifetime <= timedelta(days=366)
    assert extra == []


def test_self_signed_p12_needs_its_passphrase(p12):
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(p12, b"wrong")
    with pytest.raises(ValueError):
        load_signer(p12, b"wrong")


def test_signed_pdf_is_valid_for_pdfsig_and_keeps_the_approved_text(signed_pdf, tmp_path):
    tool = require_tool("pdfsig")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_pdf)
    report = subprocess.run([tool, str(path)], capture_output=True, text=True).stdout

    assert "Signature is Valid." in report
    assert "Total document signed" in report
    assert "ETSI.CAdES.detached" in report
    assert "SHA-256" in report
    text = pdftotext(signed_pdf)
    assert "On 3 March we found that a staff mailbox was accessed." in text
    assert "Approval certificate" in text


def test_signature_is_a_pades_certification_forbidding_changes(signed_pdf):
    reader = PdfFileReader(BytesIO(signed_pdf))
    signature = reader.embedded_regular_signatures[0]

    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == "Approved for release"
    assert signature.sig_object["/Location"] == "Springfield, CA"
    docmdp = reader.root["/Perms"]["/DocMDP"]
    assert docmdp["/Reference"][0]["/TransformParams"]["/P"] == 1


def test_beacon_ref_is_in_the_info_dictionary_inside_the_signed_byte_range(signed_pdf):
    reader = PdfFileReader(BytesIO(signed_pdf))
    signature = reader.embedded_regular_signatures[0]
    _, first_length, second_start, second_length = (int(n) for n in signature.byte_range)

    signed_revision = reader.get_historical_resolver(signature.signed_revision)
    assert signed_revision.trailer_view["/Info"][BEACON_REF_KEY] == BEACON_REF
    assert reader.trailer_view["/Info"][BEACON_REF_KEY] == BEACON_REF
    # The signature covers every byte of the file except its own value, a hex string.
    assert second_start + second_length == len(signed_pdf)
    assert re.fullmatch(rb"<[0-9a-fA-F]+>", signed_pdf[first_length:second_start])


def test_beacon_ref_keeps_the_original_document_information(unsigned_pdf, signed_pdf):
    before = PdfFileReader(BytesIO(unsigned_pdf)).trailer_view["/Info"]
    after = PdfFileReader(BytesIO(signed_pdf)).trailer_view["/Info"]

    assert after["/Title"] == before["/Title"] == "Patient letter"
    assert after["/Author"] == before["/Author"]


def test_visible_box_and_page_can_be_chosen(unsigned_pdf, p12):
    signed = sign_pdf(
        unsigned_pdf,
        p12=p12,
        passphrase=PASSPHRASE,
        reason="Approved",
        location=None,
        beacon_ref=BEACON_REF,
        visible_box=(100, 100, 300, 150),
        page=0,
    )
    reader = PdfFileReader(BytesIO(signed))
    widget = reader.root["/AcroForm"]["/Fields"][0]
    first_page_ref, _ = reader.find_page_for_modification(0)

    assert [round(float(n)) for n in widget["/Rect"]] == [100, 100, 300, 150]
    assert widget.raw_get("/P").idnum == first_page_ref.idnum


def test_visible_signature_sits_in_the_box_on_the_certificate_page(signed_pdf):
    reader = PdfFileReader(BytesIO(signed_pdf))
    widget = reader.root["/AcroForm"]["/Fields"][0]
    last_page_ref, _ = reader.find_page_for_modification(-1)

    assert widget["/T"] == sign.SIGNATURE_FIELD_NAME
    assert [round(float(n)) for n in widget["/Rect"]] == list(SIGNATURE_BOX)
    assert widget.raw_get("/P").idnum == last_page_ref.idnum
    appearance = widget["/AP"]["/N"].data
    assert b"Tj" in appearance or b"TJ" in appearance  # the stamp draws text


def test_invisible_signature_has_an_empty_rectangle(unsigned_pdf, p12):
    signed = sign_pdf(
        unsigned_pdf,
        p12=p12,
        passphrase=PASSPHRASE,
        reason="Approved",
        location=None,
        beacon_ref=BEACON_REF,
        visible=False,
    )
    widget = PdfFileReader(BytesIO(signed)).root["/AcroForm"]["/Fields"][0]

    assert [float(n) for n in widget["/Rect"]] == [0, 0, 0, 0]


def test_signer_is_loaded_once_per_bundle(p12):
    sign._load_signer.cache_clear()

    first = load_signer(p12, PASSPHRASE)
    second = load_signer(bytes(bytearray(p12)), PASSPHRASE)

    assert first is second
    info = sign._load_signer.cache_info()
    assert (info.hits, info.misses) == (1, 1)


# A trusted timestamp from a TSA running on 127.0.0.1


def make_tsa() -> tuple[DummyTimeStamper, bytes, datetime]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Beacon test TSA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    stamped_at = (now - timedelta(minutes=1)).replace(microsecond=0)
    stamper = DummyTimeStamper(
        tsa_cert=translate_pyca_cryptography_cert_to_asn1(certificate),
        tsa_key=translate_pyca_cryptography_key_to_asn1(key),
        fixed_dt=stamped_at,
    )
    return stamper, certificate.public_bytes(serialization.Encoding.DER), stamped_at


@pytest.fixture
def tsa_server():
    stamper, certificate_der, stamped_at = make_tsa()
    requests_seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests_seen.append(self.headers["Content-Type"])
            response = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
        yield url, certificate_der, stamped_at, requests_seen
    finally:
        server.shutdown()
        server.server_close()


def test_signature_carries_the_tsa_timestamp(unsigned_pdf, p12, certificate_der, tsa_server):
    url, tsa_certificate, stamped_at, requests_seen = tsa_server

    signed = sign_pdf(
        unsigned_pdf,
        p12=p12,
        passphrase=PASSPHRASE,
        reason="Approved for release",
        location=None,
        beacon_ref=BEACON_REF,
        tsa_url=url,
    )
    result = verify_pdf(signed, trusted_certs=[certificate_der, tsa_certificate])

    assert requests_seen and set(requests_seen) == {"application/timestamp-query"}
    assert result.problem is None
    assert result.signed_at == stamped_at
