import socket

from django.core.management.base import BaseCommand
from django.urls import reverse

from competitions.models import Competition


def _lan_address() -> str:
    """The address other devices in the hall (tablets, the projector) can reach."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class Command(BaseCommand):
    help = "Print the addresses of Podium's pages on this machine and on the local network."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port, **options):
        hosts = ["localhost", _lan_address()]
        base = [f"http://{host}:{port}" for host in dict.fromkeys(hosts)]
        pages = [("Home", reverse("competitions:home")), ("Admin", reverse("admin:index"))]
        for competition in Competition.objects.exclude(status="draft").order_by("name")[:5]:
            pages.append(
                (
                    competition.name,
                    reverse("competitions:competition-detail", args=[competition.slug]),
                )
            )
        pages.append(("Health", reverse("healthz")))
        self.stdout.write(self.style.SUCCESS("Podium is starting. Open:"))
        for label, path in pages:
            self.stdout.write(f"  {label:<22} " + "   ".join(f"{b}{path}" for b in base))
