"""`manage.py create_api_token --user USERNAME --name NAME [--read-only]`: a new API token,
printed once, alone on the last line (scripts can read it with `tail -n 1`).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from posts.models import ApiToken
from posts.tokens import create_api_token


class Command(BaseCommand):
    help = (
        "Create an API token acting as USERNAME and print it once, on the last line. Only its "
        "hash is stored: it cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username the token acts as")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument(
            "--read-only", action="store_true", help="the token can read (drafts too), not write"
        )

    def handle(self, *args, user, name, read_only, **options):
        name = name.strip()
        if not name:
            raise CommandError("--name must not be empty.")
        max_length = ApiToken._meta.get_field("name").max_length
        if len(name) > max_length:
            raise CommandError(f"--name is longer than {max_length} characters.")
        User = get_user_model()
        try:
            account = User.objects.get(**{User.USERNAME_FIELD: user})
        except User.DoesNotExist as error:
            raise CommandError(f"No user named {user!r}.") from error
        if not account.is_active:
            raise CommandError(f"User {user!r} is inactive: its tokens would be refused.")
        token, raw = create_api_token(account, name, read_only=read_only)
        kind = "read-only token" if read_only else "token"
        self.stdout.write(f"Created {kind} “{token.name}” for {user} (prefix {token.prefix}).")
        self.stdout.write("Copy it now: it is not stored and cannot be shown again.")
        self.stdout.write(raw)
