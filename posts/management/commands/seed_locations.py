"""`manage.py seed_locations`: add places that newer pycountry releases know about."""

from django.core.management.base import BaseCommand

from posts.locations import sync_locations
from posts.models import Location


class Command(BaseCommand):
    help = "Fill the locations table from pycountry (ISO 3166-1 countries, Chinese provinces)."

    def handle(self, *args, **options):
        added = sync_locations(Location)
        self.stdout.write(f"{added} location(s) added; {Location.objects.count()} in all.")
