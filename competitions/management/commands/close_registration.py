from django.core.management.base import BaseCommand, CommandError

from competitions.models import Competition
from competitions.registration import RegistrationRefused, registration_close
from competitions.services import DrawRefused, TransitionRefused


class Command(BaseCommand):
    help = (
        "Close registration of a competition: assign bib numbers, plan the rounds of events "
        "that have none, and draw every first round (with a recorded seed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--seed", type=int, help="Seed for bibs and draws (random if unset).")

    def handle(self, *args, slug, seed, **options):
        competition = Competition.objects.filter(slug=slug).first()
        if competition is None:
            raise CommandError(f"There is no competition with the slug “{slug}”.")
        try:
            report = registration_close(competition=competition, actor=None, seed=seed)
        except (TransitionRefused, DrawRefused, RegistrationRefused) as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(self.style.SUCCESS(f"Registration closed for {competition.name}."))
        self.stdout.write(f"  draw seed: {report.seed}")
        self.stdout.write(f"  bib numbers assigned: {report.bibs_assigned}")
        for event, recalls in report.planned.items():
            heats = report.drawn.get(event)
            drawn = f"{heats} heat(s) drawn" if heats else "nothing to draw"
            plan = " → ".join(str(n) for n in recalls[:-1]) if len(recalls) > 1 else "direct final"
            self.stdout.write(f"  {event}: rounds recalling {plan}; {drawn}")
