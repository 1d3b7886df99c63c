from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, demo_logins, seed_demo_users
from accounts.twofactor import two_factor_waived
from communications.demo import seed_demo_documents
from incidents.activity import verify_all_chains
from incidents.demo import seed_demo_hospital, seed_demo_incident
from incidents.models import LogVerification


class Command(BaseCommand):
    help = "Load the demo hospital, one user per role and a realistic incident (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--no-logins", action="store_true", help="Do not print the logins.")
        parser.add_argument(
            "--logins-only", action="store_true", help="Only print the logins; change nothing."
        )

    def handle(self, *args, **options):
        if not options["logins_only"]:
            with transaction.atomic(), two_factor_waived("demo data"):
                users = seed_demo_users()
                seed_demo_hospital()
                incident = seed_demo_incident(users)
                seed_demo_documents(incident, users)
                if not LogVerification.objects.filter(incident=incident).exists():
                    verify_all_chains()  # the dashboard shows the chain check from the start
        if not options["no_logins"]:
            self.stdout.write(f"Demo logins (password for each: {DEMO_PASSWORD}):")
            for username, role in demo_logins():
                self.stdout.write(f"  {username:<10} {role}")
