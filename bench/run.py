"""``make bench``: build (or reuse) the dataset, serve it with gunicorn, load each scenario with
locust, and report requests/s, latency percentiles, errors, SQL queries per request, worker RSS and
the ratio to the floor measured in the same run."""

import argparse
import contextlib
import csv
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from . import database

PROJECT_DIR = database.PROJECT_DIR
BIN = Path(sys.executable).parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"

BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "0",
    "LINLI_BENCH_FLOOR": "1",
    "SECURE_COOKIES": "0",
    "AXES_ENABLED": "0",  # persona sign-ins are not throttled
    "SECRET_KEY": "linli-bench-only-secret-key",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from .scales import SCALES

    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--scale", choices=list(SCALES), default="subdistrict")
    p.add_argument("--scenarios", nargs="*", default=None, help="names (default: all); the floor is always run")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--redis-url",
        default=os.environ.get("LINLI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        help="cache, sessions and Celery broker as in production (emptied first); 'none' for local memory",
    )
    p.add_argument("--duration", type=float, default=15, help="measured seconds per scenario (default 15)")
    p.add_argument("--warmup", type=float, default=3, help="unmeasured seconds of load before each scenario (default 3)")
    p.add_argument("--users", type=int, default=None, help="concurrent simulated users, no think time (default: one per worker)")
    p.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3)")
    p.add_argument(
        "--reuse",
        action="store_true",
        default=os.environ.get("LINLI_BENCH_REUSE", "") not in ("", "0"),
        help="keep the bench database if it already holds this scale and seed (env LINLI_BENCH_REUSE=1)",
    )
    p.add_argument("--generate-only", action="store_true", help="build the dataset, then stop")
    p.add_argument("--no-explain", action="store_true", help="skip EXPLAIN ANALYZE of each page's queries")
    p.add_argument("--database-url", default=os.environ.get("LINLI_BENCH_DATABASE_URL", database.DEFAULT_DATABASE_URL))
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    return p.parse_args(argv)


def log(message: str) -> None:
    print(message, flush=True)


# --- dataset -------------------------------------------------------------------------------------


def ensure_dataset(args) -> tuple[dict, dict]:
    from . import generate
    from .scales import SCALES

    scale = SCALES[args.scale]
    meta = database.read_meta(args.database_url) if args.reuse else None
    wanted = {"scale": scale.name, "seed": args.seed, "generator_version": generate.GENERATOR_VERSION}
    if meta and {k: (meta["scale"]["name"] if k == "scale" else meta.get(k)) for k in wanted} == wanted:
        log(
            f"Reusing {database.database_name(args.database_url)}: {scale.name}, seed {args.seed} "
            f"(generated in {meta['generation_seconds']}s)"
        )
        database.migrate(args.database_url)  # any migration added since: applied, its tables empty
        return meta, {"reused": True}
    log(f"Generating {scale.name} (seed {args.seed}) into {database.database_name(args.database_url)} ...")
    started = time.perf_counter()
    database.create(args.database_url, drop_first=True)
    database.migrate(args.database_url)
    migrated = time.perf_counter() - started
    log(f"  create database + migrate: {migrated:.1f}s")
    facts = generate.generate(args.database_url, scale, args.seed, log=log)
    facts["migrate_seconds"] = round(migrated, 1)
    facts["generation_seconds"] = round(time.perf_counter() - started, 1)
    facts["generated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    import psycopg

    with psycopg.connect(args.database_url, autocommit=True) as conn:
        database.write_meta(conn, facts)
    log(
        f"Generated in {facts['generation_seconds']}s (total, with migrate): "
        + ", ".join(f"{t.split('_', 1)[1]} {n:,}" for t, n in facts["counts"].items())
    )
    return facts, {"reused": False}


def clear_previous_runs(url: str, meta: dict | None = None) -> None:
    """Audit rows, sessions, the cases and notifications written by earlier runs (intake), the
    ballots cast in the generated owners' vote and the event registrations made since it was generated,
    on a reused database: runs stay comparable."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM core_auditentry")
        conn.execute("DELETE FROM django_session")
        tables = ["core_auditentry", "django_session"]
        max_case = ((meta or {}).get("cases") or {}).get("max_id")
        if max_case is not None:
            deleted = 0
            for table in ("cases_caseevent", "cases_supporter", "cases_photo"):
                deleted += conn.execute(f"DELETE FROM {table} WHERE case_id > %s", [max_case]).rowcount  # noqa: S608
            conn.execute("UPDATE cases_case SET merged_into_id = NULL WHERE id > %s", [max_case])
            deleted += conn.execute("DELETE FROM cases_case WHERE id > %s", [max_case]).rowcount
            deleted += conn.execute("DELETE FROM core_notification").rowcount
            deleted += conn.execute("DELETE FROM core_outboxmessage").rowcount
            tables += ["core_notification", "core_outboxmessage"]
            if deleted:
                tables += ["cases_case", "cases_caseevent"]
        conn.execute("VACUUM (ANALYZE) " + ", ".join(tables))
    if (meta or {}).get("votes"):
        from .vote_scenarios import reset_vote

        reset_vote(meta["votes"])
    if (meta or {}).get("events"):
        from .event_scenarios import reset_events

        reset_events(meta["events"])


# --- server --------------------------------------------------------------------------------------


def redis_listens(url: str) -> bool:
    from urllib.parse import urlparse

    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [int(p) for p in children]
    except OSError:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                pids.append(int(stat.parent.name))
        return pids


def reset_peak_rss(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mb(pids: list[int]) -> float | None:
    peaks = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
    return round(max(peaks), 1) if peaks else None


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ms(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each process, in ms (from /proc/<pid>/stat)."""
    result = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[pid] = (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS
    return result


def db_backend_pids(dbname: str) -> list[int]:
    """The PostgreSQL backends serving the bench database (title ``postgres: ... user db host ...``)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {dbname} " in title:
            pids.append(int(cmdline.parent.name))
    return pids


class CpuMeter:
    """CPU spent by the app workers and the bench database's backends during a run: robust to a
    busy machine in a way latency is not (other processes' load shows in wall time, not here)."""

    def __init__(self, server: "Server", dbname: str):
        self.server, self.dbname = server, dbname

    def __enter__(self):
        self.app = cpu_ms(self.server.workers())
        self.db = cpu_ms(db_backend_pids(self.dbname))
        return self

    def __exit__(self, *exc):
        app, db = cpu_ms(self.server.workers()), cpu_ms(db_backend_pids(self.dbname))
        self.app_ms = sum(v - self.app.get(pid, 0.0) for pid, v in app.items())
        self.db_ms = sum(v - self.db.get(pid, 0.0) for pid, v in db.items())
        return False


class Server:
    def __init__(self, url: str, workers: int, logdir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = logdir / "gunicorn.log"
        env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url, "ALLOWED_HOSTS": "127.0.0.1"}
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--log-level",
                "warning",
                "--error-logfile",
                str(self.log_path),
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log_path}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.base + "/bench/floor/", timeout=2) as r:  # noqa: S310 (loopback http)
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn not ready after {timeout}s:\n{self.tail()}")

    def tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])
        except OSError:
            return ""

    def workers(self) -> list[int]:
        return worker_pids(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


# --- load ----------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def locust(
    spec: dict, *, base: str, users: int, seconds: float, workdir: Path, tag: str, spawn_rate: float | None = None
) -> dict:
    spec_path = workdir / f"{tag}.spec.json"
    samples_path = workdir / f"{tag}.samples.json"
    spec = {**spec, "samples_path": str(samples_path), "users": users}
    spec_path.write_text(json.dumps(spec))
    csv_prefix = workdir / tag
    cmd = [
        str(BIN / "locust"),
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(spawn_rate or max(users, 100)),
        "-t",
        f"{max(1, round(seconds))}s",
        "--host",
        base,
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--stop-timeout",
        "5",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    env = {**os.environ, "LINLI_BENCH_SPEC": str(spec_path)}
    out = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=seconds + 90)
    if out.returncode != 0:
        raise RuntimeError(f"locust failed ({out.returncode}):\n{out.stderr[-3000:]}")
    stats = {}
    with open(f"{csv_prefix}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Name"] == spec["name"]:
                stats = row
    data = json.loads(samples_path.read_text())
    samples = sorted(data["samples"])
    # Counted from every request's own record (see locustfile.py): locust's CSV misses the last second.
    first, last = data.get("span") or (None, None)
    span = (last - first) if first is not None and last is not None else None
    started = [0] * (int(last - first) + 1 if span else 0)
    for t in data.get("starts") or []:
        started[int(t - first)] += 1
    extra = {"written_bodies": data["written_bodies"]} if data.get("written_bodies") is not None else {}
    return {
        "requests": len(samples),
        "errors": int(data.get("failure_count", 0)),
        "rps": round(len(samples) / span, 1) if span else 0.0,
        "span_s": round(span, 2) if span else None,
        "locust_csv": {
            "requests": int(stats.get("Request Count", 0)),
            "errors": int(stats.get("Failure Count", 0)),
            "rps": round(float(stats.get("Requests/s", 0) or 0), 1),
        },
        "p50_ms": _r(percentile(samples, 0.50)),
        "p95_ms": _r(percentile(samples, 0.95)),
        "p99_ms": _r(percentile(samples, 0.99)),
        "mean_ms": _r(statistics.fmean(samples) if samples else None),
        "max_ms": _r(samples[-1] if samples else None),
        "failure_examples": data["failures"][:5],
        "statuses": data.get("statuses") or {},
        "started_per_second": started,  # requests started in each second from the first one's start
        **extra,
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- report --------------------------------------------------------------------------------------


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    with contextlib.suppress(OSError, IndexError):
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "memory": mem,
        "platform": platform.platform(),
        "loadavg_start": list(os.getloadavg()),
    }


def versions(url: str) -> dict:
    from importlib.metadata import version

    import django
    import psycopg

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": database.server_version(url),
        "gunicorn": version("gunicorn"),
        "locust": version("locust"),  # not imported: locust monkey-patches with gevent
        "psycopg": psycopg.__version__,
    }


def verdict(s, result: dict) -> str:
    if s.target_p95_ms is None and s.target_floor_ratio is None and s.target_rps is None and not result.get("check"):
        return ""
    misses = []
    if s.target_rps is not None and (result.get("rps") or 0) < s.target_rps:
        misses.append(f"req/s<{s.target_rps:g}")
    if result.get("check") and not result["check"]["ok"]:
        misses.append("check failed")
    if s.target_p95_ms is not None and (result.get("p95_ms") or 1e9) > s.target_p95_ms:
        misses.append(f"p95>{s.target_p95_ms:g}")
    if s.target_floor_ratio is not None and (result.get("floor_ratio") or 0) < s.target_floor_ratio:
        misses.append(f"floor<{s.target_floor_ratio:.0%}")
    return "MISS " + " ".join(misses) if misses else "ok"


def table(rows: list[dict]) -> str:
    header = [
        "scenario",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "err",
        "floor",
        "floor cpu",
        "SQL/req",
        "rows",
        "CPU app+db",
        "1-req ms",
        "RSS MB",
        "target",
    ]
    lines = []
    for r in rows:
        if r.get("in_process"):
            lines.append([r["name"], *["-"] * 12, r.get("verdict", "")])
            continue
        sql = "/".join(str(u["queries"]) for u in r.get("probe", {}).get("urls", [])) or "-"
        rws = "/".join(str(u["rows"]) for u in r.get("probe", {}).get("urls", []) if u["rows"] is not None) or "-"
        ratio = r.get("floor_ratio")
        lines.append(
            [
                r["name"],
                f"{r['rps']:.1f}",
                f"{r['p50_ms']}",
                f"{r['p95_ms']}",
                f"{r['p99_ms']}",
                str(r["errors"]),
                f"{ratio:.0%}" if ratio is not None else "-",
                f"{r['floor_cpu_ratio']:.0%}" if r.get("floor_cpu_ratio") is not None else "-",
                sql,
                rws,
                f"{r.get('app_cpu_ms_per_req')}+{r.get('db_cpu_ms_per_req')}",
                "/".join(str(u["in_process"]["wall_ms"]) for u in r.get("probe", {}).get("urls", []) if "in_process" in u) or "-",
                str(r.get("worker_peak_rss_mb")),
                r.get("verdict", ""),
            ]
        )
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join([fmt.format(*header), fmt.format(*["-" * w for w in widths])] + [fmt.format(*line) for line in lines])


def in_process(s, ds) -> dict:
    """An in-process scenario (``Scenario.runner``): its own figures, its own check."""
    started = time.perf_counter()
    figures = s.runner(ds)
    ok = bool(figures.pop("ok"))
    summary = figures.pop("summary")
    first = (figures.get("runs") or [{}])[0]
    misses = []
    if s.target_seconds is not None and (first.get("seconds") or 1e9) > s.target_seconds:
        misses.append(f"time>{s.target_seconds:g}s")
    if not ok:
        misses.append("check failed")
    return {
        "name": s.name,
        "description": s.description,
        "in_process": True,
        "figures": figures,
        "seconds": round(time.perf_counter() - started, 2),
        "check": {"ok": ok, "message": summary},
        "verdict": "MISS " + " ".join(misses) if misses else "ok",
    }


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update(BENCH_ENV)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    # As in production: several gunicorn workers share one cache (sessions, figures) in Redis. Without it,
    # each worker would keep its own copy of a session, and signing out in one would not reach the others.
    redis_url = args.redis_url if args.redis_url != "none" and redis_listens(args.redis_url) else ""
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    from . import probe, scenarios

    if args.list:
        for s in scenarios.REGISTRY.values():
            log(f"{s.name:<20} {s.description}")
        return 0
    chosen = scenarios.select(args.scenarios)
    args.users = args.users or args.workers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started_at = datetime.now(UTC)
    meta, generation = ensure_dataset(args)
    ds = scenarios.Dataset(meta)
    if args.generate_only:
        return 0
    clear_previous_runs(args.database_url, meta)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=PROJECT_DIR, check=True, env={**os.environ}
    )

    log("Probing each page once (SQL queries, EXPLAIN ANALYZE) ...")
    probes = {s.name: probe.probe(ds, s, with_plans=not args.no_explain) for s in chosen if s.runner is None}
    for name, p in probes.items():
        for u in p["urls"] + p["extra"]:
            if u["status"] != 200:
                log(f"  {name}: {u['url']} answered {u['status']}")
    results: list[dict] = []
    report = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(args.database_url),
        "scale": meta["scale"],
        "seed": args.seed,
        "dataset": {
            k: meta.get(k)
            for k in (
                "counts",
                "residents",
                "persons",
                "persona_community",
                "personas",
                "generation_seconds",
                "migrate_seconds",
                "load_seconds",
                "generated_at",
            )
        }
        | generation,
        "settings": {
            "workers": args.workers,
            "users": args.users,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "server": "gunicorn sync, DEBUG=0",
            "cache": "redis" if os.environ.get("REDIS_URL") else "local memory",
            "load_tool": "locust headless FastHttpUser, no think time",
        },
        "scenarios": results,
    }
    failed = False
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
        workdir = Path(tmp)
        server = Server(args.database_url, args.workers, workdir)
        try:
            server.wait_ready()
            log(
                f"gunicorn ({args.workers} workers) on {server.base}; {args.users} users, "
                f"{args.warmup:g}s warm-up + {args.duration:g}s per scenario"
            )
            runs = [*chosen, scenarios.REGISTRY[scenarios.FLOOR]]  # the floor again at the end: drift
            for i, s in enumerate(runs):
                label = s.name if i < len(runs) - 1 else f"{s.name}_end"
                if s.runner is not None:
                    connections.close_all()
                    result = in_process(s, ds)
                    failed |= not result["check"]["ok"]
                    results.append(result)
                    log(f"  {label:<20} {result['check']['message']}")
                    connections.close_all()
                    continue
                users = s.users or args.users
                spec = {
                    "name": label,
                    "urls": s.urls(ds),
                    "expect": s.expect,
                    "sessions": probe.sessions(ds, s.persona, users) if s.auth == "session" else [],
                    "cookie_name": settings.SESSION_COOKIE_NAME,
                    "method": s.method,
                    "bodies": s.bodies(ds) if s.bodies else None,
                    "headers": probe.auth_headers(ds, s.persona, s.auth),
                    "user_headers": s.user_headers(ds) if s.user_headers else None,
                    "user_bodies": s.user_bodies(ds) if s.user_bodies else None,
                    "once": s.once,
                    "queue": s.queue(ds) if s.queue else None,
                    "record_bodies": s.record_bodies,
                    "expect_status": s.expect_status,
                }
                connections.close_all()
                pids = server.workers()
                reset_peak_rss(pids)
                load = {"base": server.base, "users": users, "workdir": workdir, "spawn_rate": s.spawn_rate}
                if args.warmup > 0 and s.warmup:
                    locust(spec, seconds=args.warmup, tag=f"{i}-warm", **load)
                before = s.before(ds) if s.before is not None else None
                connections.close_all()
                with CpuMeter(server, database.database_name(args.database_url)) as cpu:
                    result = locust(spec, seconds=s.duration or args.duration, tag=f"{i}", **load)
                n = result["requests"]
                result["app_cpu_ms_per_req"] = round(cpu.app_ms / n, 2) if n else None
                result["db_cpu_ms_per_req"] = round(cpu.db_ms / n, 2) if n else None
                if not n:
                    result["failure_examples"].append(f"no request completed in {s.duration or args.duration:g}s")
                    failed = True
                result.update(
                    name=label,
                    description=s.description,
                    persona=s.persona,
                    users=users,
                    urls=spec["urls"],
                    worker_peak_rss_mb=peak_rss_mb(server.workers()),
                    probe=probes[s.name],
                )
                if before is not None:
                    result["before"] = before
                if s.check is not None:
                    ok, message = s.check(ds, result)
                    result["check"] = {"ok": ok, "message": message}
                    failed |= not ok
                result.pop("written_bodies", None)  # for the check only
                failed |= result["errors"] > 0
                results.append(result)
                log(f"  {label:<20} {result['rps']:>8.1f} req/s  p95 {result['p95_ms']} ms  errors {result['errors']}")
                if result["failure_examples"]:
                    log(f"    e.g. {result['failure_examples'][0]}")
                if "check" in result:
                    log(f"    check {'ok' if result['check']['ok'] else 'FAILED'}: {result['check']['message']}")
        finally:
            server.stop()
            report["gunicorn_log_tail"] = server.tail()

    floors = [r["rps"] for r in results if r["name"] in (scenarios.FLOOR, f"{scenarios.FLOOR}_end")]
    floor_rps = statistics.fmean(floors) if floors else 0.0
    for r in results:
        if r.get("in_process"):
            continue
        r["floor_ratio"] = round(r["rps"] / floor_rps, 3) if floor_rps else None
        r["verdict"] = verdict(scenarios.REGISTRY.get(r["name"], scenarios.REGISTRY[scenarios.FLOOR]), r)

    def cpu_per_req(r: dict) -> float | None:
        app, db = r.get("app_cpu_ms_per_req"), r.get("db_cpu_ms_per_req")
        return None if app is None or db is None else app + db

    floor_cpu = [c for r in results if r["name"] in (scenarios.FLOOR, f"{scenarios.FLOOR}_end") and (c := cpu_per_req(r))]
    floor_cpu_mean = statistics.fmean(floor_cpu) if floor_cpu else 0.0
    for r in results:
        cpu = cpu_per_req(r)
        r["floor_cpu_ratio"] = round(floor_cpu_mean / cpu, 3) if cpu and floor_cpu_mean else None
    report["floor"] = {
        "cpu_ms_per_req": round(floor_cpu_mean, 2),
        "rps_mean": round(floor_rps, 1),
        "rps_runs": floors,
        "drift": round(floors[-1] / floors[0] - 1, 3) if len(floors) == 2 and floors[0] else None,
    }
    report["machine"]["loadavg_end"] = list(os.getloadavg())
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")

    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{started_at:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    log("")
    log(
        f"{meta['scale']['name']} scale, seed {args.seed}; dataset generated in {meta['generation_seconds']}s"
        + (" (reused)" if generation["reused"] else "")
        + f"; floor {floor_rps:.1f} req/s"
        + (f" (drift {report['floor']['drift']:+.0%})" if report["floor"]["drift"] is not None else "")
    )
    log(table(results))
    log("floor: req/s over the floor's; floor cpu: the floor's CPU per request (app + db) over the scenario's;")
    log("CPU app+db: ms of CPU per request in gunicorn workers + PostgreSQL backends; 1-req ms: one request alone, in process")
    for r in results:
        if r["name"] == f"{scenarios.FLOOR}_end":
            continue
        if r.get("in_process"):
            log(f"  {r['name']}: {r['check']['message']}")
            continue
        pages = [*r["probe"]["urls"], *r["probe"]["extra"]]
        log(f"  {r['name']}: SQL queries " + ", ".join(f"{u['queries']} ({u['rows']} rows, {u['url']})" for u in pages))
        slow = [u["slowest_sql"] for u in r["probe"]["urls"] if u.get("slowest_sql")]
        if slow:
            log(f"    slowest: {slow[0]['explain_ms']} ms (EXPLAIN ANALYZE) {slow[0]['sql'][:150]}")
    load = report["machine"]["loadavg_start"][0]
    if load > (os.cpu_count() or 1) / 2:
        log(
            f"Note: load average {load:.1f} on {os.cpu_count()} CPUs when the run started: other work shares the machine; "
            "compare floor ratios and CPU per request rather than raw latency."
        )
    log(f"Results: {out.relative_to(PROJECT_DIR)}")
    return 1 if failed else 0
