from django.core.management.base import BaseCommand, CommandError

from accounts import signin
from accounts.models import User
from accounts.two_factor import backup_codes_issue, has_device, two_factor_reset


class Command(BaseCommand):
    help = (
        "Second factor of a staff account: print fresh backup codes (--backup-codes), "
        "remove every device after a lost phone (--reset; they enrol again at their next "
        "sign-in), or lift its sign-in lock-outs at every address (--unlock). Without an "
        "option, shows the state."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--backup-codes", action="store_true", help="Issue 10 new codes.")
        group.add_argument("--reset", action="store_true", help="Remove every device.")
        group.add_argument("--unlock", action="store_true", help="Lift a lock-out.")

    def handle(self, *args, username, backup_codes, reset, unlock, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if backup_codes:
            codes = backup_codes_issue(user=user)
            self.stdout.write(f"Backup codes for {username} (each works once; old ones no longer):")
            for code in codes:
                self.stdout.write(f"  {code}")
        elif reset:
            removed = two_factor_reset(user=user)
            self.stdout.write(
                f"Removed {removed} device(s); {username} enrols at the next sign-in."
            )
        elif unlock:
            signin.unlock(username)
            self.stdout.write(f"{username} may sign in again.")
        else:
            state = "a second factor is set up" if has_device(user) else "no device yet"
            lock = "".join(
                f"; locked at {address} for {left} s"
                for address, left in sorted(signin.locks(username).items())
            )
            self.stdout.write(f"{username}: {state}{lock}.")
