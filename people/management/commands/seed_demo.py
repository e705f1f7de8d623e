"""``manage.py seed_demo``: a Guicheng sub-district to try Linli with.

23 urban communities and four village-derived ones, ~195 compounds, ~1,400 buildings, ~20,000 units and
~40,000 people, with the organisations and roles in the proportions of the 2021 珠江时报 article, so that
``stats.figures.figures_for(桂城街道)`` computes the article's figures from the data. Fixed demo sign-ins
(people.demo.data.DEMO_ACCOUNTS) are printed at the end.

The generator is ``people.demo.DemoBuilder``; this command only checks the database is empty, runs it in
one transaction and prints what it made.
"""

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from people.demo import DemoBuilder
from people.demo import data as D
from people.models import Person
from places.models import Place


class Command(BaseCommand):
    help = "Fill an empty database with a demo Guicheng sub-district (桂城街道) and print the demo sign-ins."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing (but print the sign-ins) if any place exists.")
        parser.add_argument(
            "--seed", type=int, default=2021, help="Random seed: the same seed gives the same data (default 2021)."
        )

    def handle(self, *args, if_empty: bool = False, seed: int = 2021, **options):
        if Place.objects.exists():
            if not if_empty:
                raise CommandError("The database already has places. seed_demo only fills an empty database (or use --if-empty).")
            self.stdout.write("The database already has places: nothing seeded.")
        else:
            started = time.monotonic()
            with transaction.atomic():
                counts = DemoBuilder(seed).build()
            self.stdout.write(self.style.SUCCESS(f"Seeded 桂城街道 (seed {seed}) in {time.monotonic() - started:.1f} s:"))
            for label, n in counts.items():
                self.stdout.write(f"  {label:<20} {n:>7,}")
        self.print_sign_ins()

    def print_sign_ins(self) -> None:
        existing = set(Person.objects.filter(mobile__in=[a["mobile"] for a in D.DEMO_ACCOUNTS]).values_list("mobile", flat=True))
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins (password: {D.DEMO_PASSWORD})")
        rows = [("Role", "Name", "Mobile")] + [(a["role"], a["name"], a["mobile"]) for a in D.DEMO_ACCOUNTS]
        widths = [max(display_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            note = "" if row[2] in existing or row[0] == "Role" else "  (not in this database)"
            cells = [text + " " * (width - display_width(text)) for text, width in zip(row, widths, strict=True)]
            self.stdout.write("  " + "  ".join(cells).rstrip() + note)


def display_width(text: str) -> int:
    """Terminal columns: Chinese characters take two, so the table lines up."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
