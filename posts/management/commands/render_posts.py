"""`manage.py render_posts`: render every stored body again with the current renderer (after
upgrading the CMS or changing what the sanitiser allows) and store what changed."""

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from posts.models import PostTranslation


class Command(BaseCommand):
    help = (
        "Render every post body again (HTML and reading time) and store those that changed. "
        "Bodies are not touched; revisions are not recorded (the HTML is derived)."
    )

    def handle(self, *args, verbosity, **options):
        translations = PostTranslation.objects.all()
        total = translations.count()
        bar = tqdm(
            total=total,
            desc="Rendering",
            unit="body",
            disable=not (verbosity > 0 and sys.stderr.isatty()),
        )
        with bar:
            changed = translations.render_again(on_batch=bar.update)
        same = total - changed
        self.stdout.write(f"Rendered {total} bodies: {changed} changed, {same} the same.")
