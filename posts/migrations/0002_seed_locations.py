"""Seed the locations table from pycountry (posts.locations.sync_locations)."""

from django.db import migrations


def seed(apps, schema_editor):
    from posts.locations import sync_locations

    sync_locations(apps.get_model("posts", "Location"))


class Migration(migrations.Migration):
    dependencies = [("posts", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
