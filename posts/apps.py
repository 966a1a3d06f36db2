"""App config for the content app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostsConfig(AppConfig):
    name = "posts"
    verbose_name = _("Content")

    def ready(self):
        from posts import receivers  # noqa: F401  (connects the signal receivers)
        from posts.history import register_history

        register_history()
