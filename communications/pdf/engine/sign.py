"""Sign rendered notices (PAdES) and make evaluation signing keys.

The signature is a PAdES certification signature (DocMDP "no changes"): the organisation vouches
for the whole document, and any later edit other than adding validation data shows as tampering.

The Beacon reference (``beacon:doc=12;ver=4;sha256=<hex>``) is written into the document
information dictionary as the custom key ``/BeaconRef`` in the same incremental revision as the
signature, so the signed byte range covers it. ``verify.py`` reads it back from that signed
revision, never from a later one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from io import BytesIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.stamp import TextStampStyle

from communications.pdf.engine.render import SIGNATURE_BOX

BEACON_REF_KEY = "/BeaconRef"
SIGNATURE_FIELD_NAME = "BeaconSignature"
STAMP_TEXT = "Digitally signed by\n%(signer)s\n%(ts)s\n%(reason)s"


def make_self_signed_p12(*, organisation: str, passphrase: bytes, days: int = 365) -> bytes:
    """Return a PKCS#12 bundle with an EC P-256 key and a self-signed evaluation certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(
                NameOID.COMMON_NAME, f"{organisation} (EVALUATION ONLY - self-signed)"
            ),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        name=organisation.encode(),
        key=key,
        cert=certificate,
        cas=None,
        encryption_algorithm=encryption,
    )


def load_signer(p12: bytes, passphrase: bytes | None) -> signers.SimpleSigner:
    """Return the signer in a PKCS#12 bundle, loading each bundle only once per process."""
    return _load_signer(hashlib.sha256(p12).hexdigest(), p12, passphrase)


@lru_cache(maxsize=8)
def _load_signer(p12_sha256: str, p12: bytes, passphrase: bytes | None) -> signers.SimpleSigner:
    # The digest leads the key so the cache is keyed by content; the bytes ride along to load.
    return signers.SimpleSigner.load_pkcs12_data(p12, other_certs=(), passphrase=passphrase)


@lru_cache(maxsize=8)
def _timestamper(tsa_url: str) -> timestamps.HTTPTimeStamper:
    # pyHanko asks a TSA for a throwaway token to size the signature; one per URL is enough.
    return timestamps.HTTPTimeStamper(tsa_url, timeout=10)


def _write_beacon_ref(writer: IncrementalPdfFileWriter, beacon_ref: str) -> None:
    """Put beacon_ref in the information dictionary of the revision about to be written."""
    info = generic.DictionaryObject()
    try:
        current = writer.trailer["/Info"]
    except KeyError:
        current = None
    if isinstance(current, generic.DictionaryObject):
        for key, value in current.items():
            info[key] = value
    info[generic.NameObject(BEACON_REF_KEY)] = generic.TextStringObject(beacon_ref)
    writer.set_info(info)


def sign_pdf(
    pdf: bytes,
    *,
    p12: bytes,
    passphrase: bytes | None,
    reason: str,
    location: str | None,
    beacon_ref: str,
    tsa_url: str | None = None,
    visible_box: tuple[int, int, int, int] | None = None,
    page: int = -1,
    visible: bool = True,
) -> bytes:
    """Return pdf with a PAdES certification signature, its stamp and beacon_ref, all signed.

    The stamp goes in visible_box, (ll_x, ll_y, ur_x, ur_y) in PDF points on page (the last page
    by default, which is the certificate page); None means render.SIGNATURE_BOX, the rectangle
    the notice layout keeps free. visible=False makes the signature invisible. With tsa_url the
    signature carries an RFC 3161 timestamp from that authority.
    """
    signer = load_signer(p12, passphrase)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    _write_beacon_ref(writer, beacon_ref)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD_NAME,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
        # Validation data (OCSP/CRL) would mean network calls on every release; add it later
        # as a separate long-term-validation step if an organisation needs it.
        embed_validation_info=False,
    )
    timestamper = _timestamper(tsa_url) if tsa_url else None
    field_spec = fields.SigFieldSpec(
        sig_field_name=SIGNATURE_FIELD_NAME,
        on_page=page,
        box=tuple(visible_box or SIGNATURE_BOX) if visible else None,
    )
    stamp_style = TextStampStyle(stamp_text=STAMP_TEXT, border_width=1)
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=signer,
        timestamper=timestamper,
        stamp_style=stamp_style,
        new_field_spec=field_spec,
    )
    output = BytesIO()
    pdf_signer.sign_pdf(
        writer,
        output=output,
        appearance_text_params={"reason": reason},
    )
    return output.getvalue()
