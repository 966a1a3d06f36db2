"""`manage.py deliver_webhooks [--loop]`: send due webhook deliveries (retries included) and
post.published for scheduled posts whose publish time has come; for cron or a worker.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from posts.models import WebhookDelivery
from posts.webhooks import deliver_due, queue_scheduled_publications


class Command(BaseCommand):
    help = (
        "Send every pending webhook delivery whose time has come, after queueing "
        "post.published for scheduled posts that became visible. --loop keeps doing it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="Keep running, every --interval seconds."
        )
        parser.add_argument(
            "--interval",
            type=int,
            default=30,
            help="Seconds between rounds with --loop (default 30).",
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="Send at most this many per round."
        )

    def handle(self, *args, loop, interval, limit, **options):
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        try:
            while True:
                self.run_round(limit, quiet_when_idle=loop)
                if not loop:
                    return
                time.sleep(interval)
                close_old_connections()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def run_round(self, limit: int | None, quiet_when_idle: bool) -> None:
        queued = queue_scheduled_publications()
        outcomes = deliver_due(limit=limit)
        if quiet_when_idle and not (queued or outcomes):
            return
        self.stdout.write(
            f"{queued} scheduled publication(s) queued; "
            f"{outcomes[WebhookDelivery.Status.SUCCEEDED]} delivered, "
            f"{outcomes[WebhookDelivery.Status.PENDING]} to retry, "
            f"{outcomes[WebhookDelivery.Status.FAILED]} failed."
        )
