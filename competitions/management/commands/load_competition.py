from django.core.management.base import BaseCommand, CommandError

from competitions.loading import LoadError, competition_load, read_description


class Command(BaseCommand):
    help = (
        "Create or update a whole competition (events, dances or criteria, judges, entries) "
        "from a YAML or JSON file. Loading the same file twice changes nothing; a bad file "
        "writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .yaml, .yml or .json description.")

    def handle(self, *args, file, **options):
        try:
            report = competition_load(data=read_description(file))
        except LoadError as error:
            lines = "\n".join(f"  - {problem}" for problem in error.problems)
            raise CommandError(f"Nothing was loaded. Fix these and try again:\n{lines}") from None
        verb = "Loaded" if report.changed else "Already up to date:"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {report.competition} ({report.competition.slug}): ")
            + report.summary()
        )
