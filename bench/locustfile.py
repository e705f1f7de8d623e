"""The load: every simulated user requests the scenario's URLs in turn, with no think time.

Run by ``bench.run`` as a separate ``locust --headless`` process. The scenario comes from the JSON
file named by ``LINLI_BENCH_SPEC``: {"name", "urls", "sessions", "cookie_name", "expect",
"samples_path"}. Every response time is also written to ``samples_path`` (exact percentiles:
locust's own are rounded).
"""

import itertools
import json
import os

from locust import FastHttpUser, constant, events, task

SPEC = json.loads(open(os.environ["LINLI_BENCH_SPEC"], encoding="utf-8").read())  # noqa: SIM115
EXPECT = SPEC["expect"].encode() if SPEC.get("expect") else None
_user_numbers = itertools.count()
_samples: list[float] = []
_failures: list[str] = []


@events.request.add_listener
def _record(response_time, exception, **kwargs):
    _samples.append(response_time)
    if exception is not None and len(_failures) < 20:
        _failures.append(str(exception)[:300])


@events.quitting.add_listener
def _dump(environment, **kwargs):
    with open(SPEC["samples_path"], "w", encoding="utf-8") as f:
        json.dump({"samples": _samples, "failures": _failures}, f)


class BenchUser(FastHttpUser):
    wait_time = constant(0)
    connection_timeout = 10.0
    network_timeout = 30.0

    def on_start(self):
        number = next(_user_numbers)
        sessions = SPEC["sessions"]
        self.headers = {"Cookie": f"{SPEC['cookie_name']}={sessions[number % len(sessions)]}"} if sessions else {}
        urls = SPEC["urls"]
        self.urls = itertools.cycle(urls[number % len(urls) :] + urls[: number % len(urls)])

    @task
    def hit(self):
        url = next(self.urls)
        with self.client.get(url, headers=self.headers, name=SPEC["name"], catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code} for {url}")
            elif EXPECT is not None and EXPECT not in (r.content or b""):
                r.failure(f"{url}: response lacks {SPEC['expect']!r}")
