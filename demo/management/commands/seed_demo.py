"""manage.py seed_demo: load the demo organisation `demo` ("Demo IT"); see the demo app."""

import sys

from django.core.management.base import BaseCommand, CommandError

from demo.loader import load_demo


class Command(BaseCommand):
    help = "Load the demo organisation 'demo' with a year of data and one user per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--responses",
            type=int,
            default=100_000,
            help="How many survey responses to generate (default 100 000).",
        )
        parser.add_argument(
            "--no-jobs", action="store_true", help="Do not run the background jobs afterwards."
        )

    def handle(self, *args, responses, no_jobs, **options):
        if responses < 0:
            raise CommandError("--responses must be zero or more.")
        try:
            load_demo(
                responses=responses,
                jobs=not no_jobs,
                stdout=self.stdout,
                stderr=self.stderr,
                style=self.style,
            )
        except KeyboardInterrupt:
            # Ctrl-C is a normal way to stop `make run`: say how to go on, not a traceback.
            self.stderr.write("Stopped. Run it again (or `make run`) to finish loading the demo.")
            sys.exit(130)
