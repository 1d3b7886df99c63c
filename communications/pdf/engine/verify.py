"""Check a PDF someone hands us: is it a notice Beacon signed, unchanged since signing?

Only the first (certification) signature is judged, and the whole file is judged against it:
later revisions are allowed only when they add validation data or document timestamps
(pyHanko's LTA updates) and leave the document information (title, author, /BeaconRef...) as
signed. Anything else appended after signing, including stray bytes that are not a revision,
counts as an alteration. The beacon reference is always read from the signed revision.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO

from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from communications.pdf.engine.sign import BEACON_REF_KEY

logger = logging.getLogger(__name__)

NO_SIGNATURE = "no signature"
ALTERED = "altered after signing"
UNKNOWN_CERTIFICATE = "unknown certificate"
UNREADABLE = "unreadable PDF"

ALLOWED_AFTER_SIGNING = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)


@dataclass(frozen=True)
class PdfVerification:
    intact: bool = False
    signed: bool = False
    trusted: bool = False
    signer: str | None = None
    signed_at: datetime | None = None
    beacon_ref: dict[str, str] | None = field(default=None, hash=False)
    covers_whole_file: bool = False
    problem: str | None = None

    @property
    def valid(self) -> bool:
        """Return whether the file is signed, unaltered and signed by a trusted certificate."""
        return self.problem is None


def parse_beacon_ref(text: str | None) -> dict[str, str] | None:
    """Return the fields of "beacon:doc=12;ver=4;sha256=<hex>", or None if text is not one."""
    if not text or not text.startswith("beacon:"):
        return None
    fields = {}
    for part in text.removeprefix("beacon:").split(";"):
        key, sep, value = part.partition("=")
        if not sep or not key:
            return None
        fields[key.strip()] = value.strip()
    return fields


def _signed_beacon_ref(embedded_sig) -> dict[str, str] | None:
    """Return the beacon reference as it stood in the revision the signature covers."""
    try:
        resolver = embedded_sig.reader.get_historical_resolver(embedded_sig.signed_revision)
        info = resolver.trailer_view["/Info"]
        value = info.get(BEACON_REF_KEY) if isinstance(info, generic.DictionaryObject) else None
    except Exception:  # a damaged info dictionary is "no reference", not a crash
        logger.debug("could not read %s", BEACON_REF_KEY, exc_info=True)
        return None
    return parse_beacon_ref(str(value)) if value is not None else None


def _load_certificates(trusted_certs: Sequence[bytes]) -> list:
    """Return the certificates in trusted_certs (each DER or PEM, a PEM may hold several)."""
    certificates = []
    for data in trusted_certs:
        certificates.extend(load_certs_from_pemder_data(data))
    return certificates


def _validation_context(trusted_certs: Sequence[bytes]) -> ValidationContext:
    # An explicit (possibly empty) trust list: never the operating system's, never the network.
    return ValidationContext(trust_roots=_load_certificates(trusted_certs), allow_fetching=False)


# Entries a legitimate later update (validation data, document timestamp) rewrites by itself.
INFO_KEYS_UPDATED_BY_TOOLS = frozenset({"/ModDate", "/Producer"})


def _info_entries(resolver) -> dict[str, str]:
    info = resolver.trailer_view.get("/Info")
    info = info.get_object() if info is not None else None
    if not isinstance(info, generic.DictionaryObject):
        return {}
    return {
        str(key): str(value.get_object())
        for key, value in info.items()
        if key not in INFO_KEYS_UPDATED_BY_TOOLS
    }


def _info_changed_after_signing(embedded_sig) -> bool:
    """Return whether a later revision rewrote the title, author, beacon reference and so on.

    pyHanko counts information-dictionary edits as harmless metadata updates, but a reader sees
    them (and a changed /BeaconRef would point at another version), so Beacon does not allow them.
    """
    reader = embedded_sig.reader
    if embedded_sig.signed_revision == reader.xrefs.total_revisions - 1:
        return False
    signed = reader.get_historical_resolver(embedded_sig.signed_revision)
    return _info_entries(signed) != _info_entries(reader)


def _has_trailing_junk(data: bytes, embedded_sig) -> bool:
    """Return whether bytes other than whitespace follow the signed revision with no new revision.

    pyHanko's diff analysis judges appended revisions; bytes that are not a revision at all slip
    past it, and a signed notice has no reason to carry any.
    """
    if embedded_sig.signed_revision != embedded_sig.reader.xrefs.total_revisions - 1:
        return False
    _, _, start, length = (int(n) for n in embedded_sig.byte_range)
    return bool(data[start + length :].strip(b" \t\r\n\x00\x0c"))


def verify_pdf(data: bytes, *, trusted_certs: Sequence[bytes]) -> PdfVerification:
    """Return what can be said about data's signature; never raises on bad input."""
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception:
        logger.info("unreadable PDF offered for verification", exc_info=True)
        return PdfVerification(problem=UNREADABLE)
    if not signatures:
        return PdfVerification(problem=NO_SIGNATURE)

    embedded_sig = signatures[0]
    beacon_ref = _signed_beacon_ref(embedded_sig)
    try:
        context = _validation_context(trusted_certs)
        status = validate_pdf_signature(embedded_sig, signer_validation_context=context)
        return _judge(data, embedded_sig, status, beacon_ref)
    except Exception:
        # The signature is there but cannot be checked against the file (broken CMS blob,
        # unsupported algorithm, byte range that does not fit): treat it as tampered with.
        logger.info("signature could not be validated", exc_info=True)
        return PdfVerification(signed=True, beacon_ref=beacon_ref, problem=ALTERED)


def _judge(data: bytes, embedded_sig, status, beacon_ref) -> PdfVerification:
    """Return the verdict on a signature pyHanko has validated."""
    subject = status.signing_cert.subject
    signer = subject.native.get("common_name") or subject.human_friendly
    timestamp = status.timestamp_validity
    signed_at = (
        timestamp.timestamp
        if timestamp is not None and timestamp.intact and timestamp.valid
        else status.signer_reported_dt
    )
    unaltered = bool(
        status.intact
        and status.valid
        and status.modification_level in ALLOWED_AFTER_SIGNING
        and status.docmdp_ok is not False
        and not _has_trailing_junk(data, embedded_sig)
        and not _info_changed_after_signing(embedded_sig)
    )
    if not unaltered:
        problem = ALTERED
    elif not status.trusted:
        problem = UNKNOWN_CERTIFICATE
    else:
        problem = None
    return PdfVerification(
        intact=unaltered,
        signed=True,
        trusted=bool(status.trusted),
        signer=signer,
        signed_at=signed_at,
        beacon_ref=beacon_ref,
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        problem=problem,
    )
