"""The load: every simulated user requests the scenario's URLs in turn, with no think time.

Run by ``bench.run`` as a separate ``locust --headless`` process. The scenario comes from the JSON
file named by ``LINLI_BENCH_SPEC``: {"name", "urls", "sessions", "cookie_name", "expect",
"samples_path"}, and for writes {"method": "POST", "bodies" (JSON, one per request in turn, each user
starting at its own offset), "headers" (e.g. a bearer token), "expect_status"}. Every response time
is also written to ``samples_path`` (exact percentiles: locust's own are rounded), with the failure
count and the span from the first request's start to the last one's end: the harness counts from
these, not from locust's stats CSV (written once a second while running, and not at exit: it misses
up to the last second of requests).
"""

import itertools
import json
import os
import time

from locust import FastHttpUser, constant, events, task

SPEC = json.loads(open(os.environ["LINLI_BENCH_SPEC"], encoding="utf-8").read())  # noqa: SIM115
EXPECT = SPEC["expect"].encode() if SPEC.get("expect") else None
METHOD = SPEC.get("method") or "GET"
STATUS = SPEC.get("expect_status") or 200
BODIES = [json.dumps(b, ensure_ascii=False).encode() for b in SPEC.get("bodies") or []]
_user_numbers = itertools.count()
_samples: list[float] = []
_failures: list[str] = []
_failure_count = 0
_span = [None, None]  # first start, last end (epoch seconds)


@events.request.add_listener
def _record(response_time, exception, start_time=None, **kwargs):
    global _failure_count
    end = time.time()
    _samples.append(response_time)
    start = start_time if start_time is not None else end - response_time / 1000
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
        json.dump({"samples": _samples, "failures": _failures, "failure_count": _failure_count, "span": _span}, f)


class BenchUser(FastHttpUser):
    wait_time = constant(0)
    connection_timeout = 10.0
    network_timeout = 30.0

    def on_start(self):
        number = next(_user_numbers)
        sessions = SPEC["sessions"]
        self.headers = {"Cookie": f"{SPEC['cookie_name']}={sessions[number % len(sessions)]}"} if sessions else {}
        self.headers.update(SPEC.get("headers") or {})
        urls = SPEC["urls"]
        self.urls = itertools.cycle(urls[number % len(urls) :] + urls[: number % len(urls)])
        if BODIES:
            self.headers["Content-Type"] = "application/json"
            offset = (number * 7) % len(BODIES)
            self.bodies = itertools.cycle(BODIES[offset:] + BODIES[:offset])

    @task
    def hit(self):
        url = next(self.urls)
        kwargs = {"data": next(self.bodies)} if METHOD == "POST" and BODIES else {}
        with self.client.request(
            METHOD, url, headers=self.headers, name=SPEC["name"], catch_response=True, allow_redirects=False, **kwargs
        ) as r:
            if r.status_code != STATUS:
                r.failure(f"HTTP {r.status_code} for {METHOD} {url}: {(r.content or b'')[:200]!r}")
            elif EXPECT is not None and EXPECT not in (r.content or b""):
                r.failure(f"{url}: response lacks {SPEC['expect']!r}")
