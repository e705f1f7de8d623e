"""The load: every simulated user requests the scenario's URLs in turn, with no think time.

Run by ``bench.run`` as a separate ``locust --headless`` process. The scenario comes from the JSON
file named by ``LINLI_BENCH_SPEC``: {"name", "urls", "sessions", "cookie_name", "expect",
"samples_path"}, and for writes {"method": "POST", "bodies" (JSON, one per request in turn, each user
starting at its own offset), "headers" (e.g. a bearer token), "expect_status"}. Many distinct people:
"user_headers" (a list: user number N adds entry N to its headers, e.g. its own token) and
"user_bodies" (a list of lists: user N sends the bodies of entry N, in turn, instead of "bodies").
A burst: "once" (each user sends its own bodies once, then waits; when all "users" are done the run
ends). Many people, each request its own: "queue" (a list of {"url", "headers", "body"}: the users take
them in order from one shared queue, each request once; when it is empty the users stop and the run
ends). "record_bodies": the body of every response with the expected status is kept, in the order
answered (for the queue: {"n": its place in the queue}). Every response time is also written to
``samples_path`` (exact percentiles: locust's own are rounded), with the failure count, the count of
each status (0: no response), the start of every request, and the span from the first request's start
to the last one's end: the harness counts from these, not from locust's stats CSV (written once a
second while running, and not at exit: it misses up to the last second of requests).
"""

import itertools
import json
import os
import time

import gevent
from locust import FastHttpUser, constant, events, task

SPEC = json.loads(open(os.environ["LINLI_BENCH_SPEC"], encoding="utf-8").read())  # noqa: SIM115
EXPECT = SPEC["expect"].encode() if SPEC.get("expect") else None
METHOD = SPEC.get("method") or "GET"
STATUS = SPEC.get("expect_status") or 200
BODIES = [json.dumps(b, ensure_ascii=False).encode() for b in SPEC.get("bodies") or []]
USER_HEADERS = SPEC.get("user_headers") or []
USER_BODIES = [[json.dumps(b, ensure_ascii=False).encode() for b in own] for own in SPEC.get("user_bodies") or []]
ONCE = bool(SPEC.get("once"))
QUEUE = iter(
    [
        (item["url"], item.get("headers") or {}, json.dumps(item["body"], ensure_ascii=False).encode(), n)
        for n, item in enumerate(SPEC.get("queue") or [])
    ]
)
QUEUED = bool(SPEC.get("queue"))
RECORD_BODIES = bool(SPEC.get("record_bodies"))
_user_numbers = itertools.count()
_samples: list[float] = []
_starts: list[float] = []
_failures: list[str] = []
_failure_count = 0
_statuses: dict[str, int] = {}
_written: list[bytes] = []
_done_users = 0
_span = [None, None]  # first start, last end (epoch seconds)


@events.request.add_listener
def _record(response_time, exception, start_time=None, **kwargs):
    global _failure_count
    end = time.time()
    _samples.append(response_time)
    start = start_time if start_time is not None else end - response_time / 1000
    _starts.append(start)
    if _span[0] is None or start < _span[0]:
        _span[0] = start
    _span[1] = end
    if exception is not None:
        _failure_count += 1
        if len(_failures) < 20:
            _failures.append(str(exception)[:300])


@events.quitting.add_listener
def _dump(environment, **kwargs):
    with open(SPEC["samples_path"], "w", encoding="utf-8") as f:
        json.dump(
            {
                "samples": _samples,
                "failures": _failures,
                "failure_count": _failure_count,
                "span": _span,
                "statuses": _statuses,
                "starts": _starts,
                "written_bodies": [json.loads(b) for b in _written] if RECORD_BODIES else None,
            },
            f,
        )


class BenchUser(FastHttpUser):
    wait_time = constant(0)
    connection_timeout = 10.0
    network_timeout = 30.0

    def on_start(self):
        number = next(_user_numbers)
        sessions = SPEC["sessions"]
        self.headers = {"Cookie": f"{SPEC['cookie_name']}={sessions[number % len(sessions)]}"} if sessions else {}
        self.headers.update(SPEC.get("headers") or {})
        if USER_HEADERS:
            self.headers.update(USER_HEADERS[number % len(USER_HEADERS)])
        urls = SPEC["urls"]
        self.urls = itertools.cycle(urls[number % len(urls) :] + urls[: number % len(urls)])
        self.bodies = None
        if USER_BODIES:
            own = USER_BODIES[number % len(USER_BODIES)]
            self.bodies = iter(own) if ONCE else itertools.cycle(own)
        elif BODIES:
            offset = (number * 7) % len(BODIES)
            self.bodies = iter(BODIES) if ONCE else itertools.cycle(BODIES[offset:] + BODIES[:offset])
        if self.bodies is not None:
            self.headers["Content-Type"] = "application/json"

    @task
    def hit(self):
        global _done_users
        headers, queued = self.headers, None
        if QUEUED:
            queued = next(QUEUE, None)
            url, body = (queued[0], queued[2]) if queued else (None, None)
            if queued:
                headers = {**self.headers, **queued[1], "Content-Type": "application/json"}
        else:
            url = next(self.urls)
            body = next(self.bodies, None) if self.bodies is not None else None
        if (ONCE or QUEUED) and body is None:  # this user is done; the last one ends the run
            _done_users += 1
            if _done_users == SPEC.get("users"):
                gevent.spawn(self.environment.runner.quit)
            gevent.sleep(3600)
            return
        kwargs = {"data": body} if METHOD == "POST" and body is not None else {}
        with self.client.request(
            METHOD, url, headers=headers, name=SPEC["name"], catch_response=True, allow_redirects=False, **kwargs
        ) as r:
            _statuses[str(r.status_code)] = _statuses.get(str(r.status_code), 0) + 1
            if r.status_code == STATUS and RECORD_BODIES and body is not None:
                _written.append(json.dumps({"n": queued[3]}).encode() if queued else body)
            if r.status_code != STATUS:
                r.failure(f"HTTP {r.status_code} for {METHOD} {url}: {(r.content or b'')[:200]!r}")
            elif EXPECT is not None and EXPECT not in (r.content or b""):
                r.failure(f"{url}: response lacks {SPEC['expect']!r}")
