"""Print the national system's batch-file layouts as the Markdown of docs/exchanges.md."""

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the layouts of the national system's batch files (Markdown, as in docs/exchanges.md)"

    def handle(self, *args: Any, **options: Any) -> None:
        from yanglao.exchanges.layouts import layout_markdown

        self.stdout.write(layout_markdown())
