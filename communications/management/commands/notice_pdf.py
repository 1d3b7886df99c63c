"""List released documents, or write the signed PDF of one's released version."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communications.models import Document
from communications.pdf.engine.render import SUPPORTED_PDF_VARIANTS
from communications.pdf.notices import SigningNotConfigured, version_signed_pdf

EXIT_USAGE = 2


class Command(BaseCommand):
    help = (
        "`notice_pdf --list` prints released documents as ID<TAB>title; "
        "`notice_pdf ID --out FILE` writes the signed PDF of its released version."
    )

    def add_arguments(self, parser):
        parser.add_argument("document", nargs="?", type=int, help="A released document's id.")
        parser.add_argument("--list", action="store_true", help="List released documents.")
        parser.add_argument("--out", help="Where to write the signed PDF.")
        parser.add_argument(
            "--pdfa",
            action="store_true",
            help="Render as PDF/A-3b for archiving (same as --variant pdf/a-3b).",
        )
        parser.add_argument(
            "--variant",
            choices=sorted(v for v in SUPPORTED_PDF_VARIANTS if v),
            help="Render a PDF/A or PDF/UA variant (rendered fresh, not the stored copy).",
        )

    def handle(self, *args, **options):
        if options["list"]:
            released = Document.objects.filter(released_version__isnull=False).order_by("pk")
            for pk, title in released.values_list("pk", "title"):
                self.stdout.write(f"{pk}\t{title}")
            return
        if options["document"] is None or not options["out"]:
            raise CommandError(
                "Give --list, or a document id and --out FILE.", returncode=EXIT_USAGE
            )
        document = (
            Document.objects.select_related("released_version")
            .filter(pk=options["document"])
            .first()
        )
        if document is None:
            raise CommandError(f"No document {options['document']}.")
        if document.released_version is None:
            raise CommandError(f"Document {document.pk} ('{document.title}') is not released.")
        try:
            data = version_signed_pdf(
                document.released_version,
                pdf_variant=options["variant"] or ("pdf/a-3b" if options["pdfa"] else None),
            )
        except SigningNotConfigured as exc:
            raise CommandError(str(exc)) from None
        out = Path(options["out"])
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise CommandError(
                f"Cannot write {out}: {exc.strerror or exc}", returncode=EXIT_USAGE
            ) from None
        self.stdout.write(
            f"Wrote {out}: version {document.released_version.number} of '{document.title}', "
            f"{len(data)} bytes"
        )
