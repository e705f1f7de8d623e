from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from .models import Notification


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def notifications(request):
    """The in-app inbox: newest first; opening it marks what was shown as read."""
    try:
        page = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        page = 1
    size = 30
    rows = list(Notification.objects.filter(recipient=request.user).order_by("-id")[(page - 1) * size : page * size + 1])
    shown = rows[:size]
    unread = [n.pk for n in shown if n.read_at is None]
    if unread:
        Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(
        request,
        "core/notifications.html",
        {"notifications": shown, "unread": set(unread), "page": page, "has_next": len(rows) > size},
    )
