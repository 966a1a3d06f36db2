"""`manage.py create_local_admin`: a staff account for trying the CMS on this machine."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create (or reset the password of) a local superuser and print its credentials. "
        "For local use only; production admins are made with createsuperuser."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        password = secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        action = "Created" if created else "Reset the password of"
        self.stdout.write(f"{action} the local admin user.")
        self.stdout.write(
            f"  admin: http://127.0.0.1:8000/admin/  user: {username}  password: {password}"
        )
