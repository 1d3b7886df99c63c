from django.core.management.base import BaseCommand, CommandError

from incidents.activity import verify_chain
from incidents.models import Incident


class Command(BaseCommand):
    help = "Verify the hash chain of every incident's activity log; exit 1 if any is broken."

    def add_arguments(self, parser):
        parser.add_argument("--incident", type=int, help="Check one incident by id.")

    def handle(self, *args, **options):
        incidents = Incident.objects.order_by("pk")
        if options["incident"] is not None:
            incidents = incidents.filter(pk=options["incident"])
            if not incidents.exists():
                raise CommandError(f"No incident {options['incident']}.")
        broken = 0
        for incident_id in incidents.values_list("pk", flat=True):
            check = verify_chain(incident_id)
            if check.intact:
                self.stdout.write(f"incident {incident_id}: intact ({check.entries} entries)")
            else:
                broken += 1
                self.stdout.write(
                    f"incident {incident_id}: BROKEN at entry #{check.broken_seq} "
                    f"(id {check.broken_entry_id}): {check.problem}"
                )
        if broken:
            raise CommandError(f"{broken} incident log(s) broken.", returncode=1)
