"""Helpers for the PostgreSQL concurrency tests."""

import threading
import time

from django.db import connection

WAITING_SQL = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"


def wait_for_a_blocked_writer(timeout: float = 10.0) -> bool:
    """True once another session of this database waits on a lock (other databases on the server, such as a
    parallel test worker's, do not count)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction PostgreSQL keeps the first look at pg_stat_activity; look afresh each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(WAITING_SQL)
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


def run_together(threads: list[threading.Thread], timeout: float = 60.0) -> None:
    """Start every thread, then wait for each; fail if one is still running after ``timeout`` seconds."""
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread is still running"
