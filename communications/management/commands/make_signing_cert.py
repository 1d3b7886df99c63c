"""Create the evaluation-only, self-signed signing certificate for the embedded default."""

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from communications.pdf.engine.sign import make_self_signed_p12
from incidents.models import Hospital

WARNING = (
    "EVALUATION ONLY: this certificate is self-signed. PDF readers will not trust it, and it "
    "proves nothing outside this installation. For real notices set BEACON_SIGNING_P12 and "
    "BEACON_SIGNING_PASSPHRASE to your organisation's certificate."
)


class Command(BaseCommand):
    help = (
        "Write a self-signed, EVALUATION ONLY PKCS#12 signing certificate to "
        "settings.BEACON_SIGNING_P12. Refuses to replace an existing file without --force."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--force", action="store_true", help="Replace an existing certificate file."
        )
        group.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing (and succeed) when the file already exists; for `make run`.",
        )
        parser.add_argument(
            "--organisation", help="Name on the certificate (default: the hospital's name)."
        )
        parser.add_argument("--days", type=int, default=365, help="Validity in days.")

    def handle(self, *args, **options):
        path = Path(settings.BEACON_SIGNING_P12)
        if path.exists() and not options["force"]:
            if options["if_missing"]:
                self.stdout.write(f"Signing certificate present: {path}")
                return
            raise CommandError(
                f"{path} already exists; use --force to replace it (PDFs signed with the old "
                "certificate then verify only if you list it in BEACON_TRUSTED_CERTS)."
            )
        # Read, never create, the hospital row: `make run` seeds it after this command.
        hospital_name = Hospital.objects.order_by("pk").values_list("name", flat=True).first()
        organisation = options["organisation"] or hospital_name or "Beacon"
        passphrase = settings.BEACON_SIGNING_PASSPHRASE.encode()
        p12 = make_self_signed_p12(
            organisation=organisation, passphrase=passphrase, days=options["days"]
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name then renamed, so a reader never sees half a key.
        temporary = path.with_name(path.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(p12)
        temporary.replace(path)
        _, certificate, _ = pkcs12.load_key_and_certificates(p12, passphrase or None)
        fingerprint = hashlib.sha256(
            certificate.public_bytes(serialization.Encoding.DER)
        ).hexdigest()
        self.stdout.write(self.style.WARNING(WARNING))
        self.stdout.write(f"Wrote {path} for '{organisation}' (EVALUATION ONLY)")
        self.stdout.write(f"Certificate SHA-256 fingerprint: {fingerprint}")
