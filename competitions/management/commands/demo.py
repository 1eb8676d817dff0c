from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from competitions.demo import DEMO_SLUG, demo_create
from competitions.models import Competition


class Command(BaseCommand):
    help = (
        "Create the demo competition (slug 'demo'): a Latin event of 24 couples and 7 judges "
        "(first round, semi-final, final; five dances), a single-dance event and a pageant "
        "on weighted criteria, with sign-ins for an organizer, a scrutineer and a chairman."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Seed for names and draws.")
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo competition and build it anew."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing unless the database holds no competition at all (used by make run).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Allow the demo's known passwords on a PODIUM_ENV=production site.",
        )

    def handle(self, *args, seed, reset, if_empty, allow_production, **options):
        if settings.PRODUCTION and not allow_production:
            raise CommandError(
                "The demo creates accounts with published passwords; on a production site "
                "pass --allow-production if you really mean it."
            )
        if if_empty and Competition.objects.exclude(slug=DEMO_SLUG).exists():
            self.stdout.write("The database already holds competitions; no demo created.")
            return
        report = demo_create(seed=seed, reset=reset)
        competition = report.competition
        if report.created:
            self.stdout.write(self.style.SUCCESS(f"Created the demo competition “{competition}”."))
        else:
            self.stdout.write(f"The demo competition “{competition}” already exists.")
        self.stdout.write("Demo sign-ins (for the demo only; never use these passwords elsewhere):")
        for role, username, password in report.sign_ins:
            self.stdout.write(f"  {role:<26} {username:<12} {password}")
        self.stdout.write(
            "Then the second factor: each of these demo codes works once (new ones on every "
            "run of demo; or enrol an authenticator app at /account/two-factor/setup/):"
        )
        for username, codes in report.backup_codes.items():
            self.stdout.write(f"  {username:<12} {' '.join(codes)}")
        letters = ", ".join(competition.judges.values_list("letter", flat=True))
        self.stdout.write(f"  Judges on the panels: {letters}")
