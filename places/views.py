from django.shortcuts import render

from .models import Place


def floor(request):
    """The benchmark floor: one indexed SELECT of 20 rows, rendered by a tiny template."""
    rows = list(Place.objects.filter(pk__gte=1).order_by("pk").values_list("pk", "name")[:20])
    return render(request, "places/floor.html", {"rows": rows})
