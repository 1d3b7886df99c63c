"""Delete letter recipients (patient data) of batches past their purge date, or one batch now."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from communications.mailmerge import services
from communications.models import RecipientBatch


class Command(BaseCommand):
    help = (
        "Delete the recipient rows and letter files of batches past their purge date "
        "(or of --batch ID now). Prints counts only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, help="Purge this batch now, whatever its date.")

    def handle(self, *args, batch=None, **options):
        if batch is not None:
            found = RecipientBatch.objects.filter(pk=batch).first()
            if found is None:
                raise CommandError(f"No recipient batch {batch}.")
            try:
                counts = services.batch_purge(batch=found)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            self.stdout.write(
                f"Batch {batch}: {counts['recipients']} recipients and "
                f"{counts['files']} letter files deleted."
            )
            return
        totals = services.batches_purge_due()
        self.stdout.write(
            f"{totals['batches']} batches purged: {totals['recipients']} recipients and "
            f"{totals['files']} letter files deleted; {totals['skipped']} still generating."
        )
