import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

if settings.EMBEDDED_BEAT:
    from .celery import start_embedded_beat

    start_embedded_beat()
