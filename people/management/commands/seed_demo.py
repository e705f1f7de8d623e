"""``manage.py seed_demo``: a Guicheng sub-district to try Linli with.

23 urban communities and four village-derived ones, ~195 compounds, ~1,400 buildings, ~20,000 units and
~40,000 people, with the organisations and roles in the proportions of the 2021 珠江时报 article, so that
``stats.figures.figures_for(桂城街道)`` computes the article's figures from the data. Fixed demo sign-ins
(people.demo.data.DEMO_ACCOUNTS) are printed at the end.

The generator is ``people.demo.DemoBuilder``; this command only checks the database is empty, runs it in
one transaction and prints what it made. Apps above ``people`` add their own demo data without ``people``
importing them: any installed app with a ``demo`` module that has ``seed(rng, now) -> dict[str, int]``
(e.g. ``cases.demo``) is called after the builder, in the same transaction, in ``INSTALLED_APPS`` order,
each with its own ``random.Random(seed)``; its counts join the printed table.
"""

import random
import time
import unicodedata
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

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
                now = timezone.now()
                for seed_app in app_seeders():
                    counts.update(seed_app(random.Random(seed), now))
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


def app_seeders() -> list:
    """``seed`` of every installed app's ``demo`` module except people's own (the builder above)."""
    seeders = []
    for config in apps.get_app_configs():
        if config.name == "people" or not module_has_submodule(config.module, "demo"):
            continue
        seed = getattr(import_module(f"{config.name}.demo"), "seed", None)
        if callable(seed):
            seeders.append(seed)
    return seeders


def display_width(text: str) -> int:
    """Terminal columns: Chinese characters take two, so the table lines up."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
