from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from competitions.models import Competition
from scoring_site.site import lan_address

# The rooms of the whole site, and those of each competition, by URL name.
SITE_ROOMS = (
    ("Home", "competitions:home"),
    ("Admin (organizers)", "admin:index"),
    ("Results desk", "adjudication:desk"),
    ("Judges' tablets", "adjudication:tablet-sign-in"),
)
COMPETITION_ROOMS = (
    ("Start list", "competitions:competition-detail"),
    ("Running order", "competitions:running-order"),
    ("Projector", "leaderboard:live"),
    ("Phones", "leaderboard:results"),
    ("The day (desk)", "adjudication:desk-day"),
    ("Announcer", "adjudication:announcer"),
)


class Command(BaseCommand):
    help = "Print the addresses of Podium's pages on the hall's network and on this machine."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port, **options):
        lan = lan_address()
        base = f"http://{lan}:{port}"
        write = self.stdout.write
        write(self.style.SUCCESS("Podium is starting."))
        if lan == "127.0.0.1":
            write("No network found: these addresses work on this machine only.")
        else:
            write(
                f"Tablets, the projector and phones on the hall's network open {base}/ "
                f"(on this machine also http://localhost:{port}/)."
            )
        if settings.SITE_URL:
            write(f"Links and QR codes use SITE_URL: {settings.SITE_URL}")
        for label, name in SITE_ROOMS:
            write(f"  {label:<26} {base}{reverse(name)}")
        competitions = Competition.objects.exclude(status="draft").order_by("name")[:5]
        for competition in competitions:
            write(f"  {competition.name}")
            for label, name in COMPETITION_ROOMS:
                write(f"    {label:<24} {base}{reverse(name, args=[competition.slug])}")
        write(f"  {'Health':<26} {base}{reverse('healthz')}")
