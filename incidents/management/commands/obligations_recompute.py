"""``manage.py obligations_recompute``: count every open incident's deadlines again.

Run it after deploying changed rule files (or a changed holiday calendar): a deadline keeps
the rule data it was counted with until its incident's facts next change, and the pages say
"the rule's data changed since this date was computed" meanwhile. Each incident is locked and
recomputed in its own transaction; every change lands in its activity log ("Beacon", reason
"rules reloaded"), and a deadline whose rule version changed needs counsel's review again.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction

from incidents.locking import lock_incident
from incidents.models import Incident, Status
from incidents.obligations import obligations_recompute


class Command(BaseCommand):
    help = "Recompute the deadlines of every open incident (after rule files changed)."

    def handle(self, *args, **options):
        ids = list(Incident.objects.exclude(status=Status.CLOSED).values_list("pk", flat=True))
        refused = 0
        for incident_id in ids:
            try:
                with transaction.atomic():
                    incident = lock_incident(incident_id)
                    obligations_recompute(incident=incident, actor=None, reason="rules reloaded")
            except ValidationError as error:  # facts the new rules refuse: say which incident
                refused += 1
                self.stderr.write(f"incident {incident_id}: not recomputed: {error.messages[0]}")
        self.stdout.write(f"Recomputed {len(ids) - refused} open incident(s).")
        if refused:
            raise SystemExit(1)
