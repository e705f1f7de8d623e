"""In-process measurements with Django's test client (settings already pointed at the bench db):
SQL queries per request, each SELECT's EXPLAIN ANALYZE time, rows shown; and sessions for the
simulated users."""

import itertools
import json
import re
import statistics
import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .scenarios import Dataset, Scenario

BACKEND = "people.auth.MobilePasswordBackend"
EXECUTION_TIME = re.compile(r"Execution Time: ([\d.]+) ms")


def client_for(ds: Dataset, persona: str | None, auth: str = "session") -> Client:
    from people.models import Person

    if auth == "token":
        return Client(headers=auth_headers(ds, persona, auth))
    client = Client()
    if persona:
        client.force_login(Person.objects.get(pk=ds.persona(persona)["person_id"]), backend=BACKEND)
    return client


def auth_headers(ds: Dataset, persona: str | None, auth: str) -> dict:
    """``Authorization: Bearer`` with the persona's personal API token (token scenarios)."""
    if auth != "token" or not persona:
        return {}
    return {"Authorization": f"Bearer {ds.persona(persona)['api_token']}"}


class Requester:
    """One request of a scenario with the test client: GET, or POST of its next JSON body; or the next of
    the scenario's ``probe_requests`` (its own URL, headers and body), each once."""

    def __init__(self, client: Client, scenario: Scenario, ds: Dataset):
        self.client, self.method = client, scenario.method
        self.bodies = itertools.cycle(scenario.bodies(ds)) if scenario.bodies else None
        self.requests = iter(scenario.probe_requests(ds)) if scenario.probe_requests else None

    def __call__(self, url: str):
        if self.requests is not None:
            item = next(self.requests)  # a probe needs at most a dozen
            body = json.dumps(item["body"]) if self.method == "POST" else None
            if body is None:
                return self.client.get(item["url"], headers=item.get("headers"))
            return self.client.post(item["url"], data=body, content_type="application/json", headers=item.get("headers"))
        if self.method == "POST":
            body = next(self.bodies) if self.bodies else {}
            return self.client.post(url, data=json.dumps(body), content_type="application/json")
        return self.client.get(url)


def sessions(ds: Dataset, persona: str | None, n: int) -> list[str]:
    """``n`` signed-in sessions of the persona, stored in the database like any sign-in's."""
    if not persona:
        return []
    return [client_for(ds, persona).cookies[settings.SESSION_COOKIE_NAME].value for _ in range(n)]


def explain(sql: str) -> tuple[float, str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    match = EXECUTION_TIME.search(plan)
    return (float(match.group(1)) if match else 0.0), plan


def service_time(request: Requester, url: str, n: int = 10, budget_s: float = 2.0) -> dict:
    """One request at a time, in this process: median wall and CPU ms (no HTTP, no concurrency)."""
    walls, cpus = [], []
    deadline = time.perf_counter() + budget_s
    while len(walls) < n and (not walls or time.perf_counter() < deadline):
        wall, cpu = time.perf_counter(), time.process_time()
        request(url)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return {"wall_ms": round(statistics.median(walls), 2), "cpu_ms": round(statistics.median(cpus), 2), "n": len(walls)}


def probe_url(request: Requester, url: str, row_marker: str | None, *, with_plans: bool) -> dict:
    request(url)  # warm: caches, connection, buffers
    with CaptureQueriesContext(connection) as ctx:
        response = request(url)
    content = response.content.decode("utf-8", "replace")
    queries = []
    for q in ctx.captured_queries:
        entry = {"sql": q["sql"], "ms": round(float(q["time"]) * 1000, 2)}
        if with_plans and q["sql"].lstrip().upper().startswith("SELECT"):
            entry["explain_ms"], entry["plan"] = explain(q["sql"])
        queries.append(entry)
    result = {
        "url": url,
        "status": response.status_code,
        "queries": len(queries),
        "rows": content.count(row_marker) if row_marker else None,
        "bytes": len(response.content),
        "sql": queries,
    }
    if with_plans:
        result["in_process"] = service_time(request, url)
        explained = [q for q in queries if "explain_ms" in q]
        result["sql_explain_ms_total"] = round(sum(q["explain_ms"] for q in explained), 2)
        slowest = max(explained, key=lambda q: q["explain_ms"], default=None)
        result["slowest_sql"] = slowest
    # Only the slowest query keeps its plan (the JSON stays readable).
    for q in queries:
        if q is not result.get("slowest_sql"):
            q.pop("plan", None)
    return result


def probe(ds: Dataset, scenario: Scenario, *, with_plans: bool = True) -> dict:
    """Writes (POST scenarios) are probed too: a dozen or so requests, before the load's snapshot."""
    request = Requester(client_for(ds, scenario.persona, scenario.auth), scenario, ds)
    load = [probe_url(request, url, scenario.row_marker, with_plans=with_plans) for url in scenario.urls(ds)]
    extra = [probe_url(request, url, scenario.row_marker, with_plans=False) for url in scenario.probe_urls(ds)]
    return {"urls": load, "extra": extra}
