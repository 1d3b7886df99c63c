"""Check a signed notice: intact, signed by a trusted certificate, an approved version here."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communications.pdf.notices import verify_uploaded_pdf

EXIT_INVALID = 1
EXIT_USAGE = 2


class Command(BaseCommand):
    help = (
        "Verify a signed PDF notice: signature intact, trusted certificate, and signed text "
        "matching an approved version. Exit 0 only when valid, 1 when not, 2 on bad usage."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The PDF to check.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                f"Cannot read {path}: {exc.strerror or exc}", returncode=EXIT_USAGE
            ) from None
        result = verify_uploaded_pdf(data)
        self.stdout.write(result.message)
        if not result.valid:
            sys.exit(EXIT_INVALID)
