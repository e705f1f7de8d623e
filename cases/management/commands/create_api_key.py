"""python manage.py create_api_key NAME: issue an Open311 API key and print it (shown only once)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases import actions


class Command(BaseCommand):
    help = "Issue an Open311 API key for a client and print it; only its hash is kept, so copy it now."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the client that will use the key, e.g. '12345 hotline bridge'")

    def handle(self, *args, name: str, **options):
        try:
            key, raw = actions.create_open311_key(actor=None, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(f"Open311 API key #{key.pk} “{key.name}” created. It will not be shown again:")
        self.stdout.write(raw)
